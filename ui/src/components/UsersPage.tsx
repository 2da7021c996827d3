import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import {
  listRoles,
  listTenants,
  listUsers,
  setUserActive,
  startImpersonation,
  type ApiError,
  type AppInfo,
  type Connection,
  type Role,
  type ServiceStatus,
  type Tenant,
  type User,
  type UserStatus,
} from "../api";
import { queryKeys } from "../api/queryKeys";
import { Alert } from "./Alert";
import { DataTable } from "./DataTable";
import { Loading } from "./Loading";
import { PageHeader } from "./PageHeader";
import { RowActions } from "./RowActions";
import { SmallButton } from "./SmallButton";
import { sortTenants, TenantsSection, upsertTenant } from "./TenantsSection";
import { useRowFocus } from "./useRowFocus";
import {
  ClientCredentialsDialog,
  MembershipsDialog,
  RemoveUserDialog,
  SetPasswordDialog,
  UserDialog,
} from "./UserDialogs";

const STATUS_LABELS: Record<UserStatus, string> = {
  active: "Active",
  disabled: "Disabled",
  removed: "Removed",
};

/** The Tenants column only for those who manage users, the only ones who may change memberships. */
function userColumns(tenants: boolean) {
  return [
    { label: "Name", className: "col-name" },
    { label: "Email" },
    { label: "Kind" },
    { label: "Role" },
    ...(tenants ? [{ label: "Tenants" }] : []),
    { label: "Status" },
    { label: "Password" },
    { label: "Actions", className: "col-actions" },
  ];
}

type Dialog =
  | { kind: "add" }
  | { kind: "edit"; user: User }
  | { kind: "remove"; user: User }
  | { kind: "password"; user: User }
  | { kind: "clientCredentials"; user: User }
  | { kind: "tenants"; userId: string };

/** A user's tenants in list order, the active one marked; ids no longer listed come last. */
function UserTenants({ user, tenants }: { user: User; tenants: Tenant[] }) {
  if (user.tenantIds.length === 0) return <span className="muted">—</span>;
  const listed = tenants.filter((t) => user.tenantIds.includes(t.id));
  const unknown = user.tenantIds
    .filter((id) => !tenants.some((t) => t.id === id))
    .map((id) => ({ id, name: id }));
  return (
    <>
      {[...listed, ...unknown].map((t, i) => (
        <span key={t.id} data-testid="user-tenant" data-tenant-id={t.id}>
          {i > 0 && ", "}
          {t.id === user.activeTenantId ? (
            <>
              <span className="tenant-active">{t.name}</span>
              <span className="muted"> (active)</span>
            </>
          ) : (
            t.name
          )}
        </span>
      ))}
    </>
  );
}

interface UsersPageProps {
  info: AppInfo;
  /** Impersonation started: the app switches to the new session. */
  onImpersonated: (next: AppInfo) => void;
  /** Something that may change the app info (the signed-in person's own record) changed. */
  onChanged: () => void;
}

const NO_ROLES: Role[] = [];

