import { useId, useRef, useState, type SyntheticEvent } from "react";
import {
  createUser,
  removeUser,
  setClientCredentials,
  setPassword,
  setTenantMember,
  toApiError,
  updateUser,
  type ApiError,
  type ClientCredentials,
  type NewUser,
  type Role,
  type Tenant,
  type User,
  type UserKind,
  type UserUpdate,
} from "../api";
import { emailProblem, nameProblem, newPasswordProblems, passwordProblem } from "../lib/validate";
import { Alert } from "./Alert";
import { ConfirmDialog } from "./ConfirmDialog";
import { DialogActions } from "./DialogActions";
import { Modal } from "./Modal";
import { NewPasswordFields } from "./NewPasswordFields";
import { SecretField } from "./SecretField";
import { PasswordField, TextField } from "./TextField";

type Field = "name" | "email" | "password" | "confirm";
type Problems = Partial<Record<Field | "other", string>>;

/** Where a server error belongs in a user form; anything else goes to the dialog's alert. */
function fieldOf(code: ApiError["code"]): Field | "other" {
  switch (code) {
    case "invalid_name":
      return "name";
    case "invalid_email":
    case "email_taken":
      return "email";
    case "invalid_password":
      return "password";
    default:
      return "other";
  }
}

interface UserDialogProps {
  roles: Role[];
  /** Absent: add a new user. */
  user?: User | undefined;
  onCancel: () => void;
  onSaved: (user: User) => void;
  returnFocus?: () => HTMLElement | null;
}

