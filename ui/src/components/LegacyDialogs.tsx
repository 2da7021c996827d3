// The Migration page's row dialogs: a bearer token for a legacy key's owner, and retiring the key.
import { useId, useRef, useState, type SyntheticEvent } from "react";
import {
  replaceLegacyKey,
  retireLegacyKey,
  type ApiError,
  type CreatedToken,
  type ExpiryChoice,
  type ExpiryPolicy,
  type ExpiryPreset,
  type TokenMeta,
} from "../api";
import {
  PRESET_DURATIONS,
  PRESET_LABELS,
  choiceValue,
  formatDateTime,
  formatRelative,
} from "../lib/format";
import { nameProblem } from "../lib/validate";
import { DialogActions } from "./DialogActions";
import { FieldError } from "./FieldError";
import { Modal } from "./Modal";
import { TextField } from "./TextField";

/** The policy's presets, and Never if it allows it; a custom date is left to Add for a user. */
function expiryOptions(policy: ExpiryPolicy): { value: string; label: string }[] {
  const options: { value: string; label: string }[] = policy.presets.map((p) => ({
    value: p,
    label: PRESET_LABELS[p],
  }));
  if (policy.allowNever) options.push({ value: "never", label: "Never" });
  return options;
}

function choiceFrom(value: string): ExpiryChoice | null {
  if (value === "never") return { kind: "never" };
  return Object.hasOwn(PRESET_LABELS, value)
    ? { kind: "preset", preset: value as ExpiryPreset }
    : null;
}

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
  const [now] = useState(() => Date.now());
  const options = expiryOptions(policy);
  const [name, setName] = useState(() => replacementName(legacyKey.name));
  const [expiry, setExpiry] = useState(() => {
    const wanted = choiceValue(policy.defaultChoice);
    return options.some((o) => o.value === wanted) ? wanted : (options[0]?.value ?? "");
  });
  const [attempted, setAttempted] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const expiryId = useId();

  const choice = choiceFrom(expiry);
  const expiresAt = choice?.kind === "preset" ? now + PRESET_DURATIONS[choice.preset] : null;

  const serverName =
    serverError && (serverError.code === "invalid_name" || serverError.code === "name_taken")
      ? serverError.message
      : null;
  const serverExpiry = serverError?.code === "invalid_expiry" ? serverError.message : null;
  const serverOther = serverError && !serverName && !serverExpiry ? serverError.message : null;
  const nameError = (attempted ? nameProblem(name) : null) ?? serverName;
  const expiryError =
    (attempted && !choice ? "The expiration policy offers no preset to choose." : null) ??
    serverExpiry;

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
        <div className="field">
          <label htmlFor={expiryId}>Expiration</label>
          <select
            id={expiryId}
            className="input-short"
            value={expiry}
            aria-invalid={expiryError ? true : undefined}
            aria-describedby={expiryError ? `${expiryId}-error` : `${expiryId}-hint`}
            data-testid="legacy-replace-expiry"
            onChange={(e) => {
              setExpiry(e.target.value);
              if (serverExpiry) setServerError(null);
            }}
          >
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          {expiryError ? (
            <FieldError id={`${expiryId}-error`}>{expiryError}</FieldError>
          ) : (
            <p id={`${expiryId}-hint`} className="hint expiry-summary">
              {choice?.kind === "never"
                ? "This token never expires. Revoke it when it is no longer needed."
                : expiresAt !== null
                  ? `Expires ${formatDateTime(expiresAt)} (${formatRelative(expiresAt, now)}).`
                  : null}
            </p>
          )}
        </div>
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
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      onRetired(await retireLegacyKey(legacyKey.id));
    } catch (err) {
      setError((err as ApiError).message);
      setSubmitting(false);
    }
  }

  return (
    <Modal
      title={`Retire “${legacyKey.name}”?`}
      onClose={onCancel}
      returnFocus={returnFocus}
      size="small"
      testId="legacy-retire-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <p>
          The legacy key <code>{legacyKey.displayHint}</code> of{" "}
          <strong className="name-text">{legacyKey.ownerName}</strong>.
        </p>
        <p className="danger-text">
          Retiring takes effect immediately and cannot be undone: the key is refused from now on,
          and anything still sending it stops working.
        </p>
        {error && <FieldError>{error}</FieldError>}
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label="Retire key"
          busyLabel="Retiring…"
          testId="legacy-retire-confirm"
          danger
        />
      </form>
    </Modal>
  );
}
