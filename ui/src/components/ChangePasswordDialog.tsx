import { useId, useRef, useState, type SyntheticEvent } from "react";
import { changePassword, type ApiError } from "../api";
import { passwordProblem } from "../lib/validate";
import { DialogActions } from "./DialogActions";
import { FieldError } from "./FieldError";
import { Modal } from "./Modal";

interface ChangePasswordDialogProps {
  /** Whether the signed-in person has a password now; if so, it must be given. */
  hasPassword: boolean;
  onCancel: () => void;
  onChanged: () => void;
}

type Problems = Partial<Record<"current" | "next" | "confirm" | "other", string>>;

/** Passwords stay in the input elements only and are cleared after every attempt. */
export function ChangePasswordDialog({ hasPassword, onCancel, onChanged }: ChangePasswordDialogProps) {
  const [problems, setProblems] = useState<Problems>({});
  const [submitting, setSubmitting] = useState(false);
  const currentRef = useRef<HTMLInputElement>(null);
  const nextRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);
  const ids = { current: useId(), next: useId(), confirm: useId() };

  function clear() {
    for (const ref of [currentRef, nextRef, confirmRef]) {
      if (ref.current) ref.current.value = "";
    }
  }

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    const current = hasPassword ? (currentRef.current?.value ?? "") : null;
    const next = nextRef.current?.value ?? "";
    const confirm = confirmRef.current?.value ?? "";
    const local: Problems = {};
    if (current === "") local.current = "Enter your current password.";
    const weak = passwordProblem(next);
    if (weak) local.next = weak;
    else if (confirm !== next) local.confirm = "The passwords do not match.";
    if (Object.keys(local).length > 0) {
      setProblems(local);
      (local.current ? currentRef : local.next ? nextRef : confirmRef).current?.focus();
      return;
    }
    setProblems({});
    setSubmitting(true);
    try {
      await changePassword(current, next);
      clear();
      onChanged();
    } catch (err) {
      const error = err as ApiError;
      clear();
      setSubmitting(false);
      if (error.code === "invalid_credentials") {
        setProblems({ current: error.message });
        currentRef.current?.focus();
      } else if (error.code === "invalid_password") {
        setProblems({ next: error.message });
        nextRef.current?.focus();
      } else {
        setProblems({ other: error.message });
      }
    }
  }

  return (
    <Modal
      title="Change your password"
      onClose={onCancel}
      size="small"
      testId="password-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        {hasPassword && (
          <div className="field">
            <label htmlFor={ids.current}>Current password</label>
            <input
              ref={currentRef}
              id={ids.current}
              type="password"
              autoComplete="current-password"
              aria-invalid={problems.current ? true : undefined}
              aria-describedby={problems.current ? `${ids.current}-error` : undefined}
              data-testid="current-password"
            />
            {problems.current && (
              <FieldError id={`${ids.current}-error`}>{problems.current}</FieldError>
            )}
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.next}>New password</label>
          <input
            ref={nextRef}
            id={ids.next}
            type="password"
            autoComplete="new-password"
            aria-invalid={problems.next ? true : undefined}
            aria-describedby={problems.next ? `${ids.next}-error` : `${ids.next}-hint`}
            data-testid="new-password"
          />
          {problems.next ? (
            <FieldError id={`${ids.next}-error`}>{problems.next}</FieldError>
          ) : (
            <p id={`${ids.next}-hint`} className="hint">
              At least 8 characters.
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={ids.confirm}>Confirm new password</label>
          <input
            ref={confirmRef}
            id={ids.confirm}
            type="password"
            autoComplete="new-password"
            aria-invalid={problems.confirm ? true : undefined}
            aria-describedby={problems.confirm ? `${ids.confirm}-error` : undefined}
            data-testid="confirm-password"
          />
          {problems.confirm && (
            <FieldError id={`${ids.confirm}-error`}>{problems.confirm}</FieldError>
          )}
        </div>
        {problems.other && (
          <div className="alert" role="alert" data-testid="dialog-alert">
            <p>{problems.other}</p>
          </div>
        )}
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label="Change password"
          busyLabel="Saving…"
          testId="password-submit"
        />
      </form>
    </Modal>
  );
}