/** Add a user, or edit one's name, email and role. */
export function UserDialog({ roles, user, onCancel, onSaved, returnFocus }: UserDialogProps) {
  const editing = user !== undefined;
  const [name, setName] = useState(user?.displayName ?? "");
  const [email, setEmail] = useState(user?.email ?? "");
  const [kind, setKind] = useState<UserKind>(user?.kind ?? "human");
  const [role, setRole] = useState(
    user?.role ?? roles.find((r) => r.id === "member")?.id ?? roles[0]?.id ?? "",
  );
  const [problems, setProblems] = useState<Problems>({});
  const [submitting, setSubmitting] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const ids = { kind: useId(), role: useId() };
  // A person needs an email to sign in; one added before emails were required may lack it.
  const emailRequired = kind === "human" && (!editing || user.email !== null);
  const refs = { name: nameRef, email: emailRef, password: passwordRef, confirm: passwordRef };

  function focus(field: Field | "other") {
    if (field !== "other") refs[field].current?.focus();
  }

  function clearPassword() {
    if (passwordRef.current) passwordRef.current.value = "";
  }

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    const password = passwordRef.current?.value ?? "";
    const trimmedEmail = email.trim();
    const local: Problems = {};
    const badName = nameProblem(name);
    if (badName) local.name = badName;
    if (emailRequired || trimmedEmail !== "") {
      const badEmail = emailProblem(trimmedEmail);
      if (badEmail) local.email = badEmail;
    }
    if (!editing && kind === "human" && password !== "") {
      const badPassword = passwordProblem(password);
      if (badPassword) local.password = badPassword;
    }
    if (role === "") local.other = "Choose a role.";
    const first = (["name", "email", "password"] as const).find((f) => local[f]);
    if (first || local.other) {
      setProblems(local);
      if (first) focus(first);
      return;
    }
    setProblems({});
    setSubmitting(true);
    try {
      if (editing) {
        const update: UserUpdate = {};
        if (name.trim() !== user.displayName) update.displayName = name.trim();
        if (trimmedEmail !== (user.email ?? "")) update.email = trimmedEmail;
        if (role !== user.role) update.role = role;
        onSaved(Object.keys(update).length === 0 ? user : await updateUser(user.id, update));
      } else {
        const created: NewUser = {
          displayName: name.trim(),
          kind,
          role,
          ...(trimmedEmail !== "" ? { email: trimmedEmail } : {}),
          ...(kind === "human" && password !== "" ? { password } : {}),
        };
        clearPassword();
        onSaved(await createUser(created));
      }
    } catch (err) {
      const error = err as ApiError;
      clearPassword();
      const field = fieldOf(error.code);
      setProblems({ [field]: error.message });
      setSubmitting(false);
      focus(field);
    }
  }

  return (
    <Modal
      title={editing ? `Edit “${user.displayName}”` : "Add user"}
      onClose={onCancel}
      initialFocus={nameRef}
      returnFocus={returnFocus}
      testId="user-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <TextField
          ref={nameRef}
          label="Display name"
          type="text"
          autoComplete="off"
          value={name}
          error={problems.name}
          data-testid="user-name"
          onChange={(e) => {
            setName(e.target.value);
          }}
        />

        <div className="field-row">
          <div className="field">
            <label htmlFor={ids.kind}>Kind</label>
            {editing ? (
              <output id={ids.kind} className="readonly">
                {kind === "human" ? "Person" : "Service"}
              </output>
            ) : (
              <select
                id={ids.kind}
                value={kind}
                data-testid="user-kind"
                onChange={(e) => {
                  setKind(e.target.value === "service" ? "service" : "human");
                }}
              >
                <option value="human">Person</option>
                <option value="service">Service</option>
              </select>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.role}>Role</label>
            <select
              id={ids.role}
              value={role}
              data-testid="user-role"
              onChange={(e) => {
                setRole(e.target.value);
              }}
            >
              {roles.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
        </div>

        <TextField
          ref={emailRef}
          label={
            <>
              Email{" "}
              {!emailRequired && <span className="optional">(optional)</span>}
            </>
          }
          type="email"
          autoComplete="off"
          spellCheck={false}
          value={email}
          error={problems.email}
          data-testid="user-email"
          onChange={(e) => {
            setEmail(e.target.value);
            if (problems.email) setProblems((p) => ({ ...p, email: undefined }));
          }}
        />

        {!editing && kind === "human" && (
          <PasswordField
            ref={passwordRef}
            label={
              <>
                Initial password <span className="optional">(optional)</span>
              </>
            }
            error={problems.password}
            hint="At least 8 characters. Without one, they cannot sign in with Switch user until a password is set."
            data-testid="user-password"
          />
        )}

        {problems.other && <Alert testId="dialog-alert">{problems.other}</Alert>}

        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label={editing ? "Save" : "Add user"}
          busyLabel={editing ? "Saving…" : "Adding…"}
          testId="user-submit"
        />
      </form>
    </Modal>
  );
}

interface RemoveUserDialogProps {
  user: User;
  onCancel: () => void;
  onRemoved: (user: User) => void;
  returnFocus?: () => HTMLElement | null;
}

export function RemoveUserDialog({ user, onCancel, onRemoved, returnFocus }: RemoveUserDialogProps) {
  return (
    <ConfirmDialog
      title={`Remove “${user.displayName}”?`}
      testId="remove-user-dialog"
      action={() => removeUser(user.id)}
      onDone={onRemoved}
      onCancel={onCancel}
      returnFocus={returnFocus}
      label="Remove"
      busyLabel="Removing…"
      confirmTestId="remove-confirm"
      danger
    >
      <p className="danger-text">
        Their tokens stop working immediately; the audit history is kept.
      </p>
    </ConfirmDialog>
  );
}

interface SetPasswordDialogProps {
  user: User;
  onCancel: () => void;
  onSet: (user: User) => void;
  returnFocus?: () => HTMLElement | null;
}

/** An admin sets or resets a person's password, or a service user's API password; it lives only
 * in the inputs. */
export function SetPasswordDialog({ user, onCancel, onSet, returnFocus }: SetPasswordDialogProps) {
  const [problems, setProblems] = useState<Problems>({});
  const [submitting, setSubmitting] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);
  const service = user.kind === "service";

  function clear() {
    if (passwordRef.current) passwordRef.current.value = "";
    if (confirmRef.current) confirmRef.current.value = "";
  }

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    const password = passwordRef.current?.value ?? "";
    const confirm = confirmRef.current?.value ?? "";
    const local = newPasswordProblems(password, confirm);
    if (local.password || local.confirm) {
      setProblems(local);
      (local.password ? passwordRef : confirmRef).current?.focus();
      return;
    }
    setProblems({});
    setSubmitting(true);
    try {
      const updated = await setPassword(user.id, password);
      clear();
      onSet(updated);
    } catch (err) {
      const error = err as ApiError;
      clear();
      setSubmitting(false);
      setProblems(error.code === "invalid_password" ? { password: error.message } : { other: error.message });
      passwordRef.current?.focus();
    }
  }

  const title = service
    ? `API password for “${user.displayName}”`
    : `Set a password for “${user.displayName}”`;

  // The exchange identifies the service by its email: without one the core refuses the password.
  if (service && user.email === null) {
    return (
      <Modal title={title} onClose={onCancel} returnFocus={returnFocus} size="small" testId="set-password-dialog">
        <div className="form">
          <p className="muted" data-testid="api-password-needs-email">
            An API password goes with the service&apos;s email address to{" "}
            <code>POST /api/auth/token</code>, and “{user.displayName}” has none: give it an email
            address with Edit first.
          </p>
          <div className="modal-actions">
            <button type="button" className="button button-primary" onClick={onCancel}>
              Close
            </button>
          </div>
        </div>
      </Modal>
    );
  }

  return (
    <Modal
      title={title}
      onClose={onCancel}
      returnFocus={returnFocus}
      size="small"
      testId="set-password-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        {service ? (
          <p className="muted" data-testid="api-password-explanation">
            An API password is only for the credential exchange: the service sends it with its
            email address, <span className="name-text">{user.email}</span>, to{" "}
            <code>POST /api/auth/token</code>. It never signs in to the app. Setting a new one ends
            the tokens obtained with the old one.
          </p>
        ) : (
          <p className="muted">
            {user.hasPassword
              ? "This replaces their current password. Tell them the new one in person."
              : "With a password they can sign in with Switch user."}
          </p>
        )}
        <NewPasswordFields
          passwordRef={passwordRef}
          confirmRef={confirmRef}
          problems={problems}
          confirmLabel="Confirm"
          testIds={["set-password-input", "set-password-confirm"]}
        />
        {problems.other && <Alert testId="dialog-alert">{problems.other}</Alert>}
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label={service ? "Set API password" : "Set password"}
          busyLabel="Saving…"
          testId="set-password-submit"
        />
      </form>
    </Modal>
  );
}

