import { useId, useRef, useState, type SyntheticEvent } from "react";
import {
  createToken,
  listRoles,
  listTenants,
  type ApiError,
  type CreatedToken,
  type ExpiryPolicy,
  type Permissions,
  type Role,
  type Scope,
  type Tenant,
  type User,
} from "../api";
import { queryKeys } from "../api/queryKeys";
import { useOptional } from "./useOptional";
import { submitOnCtrlEnter } from "../lib/keys";
import { DESCRIPTION_MAX, nameProblem, textProblem } from "../lib/validate";
import { ExpiryPicker, useExpiry } from "./ExpiryPicker";
import { FieldError } from "./FieldError";
import { Modal } from "./Modal";
import { TextField } from "./TextField";
import { DialogActions } from "./DialogActions";

interface AddDialogProps {
  policy: ExpiryPolicy;
  /** The signed-in actor: when the token's owner is someone else, their role counts too. */
  actor: User;
  /** The signed-in actor's permissions: a token never gets a scope its creator lacks. */
  permissions: Permissions;
  /** The session's subject: whose token this is unless `owners` lets one choose another. */
  subject: User;
  /** When given, the token is created for one of these users (`forUser`), chosen in a select. */
  owners?: User[] | undefined;
  /** Shown above the form, e.g. that this creates an impersonation token. */
  note?: string | undefined;
  onCancel: () => void;
  onCreated: (created: CreatedToken) => void;
  returnFocus?: () => HTMLElement | null;
}

interface ScopeOption {
  scope: Scope;
  label: string;
  explanation: string;
  /**
   * The permission both the creator and the token's owner need for the scope, and its name as
   * Settings shows it.
   */
  needs: keyof Permissions;
  needsLabel: string;
}

const SCOPE_OPTIONS: readonly ScopeOption[] = [
  {
    scope: "users:read",
    label: "Read users",
    explanation: "Read users and their roles.",
    needs: "manageUsers",
    needsLabel: "Manage users",
  },
  {
    scope: "tokens:read",
    label: "List tokens",
    explanation: "List tokens and their details (never the tokens themselves).",
    needs: "apiAccess",
    needsLabel: "API access",
  },
  {
    scope: "audit:read",
    label: "Read the audit log",
    explanation: "Read the audit log.",
    needs: "viewAudit",
    needsLabel: "View audit",
  },
  {
    scope: "introspect",
    label: "Introspect tokens",
    explanation: "Lets a service check other tokens via POST /oauth/introspect.",
    needs: "apiAccess",
    needsLabel: "API access",
  },
];

/**
 * The tenants the section offers (null while loading, or when they cannot be listed: without
 * names there is nothing sensible to offer, so the section stays hidden and the token gets all
 * of its owner's tenants).
 */
function useTenants(wanted: boolean): Tenant[] | null {
  return useOptional(wanted, queryKeys.tenants, listTenants);
}

/**
 * The roles, to check what a token's owner may hold when that is not the actor: null while
 * loading, when not wanted, or when they cannot be listed (then only the actor is checked, and
 * Rust still refuses a scope the owner lacks).
 */
function useRoles(wanted: boolean): Role[] | null {
  return useOptional(wanted, queryKeys.roles, listRoles);
}

