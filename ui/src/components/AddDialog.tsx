import { useId, useRef, useState, type SyntheticEvent } from "react";
import {
  createToken,
  type ApiError,
  type CreatedToken,
  type ExpiryChoice,
  type ExpiryPolicy,
  type ExpiryPreset,
  type User,
} from "../api";
import {
  DAY,
  PRESET_DURATIONS,
  PRESET_LABELS,
  choiceValue,
  formatDateTime,
  formatRelative,
  fromDateTimeLocal,
  toDateTimeLocal,
} from "../lib/format";
import { submitOnCtrlEnter } from "../lib/keys";
import { DESCRIPTION_MAX, nameProblem, textProblem } from "../lib/validate";
import { FieldError } from "./FieldError";
import { Modal } from "./Modal";
import { TextField } from "./TextField";
import { DialogActions } from "./DialogActions";

interface AddDialogProps {
  policy: ExpiryPolicy;
  /** When given, the token is created for one of these users (`forUser`), chosen in a select. */
  owners?: User[] | undefined;
  /** Shown above the form, e.g. that this creates an impersonation token. */
  note?: string | undefined;
  onCancel: () => void;
  onCreated: (created: CreatedToken) => void;
  returnFocus?: () => HTMLElement | null;
}

interface ExpiryOption {
  value: string;
  label: string;
}

function expiryOptions(policy: ExpiryPolicy): ExpiryOption[] {
  const options: ExpiryOption[] = policy.presets.map((p) => ({
    value: p,
    label: PRESET_LABELS[p],
  }));
  if (policy.allowCustom) options.push({ value: "custom", label: "Custom…" });
  if (policy.allowNever) options.push({ value: "never", label: "Never" });
  return options;
}

/** Option values are the preset names themselves (stable for E2E), plus "custom" and "never". */
function presetFrom(value: string): ExpiryPreset | null {
  return Object.hasOwn(PRESET_LABELS, value) ? (value as ExpiryPreset) : null;
}

