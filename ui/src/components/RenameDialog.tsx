import { useRef, useState, type SyntheticEvent } from "react";
import { renameToken, type ApiError, type TokenMeta } from "../api";
import { nameProblem } from "../lib/validate";
import { Modal } from "./Modal";
import { TextField } from "./TextField";
import { DialogActions } from "./DialogActions";

interface RenameDialogProps {
  token: TokenMeta;
  onCancel: () => void;
  onRenamed: (meta: TokenMeta) => void;
  returnFocus: () => HTMLElement | null;
}

export function RenameDialog({ token, onCancel, onRenamed, returnFocus }: RenameDialogProps) {
  const [name, setName] = useState(token.name);
  const [attempted, setAttempted] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  const error = (attempted ? nameProblem(name) : null) ?? serverError?.message ?? null;

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    setAttempted(true);
    setServerError(null);
    if (nameProblem(name)) {
      inputRef.current?.focus();
      return;
    }
    setSubmitting(true);
    try {
      onRenamed(await renameToken(token.id, name.trim()));
    } catch (err) {
      setServerError(err as ApiError);
      setSubmitting(false);
      inputRef.current?.focus();
    }
  }

  return (
    <Modal
      title="Rename authorization"
      onClose={onCancel}
      initialFocus={inputRef}
      returnFocus={returnFocus}
      size="small"
      testId="rename-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <TextField
          ref={inputRef}
          label="Name"
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={name}
          error={error}
          data-testid="rename-input"
          onChange={(e) => {
            setName(e.target.value);
            setServerError(null);
          }}
          onFocus={(e) => {
            e.currentTarget.select();
          }}
        />
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label="Save"
          busyLabel="Saving…"
          testId="rename-submit"
        />
      </form>
    </Modal>
  );
}
