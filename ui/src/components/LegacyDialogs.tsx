// The Migration page's row dialogs: a bearer token for a legacy key's owner, and retiring the key.
import { useRef, useState, type SyntheticEvent } from "react";
import {
  replaceLegacyKey,
  retireLegacyKey,
  type ApiError,
  type CreatedToken,
  type ExpiryPolicy,
  type TokenMeta,
} from "../api";
import { nameProblem } from "../lib/validate";
import { ConfirmDialog } from "./ConfirmDialog";
import { DialogActions } from "./DialogActions";
import { ExpiryPicker, useExpiry } from "./ExpiryPicker";
import { FieldError } from "./FieldError";
import { Modal } from "./Modal";
import { TextField } from "./TextField";

/** "CRM sync (bearer)", unless that is too long for a name: then the label alone. */
export function replacementName(label: string): string {
  const name = `${label} (bearer)`;
  return nameProblem(name) === null ? name : label;
}

interface LegacyReplaceDialogProps {
  legacyKey: TokenMeta;
  policy: ExpiryPolicy;
  onCancel: () => void;
  onCreated: (created: CreatedToken) => void;
  returnFocus: () => HTMLElement | null;
}

export function LegacyReplaceDialog({
  legacyKey,
  policy,
  onCancel,
  onCreated,
  returnFocus,
}: LegacyReplaceDialogProps) {
  const [name, setName] = useState(() => replacementName(legacyKey.name));
  const expiry = useExpiry(policy);
  const [attempted, setAttempted] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const { choice } = expiry;

  const serverName =
    serverError && (serverError.code === "invalid_name" || serverError.code === "name_taken")
      ? serverError.message
      : null;
  const serverExpiry = serverError?.code === "invalid_expiry" ? serverError.message : null;
  const serverOther = serverError && !serverName && !serverExpiry ? serverError.message : null;
  const nameError = (attempted ? nameProblem(name) : null) ?? serverName;
  const expiryError = (attempted ? expiry.problem : null) ?? serverExpiry;

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    setAttempted(true);
    setServerError(null);
    if (nameProblem(name)) {
      nameRef.current?.focus();
      return;
    }
    if (!choice) return;
    setSubmitting(true);
    try {
      // Rust makes it for the key's owner and describes it as the key's replacement.
      onCreated(await replaceLegacyKey(legacyKey.id, { name: name.trim(), expiry: choice }));
    } catch (err) {
      const error = err as ApiError;
      setServerError(error);
      setSubmitting(false);
      if (error.code === "invalid_name" || error.code === "name_taken") nameRef.current?.focus();
    }
  }

  return (
    <Modal
      title="Create a bearer token"
      onClose={onCancel}
      initialFocus={nameRef}
      returnFocus={returnFocus}
      testId="legacy-replace-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <p className="note">
          A bearer token for <strong className="name-text">{legacyKey.ownerName}</strong>, to
          replace the legacy key <code>{legacyKey.displayHint}</code> (
          <span className="name-text">{legacyKey.name}</span>). The key keeps working until you
          retire it.
        </p>
        <TextField
          ref={nameRef}
          label="Name"
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={name}
          required
          error={nameError}
          hint="What uses this token. Up to 100 characters."
          data-testid="legacy-replace-name"
          onChange={(e) => {
            setName(e.target.value);
            if (serverName) setServerError(null);
          }}
        />
        <ExpiryPicker
          expiry={expiry}
          error={expiryError}
          testId="legacy-replace-expiry"
          onEdit={() => {
            if (serverExpiry) setServerError(null);
          }}
        />
        {serverOther && <FieldError>{serverOther}</FieldError>}
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label="Create token"
          busyLabel="Creating…"
          testId="legacy-replace-submit"
        />
      </form>
    </Modal>
  );
}

interface LegacyRetireDialogProps {
  legacyKey: TokenMeta;
  onCancel: () => void;
  onRetired: (meta: TokenMeta) => void;
  returnFocus: () => HTMLElement | null;
}

export function LegacyRetireDialog({
  legacyKey,
  onCancel,
  onRetired,
  returnFocus,
}: LegacyRetireDialogProps) {
  return (
    <ConfirmDialog
      title={`Retire “${legacyKey.name}”?`}
      testId="legacy-retire-dialog"
      action={() => retireLegacyKey(legacyKey.id)}
      onDone={onRetired}
      onCancel={onCancel}
      returnFocus={returnFocus}
      label="Retire key"
      busyLabel="Retiring…"
      confirmTestId="legacy-retire-confirm"
      danger
    >
      <p>
        The legacy key <code>{legacyKey.displayHint}</code> of{" "}
        <strong className="name-text">{legacyKey.ownerName}</strong>.
      </p>
      <p className="danger-text">
        Retiring takes effect immediately and cannot be undone: the key is refused from now on, and
        anything still sending it stops working.
      </p>
    </ConfirmDialog>
  );
}
