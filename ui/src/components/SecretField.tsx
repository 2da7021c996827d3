// A secret shown once (a new token, a client secret) is displayed and copied one way: read-only,
// selected on focus, and copied through Rust, which clears the clipboard after 30 seconds.
import { useId, useState, type Ref } from "react";
import { copyToken, toApiError } from "../api";
import { FieldError } from "./FieldError";

interface SecretFieldProps {
  label: string;
  value: string;
  /** The warning that the secret will not be shown again. */
  describedBy: string;
  testId: string;
  copyTestId: string;
  /** The Copy button, for a dialog that focuses it on open. */
  copyRef?: Ref<HTMLButtonElement>;
  /** Focus the Copy button when the field appears. */
  autoFocus?: boolean;
}

export function SecretField({
  label,
  value,
  describedBy,
  testId,
  copyTestId,
  copyRef,
  autoFocus,
}: SecretFieldProps) {
  const [copied, setCopied] = useState(false);
  const [copyError, setCopyError] = useState<string | null>(null);
  const id = useId();

  async function copy() {
    setCopyError(null);
    try {
      await copyToken(value);
      setCopied(true);
    } catch (err) {
      setCopied(false);
      setCopyError(toApiError(err).message);
    }
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="token-box">
        <input
          id={id}
          className="mono token-input"
          type="text"
          readOnly
          value={value}
          spellCheck={false}
          autoComplete="off"
          aria-describedby={describedBy}
          data-testid={testId}
          onFocus={(e) => {
            e.currentTarget.select();
          }}
        />
        <button
          ref={copyRef}
          autoFocus={autoFocus}
          type="button"
          className="button button-primary"
          data-testid={copyTestId}
          onClick={() => void copy()}
        >
          Copy
        </button>
      </div>
      <p className="status-line" role="status">
        {copied ? "Copied. The clipboard is cleared in 30 seconds." : ""}
      </p>
      {copyError && <FieldError>{copyError}</FieldError>}
    </div>
  );
}
