import { useId, useRef, useState, type SyntheticEvent } from "react";
import { revokeToken, type TokenMeta } from "../api";
import { submitOnCtrlEnter } from "../lib/keys";
import { REASON_MAX, textProblem } from "../lib/validate";
import { FieldError } from "./FieldError";
import { Modal } from "./Modal";
import { DialogActions } from "./DialogActions";

interface RevokeDialogProps {
  token: TokenMeta;
  onCancel: () => void;
  onRevoked: (meta: TokenMeta) => void;
  returnFocus: () => HTMLElement | null;
}

export function RevokeDialog({ token, onCancel, onRevoked, returnFocus }: RevokeDialogProps) {
  const [reason, setReason] = useState("");
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  async function submit(e?: SyntheticEvent) {
    e?.preventDefault();
    if (submitting) return;
    const problem = textProblem(reason, "reason", REASON_MAX);
    if (problem) {
      setError(problem);
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      const trimmed = reason.trim();
      onRevoked(await revokeToken(token.id, trimmed === "" ? null : trimmed));
    } catch (err) {
      setError((err as { message: string }).message);
      setSubmitting(false);
    }
  }

  return (
    <Modal
      title={`Revoke “${token.name}”?`}
      onClose={onCancel}
      initialFocus={reasonRef}
      returnFocus={returnFocus}
      size="small"
      testId="revoke-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <p className="danger-text">
          This takes effect immediately and cannot be undone. Anything using this token will stop
          working.
        </p>
        <div className="field">
          <label htmlFor={id}>
            Reason <span className="optional">(optional)</span>
          </label>
          <textarea
            ref={reasonRef}
            id={id}
            rows={3}
            value={reason}
            aria-describedby={error ? `${id}-error` : undefined}
            data-testid="revoke-reason"
            onChange={(e) => {
              setReason(e.target.value);
            }}
            onKeyDown={(e) => {
              submitOnCtrlEnter(e, () => void submit());
            }}
          />
        </div>
        {error && <FieldError id={`${id}-error`}>{error}</FieldError>}
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label="Revoke"
          busyLabel="Revoking…"
          testId="revoke-confirm"
          danger
        />
      </form>
    </Modal>
  );
}