interface ClientCredentialsDialogProps {
  user: User;
  /** Where services send them: the team server, or this computer's verification service. */
  baseUrl: string | null;
  /** Credentials were made (the old secret, if any, no longer works). */
  onCreated?: () => void;
  onClose: () => void;
  returnFocus?: () => HTMLElement | null;
}

/** The curl line a service runs, with the secret read from the environment, not the command line. */
export function clientCredentialsCurl(clientId: string, baseUrl: string | null): string {
  const base = (baseUrl ?? "https://tokendesk.example.com").replace(/\/+$/, "");
  return `curl -u "${clientId}:$CLIENT_SECRET" -d grant_type=client_credentials ${base}/oauth/token`;
}

/**
 * A service user's OAuth client credentials (RFC 6749 §4.4): creates them, or a new secret for
 * the same client id, and shows the secret once. It lives in this dialog's state only, and goes
 * with it when the dialog closes.
 */
export function ClientCredentialsDialog({
  user,
  baseUrl,
  onCreated,
  onClose,
  returnFocus,
}: ClientCredentialsDialogProps) {
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [credentials, setCredentials] = useState<ClientCredentials | null>(null);
  const ids = { id: useId(), warning: useId(), curl: useId() };

  async function create() {
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      setCredentials(await setClientCredentials(user.id));
      onCreated?.();
    } catch (err) {
      setError(toApiError(err).message);
    } finally {
      setSubmitting(false);
    }
  }

  /** Closing drops the secret; not while Rust is making it, or it would be lost unseen. */
  function close() {
    if (submitting) return;
    setCredentials(null);
    onClose();
  }

  return (
    <Modal
      title={`Client credentials for “${user.displayName}”`}
      onClose={close}
      returnFocus={returnFocus}
      size={credentials ? "large" : "medium"}
      testId="client-credentials-dialog"
    >
      {credentials === null ? (
        <div className="form">
          <p className="muted">
            With client credentials the service gets short-lived access tokens on its own (the
            OAuth 2.0 client credentials grant): it sends its client id and secret to{" "}
            <code>POST /oauth/token</code>. The secret is shown once, right after it is made.
          </p>
          <p id={ids.warning} className="warning" data-testid="client-credentials-warning">
            If “{user.displayName}” has client credentials already, this keeps the client id and
            makes a new secret: every token obtained with the old secret stops working at once.
          </p>
          {error && <Alert testId="client-credentials-error">{error}</Alert>}
          <div className="modal-actions">
            <button
              type="button"
              className="button"
              aria-disabled={submitting ? true : undefined}
              onClick={close}
            >
              Cancel
            </button>
            <button
              type="button"
              className="button button-primary"
              aria-describedby={ids.warning}
              aria-disabled={submitting ? true : undefined}
              aria-busy={submitting ? true : undefined}
              data-testid="client-credentials-create"
              onClick={() => void create()}
            >
              {submitting ? "Creating…" : "Create client credentials"}
            </button>
          </div>
        </div>
      ) : (
        <div className="form">
          <div className="field">
            <label htmlFor={ids.id}>Client id</label>
            <input
              id={ids.id}
              className="mono token-input"
              type="text"
              readOnly
              value={credentials.clientId}
              spellCheck={false}
              autoComplete="off"
              data-testid="client-id"
              onFocus={(e) => {
                e.currentTarget.select();
              }}
            />
          </div>
          {/* Focus moves to Copy when the secret appears: the create button is gone. */}
          <SecretField
            label="Client secret"
            value={credentials.clientSecret}
            describedBy={ids.warning}
            testId="client-secret"
            copyTestId="copy-client-secret"
            autoFocus
          />
          <p id={ids.warning} className="warning">
            This secret will not be shown again. Store it somewhere safe now.
          </p>
          <div className="field">
            <p id={ids.curl} className="muted">
              With the secret in <code>CLIENT_SECRET</code> (an environment variable keeps it out
              of the shell history), a service gets an access token with:
            </p>
            <pre className="code" role="region" tabIndex={0} aria-labelledby={ids.curl}>
              <code data-testid="client-credentials-curl">
                {clientCredentialsCurl(credentials.clientId, baseUrl)}
              </code>
            </pre>
          </div>
          <div className="modal-actions">
            <button
              type="button"
              className="button button-primary"
              data-testid="client-credentials-done"
              onClick={close}
            >
              Done
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}

interface MembershipsDialogProps {
  /** The user as listed now: the page replaces it with what each change returns. */
  user: User;
  tenants: Tenant[];
  onChanged: (user: User) => void;
  onClose: () => void;
  returnFocus?: () => HTMLElement | null;
}

/** One checkbox per tenant; each change is saved at once and shown from the returned user. */
export function MembershipsDialog({ user, tenants, onChanged, onClose, returnFocus }: MembershipsDialogProps) {
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const hintId = useId();

  async function toggle(tenant: Tenant, member: boolean) {
    // Checkboxes stay enabled (disabling one would drop keyboard focus); changes wait their turn.
    if (busyId !== null) return;
    setBusyId(tenant.id);
    setError(null);
    try {
      onChanged(await setTenantMember(tenant.id, user.id, member));
    } catch (err) {
      setError(`${tenant.name}: ${(err as ApiError).message}`);
    } finally {
      setBusyId(null);
    }
  }

  return (
    <Modal
      title={`Tenants of “${user.displayName}”`}
      onClose={onClose}
      returnFocus={returnFocus}
      size="small"
      testId="memberships-dialog"
    >
      <div className="form">
        <p id={hintId} className="muted">
          Changes are saved at once. The first tenant joined becomes the active one, the tenant
          they work in; leaving it makes another one active.
        </p>
        {tenants.length === 0 ? (
          <p className="muted" data-testid="no-tenants-to-join">
            There are no tenants yet: add one under Tenants first.
          </p>
        ) : (
          <fieldset className="checks checks-column" aria-describedby={hintId} aria-busy={busyId !== null}>
            <legend>Member of</legend>
            {tenants.map((t) => {
              const member = user.tenantIds.includes(t.id);
              const active = user.activeTenantId === t.id;
              return (
                <label key={t.id} className="check">
                  <input
                    type="checkbox"
                    checked={member}
                    aria-disabled={busyId !== null ? true : undefined}
                    data-testid="tenant-member"
                    data-tenant-id={t.id}
                    onChange={(e) => void toggle(t, e.target.checked)}
                  />
                  <span className={active ? "tenant-active" : undefined}>{t.name}</span>
                  {active && <span className="muted">(active)</span>}
                  {busyId === t.id && <span className="muted">Saving…</span>}
                </label>
              );
            })}
          </fieldset>
        )}
        {error && <Alert testId="dialog-alert">{error}</Alert>}
        <div className="modal-actions">
          <button
            type="button"
            className="button button-primary"
            data-testid="memberships-done"
            onClick={onClose}
          >
            Done
          </button>
        </div>
      </div>
    </Modal>
  );
}
