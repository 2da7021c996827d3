// What each role may do, edited and saved one role (one table row) at a time.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { listRoles, updateRole, type ApiError, type Permissions, type Role } from "../../api";
import { queryKeys } from "../../api/queryKeys";
import { Alert } from "../Alert";
import { DataTable } from "../DataTable";
import { Loading } from "../Loading";
import { SmallButton } from "../SmallButton";

const PERMISSION_LABELS: Record<keyof Permissions, string> = {
  apiAccess: "API access",
  createTokensForOthers: "Create tokens for others",
  impersonate: "Impersonate",
  manageUsers: "Manage users",
  manageSettings: "Manage settings",
  viewAudit: "View audit",
};

const PERMISSION_KEYS = Object.keys(PERMISSION_LABELS) as (keyof Permissions)[];

const ROLE_COLUMNS = [
  { label: "Role" },
  ...PERMISSION_KEYS.map((k) => ({ label: PERMISSION_LABELS[k], className: "col-check" })),
  { label: "Actions", className: "col-actions", hidden: true },
];

const OWNER_ROLE = "owner";

export function RolesSection({ onSaved }: { onSaved: () => void }) {
  const queryClient = useQueryClient();
  const listed = useQuery({ queryKey: queryKeys.roles, queryFn: listRoles });
  const roles = listed.data ?? null;
  /** Unsaved edits, by role id. */
  const [drafts, setDrafts] = useState<Record<string, Permissions>>({});
  const [savingId, setSavingId] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [savedId, setSavedId] = useState<string | null>(null);
  const error = saveError ?? (roles === null ? (listed.error?.message ?? null) : null);

  function toggle(role: Role, key: keyof Permissions, on: boolean) {
    setDrafts((d) => ({ ...d, [role.id]: { ...(d[role.id] ?? role.permissions), [key]: on } }));
    setSavedId(null);
  }

  async function save(role: Role) {
    const permissions = drafts[role.id];
    if (!permissions || savingId !== null) return;
    setSavingId(role.id);
    setSaveError(null);
    setSavedId(null);
    try {
      const updated = await updateRole(role.id, permissions);
      queryClient.setQueryData<Role[]>(queryKeys.roles, (list) =>
        list?.map((r) => (r.id === updated.id ? updated : r)),
      );
      setDrafts((d) => Object.fromEntries(Object.entries(d).filter(([id]) => id !== role.id)));
      setSavedId(role.id);
      // The signed-in person's own permissions may have changed.
      onSaved();
    } catch (e) {
      setSaveError(`${role.name}: ${(e as ApiError).message}`);
    } finally {
      setSavingId(null);
    }
  }

  return (
    <section className="settings-section" aria-labelledby="roles-heading">
      <h2 id="roles-heading" className="section-heading">
        Roles
      </h2>
      <p className="muted">
        What each role may do. A change applies at once to everyone holding the role.
      </p>
      {error && (
        <Alert testId="roles-error">{error}</Alert>
      )}
      {roles === null && !error && <Loading />}
      {roles !== null && (
        <DataTable label="Role permissions" className="roles" columns={ROLE_COLUMNS}>
          {roles.map((role) => {
            const owner = role.id === OWNER_ROLE;
            const perms = drafts[role.id] ?? role.permissions;
            const dirty = drafts[role.id] !== undefined;
            return (
              <tr key={role.id} data-testid="role-row" data-role-id={role.id}>
                <th scope="row" className="role-name">
                  <div>{role.name}</div>
                  {owner && <div className="hint">always has every permission</div>}
                </th>
                {PERMISSION_KEYS.map((k) => (
                  <td key={k} className="col-check">
                    <input
                      type="checkbox"
                      checked={owner || perms[k]}
                      disabled={owner || savingId === role.id}
                      aria-label={`${PERMISSION_LABELS[k]} for ${role.name}`}
                      data-testid={`perm-${k}`}
                      onChange={(e) => {
                        toggle(role, k, e.target.checked);
                      }}
                    />
                  </td>
                ))}
                <td className="col-actions">
                  {!owner && (
                    <div className="row-actions">
                      {savedId === role.id && (
                        <span className="saved" role="status">
                          Saved
                        </span>
                      )}
                      <SmallButton
                        disabled={!dirty || savingId !== null}
                        aria-label={`Save ${role.name}`}
                        data-testid="role-save"
                        onClick={() => void save(role)}
                      >
                        {savingId === role.id ? "Saving…" : "Save"}
                      </SmallButton>
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </section>
  );
}