export function AddDialog({ policy, owners, note, onCancel, onCreated, returnFocus }: AddDialogProps) {
  const [now] = useState(() => Date.now());
  const options = expiryOptions(policy);
  const [ownerId, setOwnerId] = useState("");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [expiry, setExpiry] = useState(() => {
    const wanted = choiceValue(policy.defaultChoice);
    return options.some((o) => o.value === wanted) ? wanted : (options[0]?.value ?? "");
  });
  const [customAt, setCustomAt] = useState(() =>
    toDateTimeLocal(
      policy.defaultChoice.kind === "custom" ? policy.defaultChoice.at : now + 30 * DAY,
    ),
  );
  const [attempted, setAttempted] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const ownerRef = useRef<HTMLSelectElement>(null);
  const ids = {
    owner: useId(),
    description: useId(),
    expiry: useId(),
    custom: useId(),
    form: useId(),
  };
  const ownerProblem = owners && ownerId === "" ? "Choose who the authorization is for." : null;

  const maxAt = now + policy.maxLifetimeDays * DAY;
  const customMs = fromDateTimeLocal(customAt);

  // The chosen expiry as the server wants it, or why it is not acceptable.
  let choice: ExpiryChoice | null = null;
  let expiryProblem: string | null = null;
  if (expiry === "never") {
    choice = { kind: "never" };
  } else if (expiry === "custom") {
    if (customMs === null) expiryProblem = "Choose a date and time.";
    else if (customMs <= now) expiryProblem = "The expiry must be in the future.";
    else if (customMs > maxAt)
      expiryProblem = `The expiry can be at most ${policy.maxLifetimeDays} days from now.`;
    else choice = { kind: "custom", at: customMs };
  } else {
    const preset = presetFrom(expiry);
    if (preset) choice = { kind: "preset", preset };
    else expiryProblem = "Choose an expiration.";
  }

  let expiresAt: number | null = null;
  if (choice?.kind === "preset") expiresAt = now + PRESET_DURATIONS[choice.preset];
  else if (choice?.kind === "custom") expiresAt = choice.at;

  const localName = attempted ? nameProblem(name) : null;
  const localDescription = attempted ? textProblem(description, "description", DESCRIPTION_MAX) : null;
  const localExpiry = attempted ? expiryProblem : null;
  const localOwner = attempted ? ownerProblem : null;

  const serverName =
    serverError && (serverError.code === "invalid_name" || serverError.code === "name_taken")
      ? serverError.message
      : null;
  const serverExpiry = serverError?.code === "invalid_expiry" ? serverError.message : null;
  const serverOther = serverError && !serverName && !serverExpiry ? serverError.message : null;

  const nameError = localName ?? serverName;
  const expiryError = localExpiry ?? serverExpiry;

  async function submit(e?: SyntheticEvent) {
    e?.preventDefault();
    if (submitting) return;
    setAttempted(true);
    setServerError(null);
    const problem =
      ownerProblem ??
      nameProblem(name) ??
      textProblem(description, "description", DESCRIPTION_MAX) ??
      expiryProblem;
    if (problem || !choice) {
      if (ownerProblem) ownerRef.current?.focus();
      else if (nameProblem(name)) nameRef.current?.focus();
      return;
    }
    setSubmitting(true);
    try {
      const desc = description.trim();
      const created = await createToken({
        ...(owners ? { forUser: ownerId } : {}),
        name: name.trim(),
        ...(desc ? { description: desc } : {}),
        expiry: choice,
      });
      onCreated(created);
    } catch (err) {
      setServerError(err as ApiError);
      setSubmitting(false);
      if ((err as ApiError).code === "invalid_name" || (err as ApiError).code === "name_taken") {
        nameRef.current?.focus();
      }
    }
  }

  return (
    <Modal
      title="Add authorization"
      onClose={onCancel}
      initialFocus={owners ? ownerRef : nameRef}
      returnFocus={returnFocus}
      testId="add-dialog"
    >
      <form id={ids.form} className="form" noValidate onSubmit={(e) => void submit(e)}>
        {note && (
          <p className="note" data-testid="add-note">
            {note}
          </p>
        )}
        {owners && (
          <div className="field">
            <label htmlFor={ids.owner}>For</label>
            <select
              ref={ownerRef}
              id={ids.owner}
              value={ownerId}
              aria-invalid={localOwner ? true : undefined}
              aria-describedby={localOwner ? `${ids.owner}-error` : undefined}
              data-testid="token-owner"
              onChange={(e) => {
                setOwnerId(e.target.value);
              }}
            >
              <option value="">Choose a user…</option>
              {owners.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.email ? `${u.displayName} (${u.email})` : u.displayName}
                </option>
              ))}
            </select>
            {localOwner && <FieldError id={`${ids.owner}-error`}>{localOwner}</FieldError>}
          </div>
        )}
        <TextField
          ref={nameRef}
          label="Name"
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={name}
          required
          error={nameError}
          hint="What uses this token, e.g. “CI deploy”. Up to 100 characters."
          data-testid="token-name"
          onChange={(e) => {
            setName(e.target.value);
            if (serverName) setServerError(null);
          }}
        />

        <div className="field">
          <label htmlFor={ids.description}>
            Description <span className="optional">(optional)</span>
          </label>
          <textarea
            id={ids.description}
            rows={2}
            value={description}
            aria-invalid={localDescription ? true : undefined}
            aria-describedby={localDescription ? `${ids.description}-error` : undefined}
            data-testid="token-description"
            onChange={(e) => {
              setDescription(e.target.value);
            }}
            onKeyDown={(e) => {
              submitOnCtrlEnter(e, () => void submit());
            }}
          />
          {localDescription && (
            <FieldError id={`${ids.description}-error`}>{localDescription}</FieldError>
          )}
        </div>

        <div className="field-row">
          <div className="field">
            <span className="label" id={`${ids.form}-created`}>
              Created
            </span>
            <output className="readonly" aria-labelledby={`${ids.form}-created`}>
              {formatDateTime(now)}
            </output>
          </div>

          <div className="field">
            <label htmlFor={ids.expiry}>Expiration</label>
            <select
              id={ids.expiry}
              value={expiry}
              aria-invalid={expiryError ? true : undefined}
              aria-describedby={expiryError ? `${ids.expiry}-error` : `${ids.expiry}-hint`}
              data-testid="token-expiry"
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
          </div>
        </div>

        {expiry === "custom" && (
          <div className="field">
            <label htmlFor={ids.custom}>Expires at</label>
            <input
              id={ids.custom}
              type="datetime-local"
              value={customAt}
              min={toDateTimeLocal(now)}
              max={toDateTimeLocal(maxAt)}
              aria-invalid={expiryError ? true : undefined}
              data-testid="token-expiry-custom"
              onChange={(e) => {
                setCustomAt(e.target.value);
                if (serverExpiry) setServerError(null);
              }}
            />
          </div>
        )}

        {expiryError ? (
          <FieldError id={`${ids.expiry}-error`}>{expiryError}</FieldError>
        ) : (
          <p id={`${ids.expiry}-hint`} className="hint expiry-summary" data-testid="expiry-summary">
            {choice?.kind === "never"
              ? "This token never expires. Revoke it when it is no longer needed."
              : expiresAt !== null
                ? `Expires ${formatDateTime(expiresAt)} (${formatRelative(expiresAt, now)}).`
                : null}
          </p>
        )}

        {serverOther && <FieldError>{serverOther}</FieldError>}

        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label="Create"
          busyLabel="Creating…"
          testId="create-submit"
        />
      </form>
    </Modal>
  );
}
