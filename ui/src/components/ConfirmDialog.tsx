// Dialogs that only ask before one call share this: the question, what it will do, Cancel and the
// confirming button, and Rust's refusal when the call fails (the dialog then stays open).
import { useState, type ReactNode, type RefObject, type SyntheticEvent } from "react";
import type { ApiError } from "../api";
import { Alert } from "./Alert";
import { DialogActions } from "./DialogActions";
import { Modal } from "./Modal";

interface ConfirmDialogProps<T> {
  title: string;
  testId: string;
  /** The call made on confirming; its answer goes to `onDone`. */
  action: () => Promise<T>;
  onDone: (result: T) => void;
  onCancel: () => void;
  returnFocus?: (() => HTMLElement | null) | undefined;
  /** Receives focus on open (a choice in `children`); otherwise the first focusable element. */
  initialFocus?: RefObject<HTMLElement | null> | undefined;
  /** The confirming button: its label, its label while the call runs, and its test id. */
  label: string;
  busyLabel: string;
  confirmTestId: string;
  /** For what cannot be undone: a red button. */
  danger?: boolean;
  /** What confirming does. */
  children: ReactNode;
}

export function ConfirmDialog<T>({
  title,
  testId,
  action,
  onDone,
  onCancel,
  returnFocus,
  initialFocus,
  label,
  busyLabel,
  confirmTestId,
  danger = false,
  children,
}: ConfirmDialogProps<T>) {
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      onDone(await action());
    } catch (err) {
      setError((err as ApiError).message);
      setSubmitting(false);
    }
  }

  return (
    <Modal
      title={title}
      onClose={onCancel}
      returnFocus={returnFocus}
      initialFocus={initialFocus}
      size="small"
      testId={testId}
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        {children}
        {error && <Alert testId="dialog-alert">{error}</Alert>}
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label={label}
          busyLabel={busyLabel}
          testId={confirmTestId}
          danger={danger}
        />
      </form>
    </Modal>
  );
}