export function AddDialog({
  policy,
  actor,
  permissions,
  subject,
  owners,
  note,
  onCancel,
  onCreated,
  returnFocus,
}: AddDialogProps) {
  const [ownerId, setOwnerId] = useState("");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const expiry = useExpiry(policy);
  const [limited, setLimited] = useState(false);
  const [scopes, setScopes] = useState<ReadonlySet<Scope>>(() => new Set());
  const [tenantPicks, setTenantPicks] = useState<ReadonlySet<string>>(() => new Set());
  const [attempted, setAttempted] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const ownerRef = useRef<HTMLSelectElement>(null);
  const scopesRef = useRef<HTMLFieldSetElement>(null);
  const ids = {
    owner: useId(),
    description: useId(),
    form: useId(),
    access: useId(),
    scopes: useId(),
    tenants: useId(),
  };
  const ownerProblem = owners && ownerId === "" ? "Choose who the authorization is for." : null;
  // Whose token it is: the chosen user, or the session's subject (not the actor while impersonating).
  const owner = owners ? owners.find((u) => u.id === ownerId) : subject;

  // Scopes: only those both the actor and the owner hold can be ticked, as Rust requires; a
  // limited token needs at least one. The owner's role is only looked up when it is not the actor.
  const roles = useRoles(owners !== undefined || subject.id !== actor.id);
  const ownerPermissions =
    owner && owner.id !== actor.id
      ? (roles?.find((r) => r.id === owner.role)?.permissions ?? null)
      : null;
  const actorHolds = (o: ScopeOption) => permissions[o.needs];
  const ownerHolds = (o: ScopeOption) => ownerPermissions?.[o.needs] ?? true;
  const allowed = (o: ScopeOption) => actorHolds(o) && ownerHolds(o);
  const chosenScopes = SCOPE_OPTIONS.filter((o) => allowed(o) && scopes.has(o.scope)).map(
    (o) => o.scope,
  );
  const scopesProblem =
    limited && chosenScopes.length === 0
      ? "Choose at least one scope, or give the token full access."
      : null;

  // The scope error is read with the box focus goes to: the first one that can be ticked.
  const firstScope = SCOPE_OPTIONS.find(allowed)?.scope ?? SCOPE_OPTIONS[0]?.scope;

  // Tenants: some of the owner's; none ticked means all of them.
  const tenants = useTenants(
    owners ? owners.some((u) => u.tenantIds.length > 0) : subject.tenantIds.length > 0,
  );
  const tenantOptions =
    owner && tenants
      ? owner.tenantIds.map((id) => ({ id, name: tenants.find((t) => t.id === id)?.name ?? id }))
      : [];
  const chosenTenants = tenantOptions.filter((t) => tenantPicks.has(t.id)).map((t) => t.id);

  // The chosen expiry as the server wants it, or why it is not acceptable.
  const { choice, problem: expiryProblem } = expiry;

  const localName = attempted ? nameProblem(name) : null;
  const localDescription = attempted ? textProblem(description, "description", DESCRIPTION_MAX) : null;
  const localExpiry = attempted ? expiryProblem : null;
  const localOwner = attempted ? ownerProblem : null;
  const localScopes = attempted ? scopesProblem : null;

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
      expiryProblem ??
      scopesProblem;
    if (problem || !choice) {
      if (ownerProblem) ownerRef.current?.focus();
      else if (nameProblem(name)) nameRef.current?.focus();
      else if (scopesProblem && problem === scopesProblem)
        scopesRef.current?.querySelector<HTMLInputElement>("input:not([disabled])")?.focus();
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
        ...(limited ? { scopes: chosenScopes } : {}),
        ...(chosenTenants.length > 0 ? { tenantIds: chosenTenants } : {}),
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

        <ExpiryPicker
          expiry={expiry}
          error={expiryError}
          testId="token-expiry"
          onEdit={() => {
            if (serverExpiry) setServerError(null);
          }}
        />

        <fieldset className="options" data-testid="token-access">
          <legend>Access</legend>
          <div className="option">
            <input
              id={`${ids.access}-full`}
              type="radio"
              name={ids.access}
              value="full"
              checked={!limited}
              aria-describedby={`${ids.access}-full-hint`}
              data-testid="access-full"
              onChange={() => {
                setLimited(false);
              }}
            />
            <div>
              <label htmlFor={`${ids.access}-full`}>Full access</label>
              <p id={`${ids.access}-full-hint`} className="hint">
                Everything its owner may do, except introspection.
              </p>
            </div>
          </div>
          <div className="option">
            <input
              id={`${ids.access}-limited`}
              type="radio"
              name={ids.access}
              value="limited"
              checked={limited}
              aria-describedby={`${ids.access}-limited-hint`}
              data-testid="access-limited"
              onChange={() => {
                setLimited(true);
              }}
            />
            <div>
              <label htmlFor={`${ids.access}-limited`}>Read-only scopes</label>
              <p id={`${ids.access}-limited-hint`} className="hint">
                Only the scopes ticked below, and only for reading.
              </p>
            </div>
          </div>
        </fieldset>

        {limited && (
          <fieldset
            ref={scopesRef}
            className="options options-nested"
            aria-describedby={localScopes ? `${ids.scopes}-error` : undefined}
            data-testid="token-scopes"
          >
            <legend>Scopes</legend>
            {SCOPE_OPTIONS.map((o) => {
              const ok = allowed(o);
              const inputId = `${ids.scopes}-${o.scope}`;
              return (
                <div key={o.scope} className={ok ? "option" : "option option-disabled"}>
                  <input
                    id={inputId}
                    type="checkbox"
                    checked={ok && scopes.has(o.scope)}
                    disabled={!ok}
                    aria-invalid={localScopes ? true : undefined}
                    aria-describedby={
                      localScopes && o.scope === firstScope
                        ? `${inputId}-hint ${ids.scopes}-error`
                        : `${inputId}-hint`
                    }
                    data-testid={`scope-${o.scope}`}
                    onChange={(e) => {
                      const on = e.target.checked;
                      setScopes((prev) => {
                        const next = new Set(prev);
                        if (on) next.add(o.scope);
                        else next.delete(o.scope);
                        return next;
                      });
                    }}
                  />
                  <div>
                    <label htmlFor={inputId}>
                      <code>{o.scope}</code> {o.label}
                    </label>
                    <p id={`${inputId}-hint`} className="hint">
                      {o.explanation}
                      {!actorHolds(o)
                        ? ` Needs the ${o.needsLabel} permission, which your role does not have.`
                        : !ownerHolds(o)
                          ? ` ${owner?.displayName ?? "The owner"}’s role does not have the ${o.needsLabel} permission.`
                          : null}
                    </p>
                  </div>
                </div>
              );
            })}
            {localScopes && <FieldError id={`${ids.scopes}-error`}>{localScopes}</FieldError>}
          </fieldset>
        )}

        {tenantOptions.length > 0 && (
          <fieldset
            className="options"
            aria-describedby={`${ids.tenants}-hint`}
            data-testid="token-tenants"
          >
            <legend>
              Limit to tenants <span className="optional">(optional)</span>
            </legend>
            {tenantOptions.map((t) => (
              <label key={t.id} className="option option-inline">
                <input
                  type="checkbox"
                  checked={tenantPicks.has(t.id)}
                  data-testid={`tenant-${t.id}`}
                  onChange={(e) => {
                    const on = e.target.checked;
                    setTenantPicks((prev) => {
                      const next = new Set(prev);
                      if (on) next.add(t.id);
                      else next.delete(t.id);
                      return next;
                    });
                  }}
                />
                <span className="name-text">{t.name}</span>
              </label>
            ))}
            <p id={`${ids.tenants}-hint`} className="hint">
              {chosenTenants.length === 0
                ? `None ticked: the token works in all of ${owner?.displayName ?? "its owner"}’s tenants.`
                : "The token works only in the ticked tenants."}
            </p>
          </fieldset>
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
