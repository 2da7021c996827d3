import { useEffect, useId, useState, type SyntheticEvent } from "react";
import {
  getSettings,
  listRoles,
  updateRole,
  updateSettings,
  type ApiError,
  type AppInfo,
  type ExpiryChoice,
  type ExpiryPreset,
  type Permissions,
  type Role,
  type Settings,
} from "../api";
import { PRESET_LABELS } from "../lib/format";
import { nameProblem } from "../lib/validate";
import { FieldError } from "./FieldError";

const ALL_PRESETS = Object.keys(PRESET_LABELS) as ExpiryPreset[];

export const PERMISSION_LABELS: Record<keyof Permissions, string> = {
  apiAccess: "API access",
  createTokensForOthers: "Create tokens for others",
  impersonate: "Impersonate",
  manageUsers: "Manage users",
  manageSettings: "Manage settings",
  viewAudit: "View audit",
};

const PERMISSION_KEYS = Object.keys(PERMISSION_LABELS) as (keyof Permissions)[];

const OWNER_ROLE = "owner";

function choiceValue(choice: ExpiryChoice): string {
  switch (choice.kind) {
    case "preset":
      return choice.preset;
    case "never":
      return "never";
    case "custom":
      return "custom";
  }
}

function choiceFrom(value: string): ExpiryChoice | null {
  if (value === "never") return { kind: "never" };
  const preset = ALL_PRESETS.find((p) => p === value);
  return preset ? { kind: "preset", preset } : null;
}

type Problems = Partial<Record<"name" | "maxDays" | "default" | "other", string>>;

