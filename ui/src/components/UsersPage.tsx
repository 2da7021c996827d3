import { useEffect, useRef, useState } from "react";
import {
  listRoles,
  listUsers,
  setUserActive,
  startImpersonation,
  type ApiError,
  type AppInfo,
  type Role,
  type User,
  type UserStatus,
} from "../api";
import { RemoveUserDialog, SetPasswordDialog, UserDialog } from "./UserDialogs";

const STATUS_LABELS: Record<UserStatus, string> = {
  active: "Active",
  disabled: "Disabled",
  removed: "Removed",
};

type Dialog =
  | { kind: "add" }
  | { kind: "edit"; user: User }
  | { kind: "remove"; user: User }
  | { kind: "password"; user: User };

interface UsersPageProps {
  info: AppInfo;
  /** Impersonation started: the app switches to the new session. */
  onImpersonated: (next: AppInfo) => void;
  /** Something that may change the app info (the signed-in person's own record) changed. */
  onChanged: () => void;
}

export function UsersPage({ info, onImpersonated, onChanged }: UsersPageProps) {
  const { session } = info;
  const [users, setUsers] = useState<User[] | null>(null);
  const [roles, setRoles] = useState<Role[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [reloads, setReloads] = useState(0);
  const addRef = useRef<HTMLButtonElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const rows = useRef(new Map<string, HTMLTableRowElement>());

  useEffect(() => {
    let current = true;
    Promise.all([listUsers(), listRoles()]).then(
      ([u, r]) => {
        if (!current) return;
        setUsers(u);
        setRoles(r);
        setLoadError(null);
      },
      (e: unknown) => {
        if (current) setLoadError((e as ApiError).message);
      },
    );
    return () => {
      current = false;
    };
  }, [reloads]);

  const roleName = (id: string) => roles.find((r) => r.id === id)?.name ?? id;

  function replace(updated: User) {
    setUsers((list) => {
      if (!list) return [updated];
      return list.some((u) => u.id === updated.id)
        ? list.map((u) => (u.id === updated.id ? updated : u))
        : [...list, updated];
    });
    if (updated.id === session.actor.id || updated.id === session.subject.id) onChanged();
  }

  function rowButton(id: string, testId: string): HTMLElement | null {
    const button = rows.current.get(id)?.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
    return button ?? headingRef.current;
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
      <div className="page-header">
        <div>
          <h1 ref={headingRef} tabIndex={-1}>
            Users
          </h1>
          <p className="muted">
            People and services that can hold authorizations. Disabling someone suspends their
            tokens until they are enabled again.
          </p>
        </div>
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
      </div>

      {loadError && (
        <div className="alert" role="alert" data-testid="error-alert">
          <p>{loadError}</p>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              setReloads((r) => r + 1);
            }}
          >
            Try again
          </button>
        </div>
      )}
      {actionError && (
        <div className="alert" role="alert" data-testid="users-alert">
          <p>{actionError}</p>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              setActionError(null);
            }}
          >
            Dismiss
          </button>
        </div>
      )}

      {users === null && !loadError && (
        <p className="muted loading" role="status">
          Loading…
        </p>
      )}

      {users !== null && (
        <div className="table-wrap">
          <table className="tokens users" aria-label="Users">
            <thead>
              <tr>
                <th scope="col" className="col-name">
                  Name
                </th>
                <th scope="col">Email</th>
                <th scope="col">Kind</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Password</th>
                <th scope="col" className="col-actions">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => {
                const self = u.id === session.actor.id;
                const busy = busyId === u.id;
                return (
                  <tr
                    key={u.id}
                    ref={(row) => {
                      if (row) rows.current.set(u.id, row);
                      else rows.current.delete(u.id);
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
                        <span className="muted">—</span>
                      ) : u.hasPassword ? (
                        "Set"
                      ) : (
                        <span className="muted">Not set</span>
                      )}
                    </td>
                    <td className="col-actions">
                      {u.status === "removed" ? (
                        <span className="muted" aria-label="No actions">
                          —
                        </span>
                      ) : (
                        <div className="row-actions">
                          <button
                            type="button"
                            className="button button-small"
                            aria-label={`Edit ${u.displayName}`}
                            data-testid="edit-user-button"
                            onClick={() => {
                              setDialog({ kind: "edit", user: u });
                            }}
                          >
                            Edit
                          </button>
                          {u.kind === "human" && (
                            <button
                              type="button"
                              className="button button-small"
                              aria-label={`Set a password for ${u.displayName}`}
                              data-testid="set-password-button"
                              onClick={() => {
                                setDialog({ kind: "password", user: u });
                              }}
                            >
                              Set password
                            </button>
                          )}
                          {session.permissions.impersonate &&
                            !session.impersonating &&
                            u.status === "active" &&
                            !self && (
                            <button
                              type="button"
                              className="button button-small button-impersonate"
                              aria-label={`Impersonate ${u.displayName}`}
                              disabled={busy}
                              data-testid="impersonate-button"
                              onClick={() => {
                                impersonate(u);
                              }}
                            >
                              Impersonate
                            </button>
                          )}
                          <button
                            type="button"
                            className="button button-small"
                            aria-label={`${u.status === "active" ? "Disable" : "Enable"} ${u.displayName}`}
                            disabled={busy}
                            data-testid={u.status === "active" ? "disable-button" : "enable-button"}
                            onClick={() => {
                              toggleActive(u);
                            }}
                          >
                            {u.status === "active" ? "Disable" : "Enable"}
                          </button>
                          <button
                            type="button"
                            className="button button-small button-danger-outline"
                            aria-label={`Remove ${u.displayName}`}
                            data-testid="remove-button"
                            onClick={() => {
                              setDialog({ kind: "remove", user: u });
                            }}
                          >
                            Remove
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {(dialog?.kind === "add" || dialog?.kind === "edit") && (
        <UserDialog
          roles={roles}
          user={dialog.kind === "edit" ? dialog.user : undefined}
          onCancel={() => {
            setDialog(null);
          }}
          onSaved={(saved) => {
            setDialog(null);
            replace(saved);
          }}
          returnFocus={() =>
            dialog.kind === "edit" ? rowButton(dialog.user.id, "edit-user-button") : addRef.current
          }
        />
      )}
      {dialog?.kind === "remove" && (
        <RemoveUserDialog
          user={dialog.user}
          onCancel={() => {
            setDialog(null);
          }}
          onRemoved={(removed) => {
            setDialog(null);
            replace(removed);
          }}
          returnFocus={() => rowButton(dialog.user.id, "remove-button")}
        />
      )}
      {dialog?.kind === "password" && (
        <SetPasswordDialog
          user={dialog.user}
          onCancel={() => {
            setDialog(null);
          }}
          onSet={(updated) => {
            setDialog(null);
            replace(updated);
          }}
          returnFocus={() => rowButton(dialog.user.id, "set-password-button")}
        />
      )}
    </main>
  );
}
