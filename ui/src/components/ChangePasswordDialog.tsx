import { useRef, useState, type SyntheticEvent } from "react";
import { changePassword, type ApiError } from "../api";
import { newPasswordProblems } from "../lib/validate";
import { Alert } from "./Alert";
import { DialogActions } from "./DialogActions";
import { Modal } from "./Modal";
import { NewPasswordFields } from "./NewPasswordFields";
import { PasswordField } from "./TextField";

interface ChangePasswordDialogProps {
  /** Whether the signed-in person has a password now; if so, it must be given. */
  hasPassword: boolean;
  onCancel: () => void;
  onChanged: () => void;
}

type Problems = Partial<Record<"current" | "password" | "confirm" | "other", string>>;

/** Passwords stay in the input elements only and are cleared after every attempt. */
export function ChangePasswordDialog({ hasPassword, onCancel, onChanged }: ChangePasswordDialogProps) {
  const [problems, setProblems] = useState<Problems>({});
  const [submitting, setSubmitting] = useState(false);
  const currentRef = useRef<HTMLInputElement>(null);
  const nextRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);

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
    Object.assign(local, newPasswordProblems(next, confirm));
    if (Object.keys(local).length > 0) {
      setProblems(local);
      (local.current ? currentRef : local.password ? nextRef : confirmRef).current?.focus();
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
        setProblems({ password: error.message });
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
          <PasswordField
            ref={currentRef}
            label="Current password"
            autoComplete="current-password"
            error={problems.current}
            data-testid="current-password"
          />
        )}
        <NewPasswordFields
          passwordRef={nextRef}
          confirmRef={confirmRef}
          problems={problems}
          confirmLabel="Confirm new password"
          hint="At least 8 characters."
          testIds={["new-password", "confirm-password"]}
        />
        {problems.other && <Alert testId="dialog-alert">{problems.other}</Alert>}
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
