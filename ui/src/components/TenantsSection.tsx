// Tenants (clients, companies) on the Users page: who may be grouped under which, with member
// counts taken from the users already listed. Only for those who manage users.
import { useRef, useState, type ReactNode, type SyntheticEvent } from "react";
import { createTenant, renameTenant, type ApiError, type Tenant, type User } from "../api";
import { formatDate } from "../lib/format";
import { nameProblem } from "../lib/validate";
import { Alert } from "./Alert";
import { DataTable } from "./DataTable";
import { DialogActions } from "./DialogActions";
import { Loading } from "./Loading";
import { Modal } from "./Modal";
import { SmallButton } from "./SmallButton";
import { TextField } from "./TextField";

/** The order the core lists them in: by name, ignoring case. */
export function sortTenants(tenants: readonly Tenant[]): Tenant[] {
  return [...tenants].sort(
    (a, b) =>
      a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || a.id.localeCompare(b.id),
  );
}

/** Adds a tenant, or replaces the one with its id, keeping the list in order. */
export function upsertTenant(tenants: readonly Tenant[], tenant: Tenant): Tenant[] {
  return sortTenants([...tenants.filter((t) => t.id !== tenant.id), tenant]);
}

/** Users who belong to the tenant; removed users no longer count. */
export function memberCount(tenant: Tenant, users: readonly User[]): number {
  return users.filter((u) => u.status !== "removed" && u.tenantIds.includes(tenant.id)).length;
}

const TENANT_COLUMNS = [
  { label: "Name", className: "col-name" },
  { label: "Members" },
  { label: "Created" },
  { label: "Actions", className: "col-actions" },
];

interface TenantsSectionProps {
  /** null until they have been listed. */
  tenants: Tenant[] | null;
  users: User[];
  /** Why the tenants could not be listed: shown here only, the rest of the page still works. */
  loadError?: string | null | undefined;
  /** Lists the tenants again after `loadError`. */
  onRetry?: (() => void) | undefined;
  /** A tenant was added or renamed. */
  onSaved: (tenant: Tenant) => void;
}

export function TenantsSection({ tenants, users, loadError, onRetry, onSaved }: TenantsSectionProps) {
  // null: closed; "add": a new tenant; a Tenant: rename it.
  const [dialog, setDialog] = useState<"add" | Tenant | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  let body: ReactNode;
  if (loadError) {
    body = (
      <Alert
        testId="tenants-error"
        onRetry={
          onRetry &&
          (() => {
            // The alert and its button go away: keep focus in the section, on its heading.
            headingRef.current?.focus();
            onRetry();
          })
        }
      >
        {loadError}
      </Alert>
    );
  } else if (tenants === null) {
    body = <Loading />;
  } else if (tenants.length === 0) {
    body = (
      <p className="muted" data-testid="no-tenants">
        No tenants yet.
      </p>
    );
  } else {
    body = (
      <DataTable label="Tenants" className="tenants" columns={TENANT_COLUMNS}>
        {tenants.map((t) => (
          <tr key={t.id} data-testid="tenant-row" data-tenant-id={t.id}>
            <td className="col-name">
              <div className="token-name" data-testid="tenant-name">
                {t.name}
              </div>
            </td>
            <td data-testid="tenant-members">{memberCount(t, users)}</td>
            <td className="nowrap">{formatDate(t.createdAt)}</td>
            <td className="col-actions">
              <div className="row-actions">
                <SmallButton
                  aria-label={`Rename ${t.name}`}
                  data-testid="rename-tenant-button"
                  onClick={() => {
                    setDialog(t);
                  }}
                >
                  Rename
                </SmallButton>
              </div>
            </td>
          </tr>
        ))}
      </DataTable>
    );
  }

  return (
    <section
      className="settings-section tenants-section"
      aria-labelledby="tenants-heading"
      data-testid="tenants-section"
    >
      <div className="section-header">
        <h2 ref={headingRef} id="tenants-heading" className="section-heading" tabIndex={-1}>
          Tenants
        </h2>
        {tenants !== null && !loadError && (
          <SmallButton
            data-testid="add-tenant"
            onClick={() => {
              setDialog("add");
            }}
          >
            Add tenant
          </SmallButton>
        )}
      </div>
      <p className="muted">
        Clients or companies users work for. A user&rsquo;s first tenant becomes the one they work
        in; change memberships with Tenants… on a user&rsquo;s row.
      </p>

      {body}

      {dialog !== null && (
        <TenantDialog
          tenant={dialog === "add" ? undefined : dialog}
          onCancel={() => {
            setDialog(null);
          }}
          onSaved={(t) => {
            setDialog(null);
            onSaved(t);
          }}
        />
      )}
    </section>
  );
}

interface TenantDialogProps {
  /** Absent: add a new tenant. */
  tenant?: Tenant | undefined;
  onCancel: () => void;
  onSaved: (tenant: Tenant) => void;
}

/** Add a tenant or rename one. Name problems show under the name; anything else in an alert. */
export function TenantDialog({ tenant, onCancel, onSaved }: TenantDialogProps) {
  const renaming = tenant !== undefined;
  const [name, setName] = useState(tenant?.name ?? "");
  const [attempted, setAttempted] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  const nameServerError =
    serverError?.code === "name_taken" || serverError?.code === "invalid_name"
      ? serverError.message
      : null;
  const otherError = serverError && nameServerError === null ? serverError.message : null;
  const error = (attempted ? nameProblem(name) : null) ?? nameServerError;

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    setAttempted(true);
    setServerError(null);
    if (nameProblem(name)) {
      inputRef.current?.focus();
      return;
    }
    const trimmed = name.trim();
    if (renaming && trimmed === tenant.name) {
      onSaved(tenant);
      return;
    }
    setSubmitting(true);
    try {
      onSaved(renaming ? await renameTenant(tenant.id, trimmed) : await createTenant(trimmed));
    } catch (err) {
      setServerError(err as ApiError);
      setSubmitting(false);
      inputRef.current?.focus();
    }
  }

  return (
    <Modal
      title={renaming ? `Rename “${tenant.name}”` : "Add tenant"}
      onClose={onCancel}
      initialFocus={inputRef}
      size="small"
      testId="tenant-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <TextField
          ref={inputRef}
          label="Name"
          type="text"
          autoComplete="off"
          value={name}
          error={error}
          hint="A client or company, for example “Acme Corp”."
          data-testid="tenant-name-input"
          onChange={(e) => {
            setName(e.target.value);
            setServerError(null);
          }}
        />
        {otherError && <Alert testId="dialog-alert">{otherError}</Alert>}
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label={renaming ? "Save" : "Add tenant"}
          busyLabel={renaming ? "Saving…" : "Adding…"}
          testId="tenant-submit"
        />
      </form>
    </Modal>
  );
}
