import { useId, useRef, useState, type SyntheticEvent } from "react";
import {
  createUser,
  removeUser,
  setPassword,
  setTenantMember,
  updateUser,
  type ApiError,
  type NewUser,
  type Role,
  type Tenant,
  type User,
  type UserKind,
  type UserUpdate,
} from "../api";
import { emailProblem, nameProblem, newPasswordProblems, passwordProblem } from "../lib/validate";
import { Alert } from "./Alert";
import { DialogActions } from "./DialogActions";
import { Modal } from "./Modal";
import { NewPasswordFields } from "./NewPasswordFields";
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
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      onRemoved(await removeUser(user.id));
    } catch (err) {
      setError((err as ApiError).message);
      setSubmitting(false);
    }
  }

  return (
    <Modal
      title={`Remove “${user.displayName}”?`}
      onClose={onCancel}
      returnFocus={returnFocus}
      size="small"
      testId="remove-user-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <p className="danger-text">
          Their tokens stop working immediately; the audit history is kept.
        </p>
        {error && <Alert testId="dialog-alert">{error}</Alert>}
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label="Remove"
          busyLabel="Removing…"
          testId="remove-confirm"
          danger
        />
      </form>
    </Modal>
  );
}

interface SetPasswordDialogProps {
  user: User;
  onCancel: () => void;
  onSet: (user: User) => void;
  returnFocus?: () => HTMLElement | null;
}

/** An admin sets or resets a person's password; it lives only in the inputs. */
export function SetPasswordDialog({ user, onCancel, onSet, returnFocus }: SetPasswordDialogProps) {
  const [problems, setProblems] = useState<Problems>({});
  const [submitting, setSubmitting] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);

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

  return (
    <Modal
      title={`Set a password for “${user.displayName}”`}
      onClose={onCancel}
      returnFocus={returnFocus}
      size="small"
      testId="set-password-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <p className="muted">
          {user.hasPassword
            ? "This replaces their current password. Tell them the new one in person."
            : "With a password they can sign in with Switch user."}
        </p>
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
          label="Set password"
          busyLabel="Saving…"
          testId="set-password-submit"
        />
      </form>
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
