import { useId, useRef, useState, type SyntheticEvent } from "react";
import { switchUser, type ApiError, type AppInfo } from "../api";
import { DialogActions } from "./DialogActions";
import { FieldError } from "./FieldError";
import { Modal } from "./Modal";
import { PasswordField } from "./TextField";

interface SwitchUserDialogProps {
  onCancel: () => void;
  onSwitched: (info: AppInfo) => void;
}

/**
 * Signs in as another person with their email and password. The password lives only in the
 * input element (never in React state) and is cleared after every attempt.
 */
export function SwitchUserDialog({ onCancel, onSwitched }: SwitchUserDialogProps) {
  const [email, setEmail] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const ids = { email: useId(), error: useId() };

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    const input = passwordRef.current;
    const password = input?.value ?? "";
    if (email.trim() === "") {
      setProblem("Enter the email address of the person to sign in as.");
      emailRef.current?.focus();
      return;
    }
    if (password === "") {
      setProblem("Enter their password.");
      input?.focus();
      return;
    }
    setProblem(null);
    setSubmitting(true);
    try {
      const info = await switchUser(email.trim(), password);
      if (input) input.value = "";
      onSwitched(info);
    } catch (err) {
      if (input) {
        input.value = "";
        input.focus();
      }
      // invalid_credentials never says which part was wrong; rate_limited says how long to wait.
      setProblem((err as ApiError).message);
      setSubmitting(false);
    }
  }

  return (
    <Modal
      title="Switch user"
      onClose={onCancel}
      initialFocus={emailRef}
      size="small"
      testId="switch-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <p className="muted">
          Sign in as another person with their own password. Everything you do is recorded under
          their name until you switch back.
        </p>
        <div className="field">
          <label htmlFor={ids.email}>Email</label>
          <input
            ref={emailRef}
            id={ids.email}
            type="email"
            autoComplete="username"
            spellCheck={false}
            value={email}
            aria-describedby={problem ? ids.error : undefined}
            data-testid="switch-email"
            onChange={(e) => {
              setEmail(e.target.value);
            }}
          />
        </div>
        <PasswordField
          ref={passwordRef}
          label="Password"
          autoComplete="current-password"
          error={problem}
          errorId={ids.error}
          data-testid="switch-password"
        />
        {problem && <FieldError id={ids.error}>{problem}</FieldError>}
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label="Sign in"
          busyLabel="Signing in…"
          testId="switch-submit"
        />
      </form>
    </Modal>
  );
}