export function UsersPage({ info, onImpersonated, onChanged }: UsersPageProps) {
  const { session } = info;
  const manageTenants = session.permissions.manageUsers;
  const queryClient = useQueryClient();
  const usersListed = useQuery({ queryKey: queryKeys.users, queryFn: listUsers });
  const rolesListed = useQuery({ queryKey: queryKeys.roles, queryFn: listRoles });
  /** Loaded on their own, so a failure only affects the Tenants section. */
  const tenantsListed = useQuery({
    queryKey: queryKeys.tenants,
    queryFn: listTenants,
    enabled: manageTenants,
    select: sortTenants,
  });
  // The page shows once both the users and the roles are listed.
  const users = rolesListed.data ? (usersListed.data ?? null) : null;
  const roles = rolesListed.data ?? NO_ROLES;
  const loadError = (usersListed.error ?? rolesListed.error)?.message ?? null;
  /** null until listed. */
  const tenants = manageTenants ? (tenantsListed.data ?? null) : null;
  const tenantsError = tenantsListed.error?.message ?? null;
  const [actionError, setActionError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const { headingRef, registerRow, rowButton } = useRowFocus();

  const roleName = (id: string) => roles.find((r) => r.id === id)?.name ?? id;
  // The memberships dialog shows the row as listed, so each saved change appears in both.
  const tenantsUser =
    dialog?.kind === "tenants" ? users?.find((u) => u.id === dialog.userId) : undefined;

  function replace(updated: User) {
    queryClient.setQueryData<User[]>(queryKeys.users, (list) => {
      if (!list) return [updated];
      return list.some((u) => u.id === updated.id)
        ? list.map((u) => (u.id === updated.id ? updated : u))
        : [...list, updated];
    });
    // A disabled owner's tokens are suspended, a renamed one's show the new name.
    void queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all });
    if (updated.id === session.actor.id || updated.id === session.subject.id) onChanged();
  }

  function closeDialog() {
    setDialog(null);
  }

  /** A dialog that changed a row closes and shows the change. */
  function closeWith(changed: User) {
    setDialog(null);
    replace(changed);
  }

  /** Where a service sends its client credentials, as far as the app knows: the team server it is
   * connected to, or this computer's verification service while it runs. */
  function oauthBaseUrl(): string | null {
    const connection = queryClient.getQueryData<Connection>(queryKeys.connection);
    if (connection?.server) return connection.server;
    return queryClient.getQueryData<ServiceStatus>(queryKeys.serviceStatus)?.url ?? null;
  }

  function reload() {
    // The alert and its button go away while the page loads again: focus the heading.
    headingRef.current?.focus();
    if (usersListed.error) void usersListed.refetch();
    if (rolesListed.error) void rolesListed.refetch();
  }

  async function act(user: User, action: () => Promise<void>) {
    if (busyId !== null) return;
    setBusyId(user.id);
    setActionError(null);
    try {
      await action();
    } catch (e) {
      setActionError((e as ApiError).message);
    } finally {
      setBusyId(null);
    }
  }

  function toggleActive(user: User) {
    void act(user, async () => {
      replace(await setUserActive(user.id, user.status !== "active"));
    });
  }

  function impersonate(user: User) {
    void act(user, async () => {
      onImpersonated(await startImpersonation(user.id));
    });
  }

  return (
    <main className="page" data-testid="users-page">
      <PageHeader
        title="Users"
        description="People and services that can hold authorizations. Disabling someone suspends their tokens until they are enabled again."
        headingRef={headingRef}
        actions={
          <button
            ref={addRef}
            type="button"
            className="button button-primary"
            disabled={users === null}
            data-testid="add-user"
            onClick={() => {
              setDialog({ kind: "add" });
            }}
          >
            Add user
          </button>
        }
      />

      {loadError && (
        <Alert testId="error-alert" onRetry={reload}>
          {loadError}
        </Alert>
      )}
      {actionError && (
        <Alert
          testId="users-alert"
          onDismiss={() => {
            setActionError(null);
          }}
        >
          {actionError}
        </Alert>
      )}

      {users === null && !loadError && <Loading />}

      {users !== null && (
        <DataTable label="Users" className="users" columns={userColumns(manageTenants)}>
          {users.map((u) => {
            const self = u.id === session.actor.id;
            const busy = busyId === u.id;
            return (
              <tr
                key={u.id}
                ref={(row) => {
                  registerRow(u.id, row);
                }}
                className={`row-user-${u.status}`}
                data-testid="user-row"
                data-user-id={u.id}
                data-email={u.email ?? ""}
                data-status={u.status}
              >
                <td className="col-name">
                  <div className="token-name">
                    {u.displayName}
                    {self && <span className="muted you"> (you)</span>}
                  </div>
                </td>
                <td className="cell-email">
                  {u.email ?? <span className="muted">—</span>}
                </td>
                <td>
                  {u.kind === "service" ? (
                    <span className="pill pill-service">Service</span>
                  ) : (
                    "Person"
                  )}
                </td>
                <td className="nowrap">{roleName(u.role)}</td>
                {manageTenants && (
                  <td data-testid="user-tenants">
                    <UserTenants user={u} tenants={tenants ?? []} />
                  </td>
                )}
                <td>
                  <span
                    className={`badge badge-user-${u.status}`}
                    data-testid="user-status"
                  >
                    {STATUS_LABELS[u.status]}
                  </span>
                </td>
                <td data-testid="user-has-password">
                  {u.kind === "service" ? (
                    u.hasPassword ? (
                      "API password set"
                    ) : (
                      <span className="muted">—</span>
                    )
                  ) : u.hasPassword ? (
                    "Set"
                  ) : (
                    <span className="muted">Not set</span>
                  )}
                </td>
                <td className="col-actions">
                  <RowActions closed={u.status === "removed"}>
                    <SmallButton
                      aria-label={`Edit ${u.displayName}`}
                      data-testid="edit-user-button"
                      onClick={() => {
                        setDialog({ kind: "edit", user: u });
                      }}
                    >
                      Edit
                    </SmallButton>
                    {manageTenants && tenants !== null && (
                      <SmallButton
                        aria-label={`Tenants of ${u.displayName}`}
                        data-testid="tenants-button"
                        onClick={() => {
                          setDialog({ kind: "tenants", userId: u.id });
                        }}
                      >
                        Tenants…
                      </SmallButton>
                    )}
                    <SmallButton
                      aria-label={
                        u.kind === "service"
                          ? `API password of ${u.displayName}`
                          : `Set a password for ${u.displayName}`
                      }
                      data-testid="set-password-button"
                      onClick={() => {
                        setDialog({ kind: "password", user: u });
                      }}
                    >
                      {u.kind === "service" ? "API password…" : "Set password"}
                    </SmallButton>
                    {u.kind === "service" && session.permissions.manageUsers && (
                      <SmallButton
                        aria-label={`Client credentials of ${u.displayName}`}
                        data-testid="client-credentials-button"
                        onClick={() => {
                          setDialog({ kind: "clientCredentials", user: u });
                        }}
                      >
                        Client credentials…
                      </SmallButton>
                    )}
                    {session.permissions.impersonate &&
                      !session.impersonating &&
                      u.status === "active" &&
                      !self && (
                      <SmallButton
                        className="button-impersonate"
                        aria-label={`Impersonate ${u.displayName}`}
                        disabled={busy}
                        data-testid="impersonate-button"
                        onClick={() => {
                          impersonate(u);
                        }}
                      >
                        Impersonate
                      </SmallButton>
                    )}
                    {/* The core never lets you disable or remove yourself: don't offer it. */}
                    {!self && (
                      <>
                        <SmallButton
                          aria-label={`${u.status === "active" ? "Disable" : "Enable"} ${u.displayName}`}
                          disabled={busy}
                          data-testid={u.status === "active" ? "disable-button" : "enable-button"}
                          onClick={() => {
                            toggleActive(u);
                          }}
                        >
                          {u.status === "active" ? "Disable" : "Enable"}
                        </SmallButton>
                        <SmallButton
                          className="button-danger-outline"
                          aria-label={`Remove ${u.displayName}`}
                          data-testid="remove-button"
                          onClick={() => {
                            setDialog({ kind: "remove", user: u });
                          }}
                        >
                          Remove
                        </SmallButton>
                      </>
                    )}
                  </RowActions>
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}

      {users !== null && manageTenants && (
        <TenantsSection
          tenants={tenants}
          users={users}
          loadError={tenantsError}
          onRetry={() => void tenantsListed.refetch()}
          onSaved={(t) => {
            queryClient.setQueryData<Tenant[]>(queryKeys.tenants, (list) =>
              upsertTenant(list ?? [], t),
            );
          }}
        />
      )}

      {(dialog?.kind === "add" || dialog?.kind === "edit") && (
        <UserDialog
          roles={roles}
          user={dialog.kind === "edit" ? dialog.user : undefined}
          onCancel={closeDialog}
          onSaved={closeWith}
          returnFocus={() =>
            dialog.kind === "edit" ? rowButton(dialog.user.id, "edit-user-button") : addRef.current
          }
        />
      )}
      {dialog?.kind === "remove" && (
        <RemoveUserDialog
          user={dialog.user}
          onCancel={closeDialog}
          onRemoved={closeWith}
          returnFocus={() => rowButton(dialog.user.id, "remove-button")}
        />
      )}
      {dialog?.kind === "password" && (
        <SetPasswordDialog
          user={dialog.user}
          onCancel={closeDialog}
          onSet={closeWith}
          returnFocus={() => rowButton(dialog.user.id, "set-password-button")}
        />
      )}
      {dialog?.kind === "clientCredentials" && (
        <ClientCredentialsDialog
          user={dialog.user}
          baseUrl={oauthBaseUrl()}
          onCreated={() => {
            // The tokens obtained with an old secret no longer work.
            void queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all });
          }}
          onClose={closeDialog}
          returnFocus={() => rowButton(dialog.user.id, "client-credentials-button")}
        />
      )}
      {dialog?.kind === "tenants" && tenantsUser && tenants !== null && (
        <MembershipsDialog
          user={tenantsUser}
          tenants={tenants}
          onChanged={replace}
          onClose={closeDialog}
          returnFocus={() => rowButton(dialog.userId, "tenants-button")}
        />
      )}
    </main>
  );
}
