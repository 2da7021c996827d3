import { useEffect, useId, useState, type ReactNode, type SyntheticEvent } from "react";
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
import { PRESET_LABELS, choiceValue } from "../lib/format";
import { nameProblem } from "../lib/validate";
import { Alert } from "./Alert";
import { DataTable } from "./DataTable";
import { FieldError } from "./FieldError";
import { Loading } from "./Loading";
import { PageHeader } from "./PageHeader";
import { SmallButton } from "./SmallButton";
import { TextField } from "./TextField";

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

const ROLE_COLUMNS = [
  { label: "Role" },
  ...PERMISSION_KEYS.map((k) => ({ label: PERMISSION_LABELS[k], className: "col-check" })),
  { label: "Actions", className: "col-actions", hidden: true },
];

const OWNER_ROLE = "owner";

function choiceFrom(value: string): ExpiryChoice | null {
  if (value === "never") return { kind: "never" };
  const preset = ALL_PRESETS.find((p) => p === value);
  return preset ? { kind: "preset", preset } : null;
}

interface CheckProps {
  id?: string;
  checked: boolean;
  testId: string;
  onChange: (checked: boolean) => void;
  children: ReactNode;
}

function Check({ id, checked, testId, onChange, children }: CheckProps) {
  return (
    <label className="check">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        data-testid={testId}
        onChange={(e) => {
          onChange(e.target.checked);
        }}
      />
      {children}
    </label>
  );
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
    owners: useId(),
    custom: useId(),
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
    return <Alert testId="error-alert">{loadError}</Alert>;
  }
  if (!draft) {
    return <Loading />;
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
        <TextField
          label="Display name"
          type="text"
          autoComplete="off"
          value={draft.authorityName}
          error={problems.name}
          data-testid="settings-name"
          onChange={(e) => {
            edit({ authorityName: e.target.value });
          }}
        />
        <TextField
          label="Token prefix"
          type="text"
          autoComplete="off"
          spellCheck={false}
          className="mono input-short"
          value={draft.tokenPrefix}
          hint="Applies to new tokens only."
          data-testid="settings-prefix"
          onChange={(e) => {
            edit({ tokenPrefix: e.target.value });
          }}
        />
        <Check
          id={ids.owners}
          checked={draft.onlyOwnersCreateTokens}
          testId="settings-owners-only"
          onChange={(on) => {
            edit({ onlyOwnersCreateTokens: on });
          }}
        >
          Only owners can create tokens
        </Check>
      </section>

      <section className="settings-section" aria-labelledby={`${ids.default}-section`}>
        <h2 id={`${ids.default}-section`} className="section-heading">
          Expiration policy
        </h2>
        <fieldset className="checks">
          <legend>Presets offered</legend>
          {ALL_PRESETS.map((p) => (
            <Check
              key={p}
              checked={policy.presets.includes(p)}
              testId={`preset-${p}`}
              onChange={(on) => {
                togglePreset(p, on);
              }}
            >
              {PRESET_LABELS[p]}
            </Check>
          ))}
        </fieldset>
        <Check
          id={ids.custom}
          checked={policy.allowCustom}
          testId="settings-allow-custom"
          onChange={(on) => {
            editPolicy({ allowCustom: on });
          }}
        >
          Allow custom dates
        </Check>
        <TextField
          label="Maximum lifetime (days)"
          type="number"
          min={1}
          step={1}
          inputMode="numeric"
          className="input-short"
          value={maxDays}
          error={problems.maxDays}
          data-testid="settings-max-days"
          onChange={(e) => {
            setMaxDays(e.target.value);
            setSaved(false);
          }}
        />
        <Check
          id={ids.never}
          checked={policy.allowNever}
          testId="settings-allow-never"
          onChange={(on) => {
            editPolicy({ allowNever: on });
          }}
        >
          Allow tokens that never expire
        </Check>
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
        <Alert testId="settings-error">{problems.other}</Alert>
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

export function SettingsPage({ info, onSaved }: { info: AppInfo; onSaved: () => void }) {
  return (
    <main className="page page-narrow" data-testid="settings-page">
      <PageHeader
        title="Settings"
        description={<>How {info.authorityName} issues tokens, and who may do what.</>}
      />
      <SettingsForm onSaved={onSaved} />
      <RolesMatrix onSaved={onSaved} />
    </main>
  );
}