function SettingsForm({ onSaved }: { onSaved: () => void }) {
  const [draft, setDraft] = useState<Settings | null>(null);
  const [maxDays, setMaxDays] = useState("");
  const [loadError, setLoadError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problems>({});
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const ids = {
    name: useId(),
    prefix: useId(),
    owners: useId(),
    custom: useId(),
    maxDays: useId(),
    never: useId(),
    default: useId(),
  };

  useEffect(() => {
    let current = true;
    getSettings().then(
      (s) => {
        if (!current) return;
        setDraft(s);
        setMaxDays(String(s.policy.maxLifetimeDays));
      },
      (e: unknown) => {
        if (current) setLoadError((e as ApiError).message);
      },
    );
    return () => {
      current = false;
    };
  }, []);

  if (loadError) {
    return (
      <div className="alert" role="alert" data-testid="error-alert">
        <p>{loadError}</p>
      </div>
    );
  }
  if (!draft) {
    return (
      <p className="muted loading" role="status">
        Loading…
      </p>
    );
  }

  const { policy } = draft;
  const defaultOptions = [
    ...policy.presets.map((p) => ({ value: p, label: PRESET_LABELS[p] })),
    ...(policy.allowNever ? [{ value: "never", label: "Never" }] : []),
  ];
  const defaultValue = choiceValue(policy.defaultChoice);
  const defaultOffered = defaultOptions.some((o) => o.value === defaultValue);

  function edit(change: Partial<Settings>) {
    setDraft((d) => (d ? { ...d, ...change } : d));
    setSaved(false);
  }

  function editPolicy(change: Partial<Settings["policy"]>) {
    setDraft((d) => (d ? { ...d, policy: { ...d.policy, ...change } } : d));
    setSaved(false);
  }

  function togglePreset(preset: ExpiryPreset, on: boolean) {
    // Kept in the canonical (shortest first) order, whatever order they were ticked in.
    const wanted = new Set(policy.presets);
    if (on) wanted.add(preset);
    else wanted.delete(preset);
    editPolicy({ presets: ALL_PRESETS.filter((p) => wanted.has(p)) });
  }

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (!draft || saving) return;
    const local: Problems = {};
    const badName = nameProblem(draft.authorityName);
    if (badName) local.name = badName;
    const days = /^\d{1,6}$/.test(maxDays.trim()) ? Number(maxDays.trim()) : 0;
    if (days < 1) local.maxDays = "Enter a whole number of days, at least 1.";
    if (!defaultOffered) local.default = "Choose a default among the offered choices.";
    if (Object.keys(local).length > 0) {
      setProblems(local);
      return;
    }
    setProblems({});
    setSaving(true);
    try {
      const next = await updateSettings({
        ...draft,
        authorityName: draft.authorityName.trim(),
        tokenPrefix: draft.tokenPrefix.trim(),
        policy: { ...draft.policy, maxLifetimeDays: days },
      });
      setDraft(next);
      setMaxDays(String(next.policy.maxLifetimeDays));
      setSaved(true);
      // The Add dialog reads the policy from the app info.
      onSaved();
    } catch (err) {
      const error = err as ApiError;
      setProblems(error.code === "invalid_name" ? { name: error.message } : { other: error.message });
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="form settings-form" noValidate onSubmit={(e) => void submit(e)}>
      <section className="settings-section" aria-labelledby={`${ids.name}-section`}>
        <h2 id={`${ids.name}-section`} className="section-heading">
          Authority
        </h2>
        <div className="field">
          <label htmlFor={ids.name}>Display name</label>
          <input
            id={ids.name}
            type="text"
            autoComplete="off"
            value={draft.authorityName}
            aria-invalid={problems.name ? true : undefined}
            aria-describedby={problems.name ? `${ids.name}-error` : undefined}
            data-testid="settings-name"
            onChange={(e) => {
              edit({ authorityName: e.target.value });
            }}
          />
          {problems.name && <FieldError id={`${ids.name}-error`}>{problems.name}</FieldError>}
        </div>
        <div className="field">
          <label htmlFor={ids.prefix}>Token prefix</label>
          <input
            id={ids.prefix}
            type="text"
            autoComplete="off"
            spellCheck={false}
            className="mono input-short"
            value={draft.tokenPrefix}
            aria-describedby={`${ids.prefix}-hint`}
            data-testid="settings-prefix"
            onChange={(e) => {
              edit({ tokenPrefix: e.target.value });
            }}
          />
          <p id={`${ids.prefix}-hint`} className="hint">
            Applies to new tokens only.
          </p>
        </div>
        <label className="check">
          <input
            id={ids.owners}
            type="checkbox"
            checked={draft.onlyOwnersCreateTokens}
            data-testid="settings-owners-only"
            onChange={(e) => {
              edit({ onlyOwnersCreateTokens: e.target.checked });
            }}
          />
          Only owners can create tokens
        </label>
      </section>

      <section className="settings-section" aria-labelledby={`${ids.default}-section`}>
        <h2 id={`${ids.default}-section`} className="section-heading">
          Expiration policy
        </h2>
        <fieldset className="checks">
          <legend>Presets offered</legend>
          {ALL_PRESETS.map((p) => (
            <label key={p} className="check">
              <input
                type="checkbox"
                checked={policy.presets.includes(p)}
                data-testid={`preset-${p}`}
                onChange={(e) => {
                  togglePreset(p, e.target.checked);
                }}
              />
              {PRESET_LABELS[p]}
            </label>
          ))}
        </fieldset>
        <label className="check">
          <input
            id={ids.custom}
            type="checkbox"
            checked={policy.allowCustom}
            data-testid="settings-allow-custom"
            onChange={(e) => {
              editPolicy({ allowCustom: e.target.checked });
            }}
          />
          Allow custom dates
        </label>
        <div className="field">
          <label htmlFor={ids.maxDays}>Maximum lifetime (days)</label>
          <input
            id={ids.maxDays}
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            className="input-short"
            value={maxDays}
            aria-invalid={problems.maxDays ? true : undefined}
            aria-describedby={problems.maxDays ? `${ids.maxDays}-error` : undefined}
            data-testid="settings-max-days"
            onChange={(e) => {
              setMaxDays(e.target.value);
              setSaved(false);
            }}
          />
          {problems.maxDays && (
            <FieldError id={`${ids.maxDays}-error`}>{problems.maxDays}</FieldError>
          )}
        </div>
        <label className="check">
          <input
            id={ids.never}
            type="checkbox"
            checked={policy.allowNever}
            data-testid="settings-allow-never"
            onChange={(e) => {
              editPolicy({ allowNever: e.target.checked });
            }}
          />
          Allow tokens that never expire
        </label>
        <div className="field">
          <label htmlFor={ids.default}>Default choice</label>
          <select
            id={ids.default}
            className="input-short"
            value={defaultOffered ? defaultValue : ""}
            aria-invalid={problems.default ? true : undefined}
            aria-describedby={problems.default ? `${ids.default}-error` : undefined}
            data-testid="settings-default"
            onChange={(e) => {
              const choice = choiceFrom(e.target.value);
              if (choice) editPolicy({ defaultChoice: choice });
            }}
          >
            {!defaultOffered && <option value="">Choose…</option>}
            {defaultOptions.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          {problems.default && (
            <FieldError id={`${ids.default}-error`}>{problems.default}</FieldError>
          )}
        </div>
        <p className="hint">Changing the policy does not alter existing tokens.</p>
      </section>

      {problems.other && (
        <div className="alert" role="alert" data-testid="settings-error">
          <p>{problems.other}</p>
        </div>
      )}
      <div className="form-actions">
        {saved && (
          <span className="saved" role="status" data-testid="settings-saved">
            Settings saved.
          </span>
        )}
        <button
          type="submit"
          className="button button-primary"
          disabled={saving}
          data-testid="settings-save"
        >
          {saving ? "Saving…" : "Save settings"}
        </button>
      </div>
    </form>
  );
}

function RolesMatrix({ onSaved }: { onSaved: () => void }) {
  const [roles, setRoles] = useState<Role[] | null>(null);
  /** Unsaved edits, by role id. */
  const [drafts, setDrafts] = useState<Record<string, Permissions>>({});
  const [savingId, setSavingId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [savedId, setSavedId] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    listRoles().then(
      (list) => {
        if (current) setRoles(list);
      },
      (e: unknown) => {
        if (current) setError((e as ApiError).message);
      },
    );
    return () => {
      current = false;
    };
  }, []);

  function toggle(role: Role, key: keyof Permissions, on: boolean) {
    setDrafts((d) => ({ ...d, [role.id]: { ...(d[role.id] ?? role.permissions), [key]: on } }));
    setSavedId(null);
  }

  async function save(role: Role) {
    const permissions = drafts[role.id];
    if (!permissions || savingId !== null) return;
    setSavingId(role.id);
    setError(null);
    setSavedId(null);
    try {
      const updated = await updateRole(role.id, permissions);
      setRoles((list) => list?.map((r) => (r.id === updated.id ? updated : r)) ?? null);
      setDrafts((d) => Object.fromEntries(Object.entries(d).filter(([id]) => id !== role.id)));
      setSavedId(role.id);
      // The signed-in person's own permissions may have changed.
      onSaved();
    } catch (e) {
      setError(`${role.name}: ${(e as ApiError).message}`);
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
        <div className="alert" role="alert" data-testid="roles-error">
          <p>{error}</p>
        </div>
      )}
      {roles === null && !error && (
        <p className="muted loading" role="status">
          Loading…
        </p>
      )}
      {roles !== null && (
        <div className="table-wrap">
          <table className="tokens roles" aria-label="Role permissions">
            <thead>
              <tr>
                <th scope="col">Role</th>
                {PERMISSION_KEYS.map((k) => (
                  <th key={k} scope="col" className="col-check">
                    {PERMISSION_LABELS[k]}
                  </th>
                ))}
                <th scope="col" className="col-actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {roles.map((role) => {
                const owner = role.id === OWNER_ROLE;
                const perms = drafts[role.id] ?? role.permissions;
                const dirty = drafts[role.id] !== undefined;
                return (
                  <tr key={role.id} data-testid="role-row" data-role-id={role.id}>
                    <th scope="row" className="role-name">
                      <div>{role.name}</div>
                      {owner && (
                        <div className="hint">always has every permission</div>
                      )}
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
                          <button
                            type="button"
                            className="button button-small"
                            disabled={!dirty || savingId !== null}
                            aria-label={`Save ${role.name}`}
                            data-testid="role-save"
                            onClick={() => void save(role)}
                          >
                            {savingId === role.id ? "Saving…" : "Save"}
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
    </section>
  );
}

export function SettingsPage({ info, onSaved }: { info: AppInfo; onSaved: () => void }) {
  return (
    <main className="page page-narrow" data-testid="settings-page">
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>Settings</h1>
          <p className="muted">How {info.authorityName} issues tokens, and who may do what.</p>
        </div>
      </div>
      <SettingsForm onSaved={onSaved} />
      <RolesMatrix onSaved={onSaved} />
    </main>
  );
}
