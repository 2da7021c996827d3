import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type ReactNode, type SyntheticEvent } from "react";
import {
  getSettings,
  listRoles,
  serviceStatus,
  updateRole,
  updateServiceSettings,
  updateSettings,
  type ApiError,
  type AppInfo,
  type ExpiryChoice,
  type ExpiryPreset,
  type Permissions,
  type Role,
  type ServiceSettings,
  type ServiceStatus,
  type Settings,
} from "../api";
import { queryKeys } from "../api/queryKeys";
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
  const settings = useQuery({ queryKey: queryKeys.settings, queryFn: getSettings });
  if (settings.data) return <SettingsEditor initial={settings.data} onSaved={onSaved} />;
  if (settings.error) return <Alert testId="error-alert">{settings.error.message}</Alert>;
  return <Loading />;
}

/** The form, filled from the settings as first read; a later read does not undo the edits. */
function SettingsEditor({ initial, onSaved }: { initial: Settings; onSaved: () => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Settings>(initial);
  const [maxDays, setMaxDays] = useState(() => String(initial.policy.maxLifetimeDays));
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

  const { policy } = draft;
  const defaultOptions = [
    ...policy.presets.map((p) => ({ value: p, label: PRESET_LABELS[p] })),
    ...(policy.allowNever ? [{ value: "never", label: "Never" }] : []),
  ];
  const defaultValue = choiceValue(policy.defaultChoice);
  const defaultOffered = defaultOptions.some((o) => o.value === defaultValue);

  function edit(change: Partial<Settings>) {
    setDraft((d) => ({ ...d, ...change }));
    setSaved(false);
  }

  function editPolicy(change: Partial<Settings["policy"]>) {
    setDraft((d) => ({ ...d, policy: { ...d.policy, ...change } }));
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
    if (saving) return;
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
      queryClient.setQueryData(queryKeys.settings, next);
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

// The verification service: where it listens and which Authorization schemes it accepts.

const DEFAULT_ADDRESS = "127.0.0.1";

const NOT_LOOPBACK = "Other machines can reach this service. Put it behind a proxy with TLS.";

/** Without the brackets an IPv6 address may be written in: "[::1]" is "::1". */
function bareAddress(address: string): string {
  const a = address.trim();
  return a.startsWith("[") && a.endsWith("]") ? a.slice(1, -1).trim() : a;
}

/** "127.0.0.1:7878" or "[::1]:7878" as the address (without brackets) and the port. */
function splitBind(bind: string): { address: string; port: string } {
  const b = bind.trim();
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(b);
  if (v6) return { address: v6[1] ?? "", port: v6[2] ?? "" };
  const colon = b.indexOf(":");
  // No colon, or several without brackets (a bare IPv6 address): no port to split off.
  if (colon === -1 || colon !== b.lastIndexOf(":")) return { address: b, port: "" };
  return { address: b.slice(0, colon), port: b.slice(colon + 1) };
}

/** IPv6 addresses go in brackets to keep the port apart: [::1]:7878. */
function joinBind(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** An IPv4 literal as Rust reads one (four decimal parts, 0 to 255, no leading zeros), or null. */
function ipv4Parts(text: string): [number, number, number, number] | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p))) return null;
  const [a = 0, b = 0, c = 0, d = 0] = parts.map(Number);
  return [a, b, c, d].every((n) => n <= 255) ? [a, b, c, d] : null;
}

/** The 16-bit groups of "1:2::3" or "::1.2.3.4" (the IPv4 part only at the end), or null. */
function hexGroups(text: string, v4Last: boolean): number[] | null {
  if (text === "") return [];
  const pieces = text.split(":");
  const groups: number[] = [];
  for (const [i, piece] of pieces.entries()) {
    const v4 = v4Last && i === pieces.length - 1 ? ipv4Parts(piece) : null;
    if (v4) groups.push(v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]);
    else if (/^[0-9a-f]{1,4}$/i.test(piece)) groups.push(parseInt(piece, 16));
    else return null;
  }
  return groups;
}

/** An IPv6 literal (without brackets; a numeric zone allowed) as its eight groups, or null. */
function ipv6Groups(text: string): number[] | null {
  const address = text.replace(/%\d+$/, "");
  const halves = address.split("::");
  if (halves.length === 1) {
    const groups = hexGroups(address, true);
    return groups?.length === 8 ? groups : null;
  }
  if (halves.length !== 2) return null;
  const head = hexGroups(halves[0] ?? "", false);
  const tail = hexGroups(halves[1] ?? "", true);
  // "::" stands for at least one group of zeros.
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** Rust reads the bind as a socket address: an IP literal, never a host name. */
function isIpLiteral(address: string): boolean {
  const a = bareAddress(address);
  return ipv4Parts(a) !== null || ipv6Groups(a) !== null;
}

/** 127.x.x.x and ::1 (however written, or mapped as ::ffff:127.x.x.x) stay on this machine. */
function isLoopback(address: string): boolean {
  const a = bareAddress(address);
  const v4 = ipv4Parts(a);
  if (v4) return v4[0] === 127;
  const v6 = ipv6Groups(a);
  if (!v6) return false;
  const zeros = (from: number, to: number) => v6.slice(from, to).every((g) => g === 0);
  return (
    (zeros(0, 7) && v6[7] === 1) ||
    (zeros(0, 5) && v6[5] === 0xffff && Math.floor((v6[6] ?? 0) / 256) === 127)
  );
}

function addressProblem(address: string): string | null {
  if (address === "") return "Enter an address, such as 127.0.0.1.";
  // One colon (or "]:") means a port came along: IPv6 addresses have at least two.
  if (address.includes("]:") || address.split(":").length === 2) {
    return "Enter the address without the port; the port has its own field.";
  }
  if (!isIpLiteral(address)) return "Use an IP address such as 127.0.0.1 or ::1.";
  return null;
}

/** The port as a number, or null unless it is a whole number from 1 to 65535. */
function portNumber(port: string): number | null {
  const p = port.trim();
  if (!/^\d{1,5}$/.test(p)) return null;
  const n = Number(p);
  return n >= 1 && n <= 65535 ? n : null;
}

/** "SalureToken, Other" or "SalureToken Other" as ["SalureToken", "Other"]. */
function splitSchemes(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== "");
}

interface ServiceDraft {
  enabled: boolean;
  address: string;
  port: string;
  schemes: string;
}

function draftFrom(settings: ServiceSettings): ServiceDraft {
  const { address, port } = splitBind(settings.bind);
  return {
    enabled: settings.enabled,
    address: address || DEFAULT_ADDRESS,
    port,
    schemes: settings.extraSchemes.join(", "),
  };
}

/** What the service is doing now, as last reported by Rust (not the unsaved form). */
function ServiceState({ status }: { status: ServiceStatus }) {
  if (status.running) {
    return (
      <p className="notice notice-ok service-state" role="status" data-testid="service-state">
        Running at{" "}
        <code className="service-url" data-testid="service-url">
          {status.url ?? `http://${status.settings.bind}`}
        </code>
      </p>
    );
  }
  if (status.settings.enabled) {
    return (
      <Alert testId="service-state">
        {status.error ? `Not running: ${status.error}` : "Not running."}
      </Alert>
    );
  }
  return (
    <p className="notice service-state" role="status" data-testid="service-state">
      Off
    </p>
  );
}

function LoopbackWarning({ address }: { address: string }) {
  // Only for an address Rust would take: anything else gets a field error on saving.
  if (!isIpLiteral(address) || isLoopback(address)) return null;
  return (
    <p className="warning service-warning" role="status" data-testid="service-warning">
      {NOT_LOOPBACK}
    </p>
  );
}

/** For people who may not manage settings: what the service is set to, without inputs. */
function ServiceReadOnly({ settings }: { settings: ServiceSettings }) {
  const ids = { bind: useId(), schemes: useId() };
  return (
    <div className="service-readonly" data-testid="service-readonly">
      <div className="field-row service-bind">
        <div className="field">
          <label htmlFor={ids.bind}>Address and port</label>
          <output id={ids.bind} className="readonly mono" data-testid="service-bind">
            {settings.bind}
          </output>
        </div>
        <div className="field">
          <label htmlFor={ids.schemes}>Extra scheme names</label>
          <output id={ids.schemes} className="readonly" data-testid="service-schemes">
            {settings.extraSchemes.length > 0
              ? settings.extraSchemes.join(", ")
              : "None (Bearer only)"}
          </output>
        </div>
      </div>
      <LoopbackWarning address={splitBind(settings.bind).address} />
      <p className="hint">Only people who may manage settings can change the service.</p>
    </div>
  );
}

type ServiceProblems = Partial<Record<"address" | "port" | "other", string>>;

function ServiceSection({ canManage }: { canManage: boolean }) {
  const loaded = useQuery({ queryKey: queryKeys.serviceStatus, queryFn: serviceStatus });
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();

  let body: ReactNode;
  if (loaded.data) {
    body = canManage ? (
      <ServiceForm status={loaded.data} labelledBy={headingId} />
    ) : (
      <>
        <ServiceState status={loaded.data} />
        <ServiceReadOnly settings={loaded.data.settings} />
      </>
    );
  } else if (loaded.error) {
    body = (
      <Alert
        testId="service-load-error"
        onRetry={() => {
          // The alert and its button go away: keep focus in the section, on its heading.
          headingRef.current?.focus();
          void loaded.refetch();
        }}
      >
        {loaded.error.message}
      </Alert>
    );
  } else {
    body = <Loading />;
  }

  return (
    <section
      className="settings-section"
      aria-labelledby={headingId}
      data-testid="service-section"
    >
      <h2 ref={headingRef} id={headingId} className="section-heading" tabIndex={-1}>
        Verification service
      </h2>
      <p className="muted">
        Lets your other programs check a token over HTTP: they send it as{" "}
        <code>Authorization: Bearer &lt;token&gt;</code>. Saving applies the change at once.
      </p>
      {body}
    </section>
  );
}

/** The service's state and its form, filled from the status as first read. */
function ServiceForm({ status, labelledBy }: { status: ServiceStatus; labelledBy: string }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<ServiceDraft>(() => draftFrom(status.settings));
  const [problems, setProblems] = useState<ServiceProblems>({});
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const addressRef = useRef<HTMLInputElement>(null);
  const portRef = useRef<HTMLInputElement>(null);
  const enabledId = useId();

  function edit(change: Partial<ServiceDraft>) {
    setDraft((d) => ({ ...d, ...change }));
    setSaved(false);
  }

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (saving) return;
    const address = bareAddress(draft.address);
    const port = portNumber(draft.port);
    const local: ServiceProblems = {};
    const badAddress = addressProblem(address);
    if (badAddress) local.address = badAddress;
    if (port === null) local.port = "Enter a port from 1 to 65535.";
    if (port === null || badAddress) {
      setProblems(local);
      (badAddress ? addressRef : portRef).current?.focus();
      return;
    }
    setProblems({});
    setSaved(false);
    setSaving(true);
    try {
      const next = await updateServiceSettings({
        enabled: draft.enabled,
        bind: joinBind(address, port),
        extraSchemes: splitSchemes(draft.schemes),
      });
      // Rust returns the settings as saved (schemes tidied) and whether the restart worked.
      queryClient.setQueryData(queryKeys.serviceStatus, next);
      setDraft(draftFrom(next.settings));
      setSaved(true);
    } catch (err) {
      setProblems({ other: (err as ApiError).message });
    } finally {
      setSaving(false);
    }
  }

  return (
    <>
      <ServiceState status={status} />
      <form
        className="form"
        noValidate
        aria-labelledby={labelledBy}
        aria-busy={saving || undefined}
        data-testid="service-form"
        onSubmit={(e) => void submit(e)}
      >
        <Check
          id={enabledId}
          checked={draft.enabled}
          testId="service-enabled"
          onChange={(on) => {
            edit({ enabled: on });
          }}
        >
          Run the verification service
        </Check>
        <div className="field-row service-bind">
          <TextField
            ref={addressRef}
            label="Address"
            type="text"
            autoComplete="off"
            spellCheck={false}
            className="mono"
            placeholder={DEFAULT_ADDRESS}
            value={draft.address}
            error={problems.address}
            hint="127.0.0.1 or ::1 keeps it on this computer."
            data-testid="service-address"
            onChange={(e) => {
              edit({ address: e.target.value });
            }}
          />
          <TextField
            ref={portRef}
            label="Port"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            spellCheck={false}
            className="mono"
            placeholder="7878"
            value={draft.port}
            error={problems.port}
            hint="1 to 65535."
            data-testid="service-port"
            onChange={(e) => {
              edit({ port: e.target.value });
            }}
          />
        </div>
        <LoopbackWarning address={draft.address} />
        <TextField
          label={
            <>
              Extra scheme names <span className="optional">(optional)</span>
            </>
          }
          type="text"
          autoComplete="off"
          spellCheck={false}
          className="mono"
          placeholder="SalureToken"
          value={draft.schemes}
          hint={
            <>
              Separated by commas or spaces. With <code>SalureToken</code>, programs may send{" "}
              <code>Authorization: SalureToken &lt;token&gt;</code> as well as{" "}
              <code>Authorization: Bearer &lt;token&gt;</code>.
            </>
          }
          data-testid="service-schemes"
          onChange={(e) => {
            edit({ schemes: e.target.value });
          }}
        />
        {problems.other && <Alert testId="service-error">{problems.other}</Alert>}
        <div className="form-actions">
          {saved && (
            <span className="saved" role="status" data-testid="service-saved">
              Service settings saved.
            </span>
          )}
          <button
            type="submit"
            className="button button-primary"
            disabled={saving}
            data-testid="service-save"
          >
            {saving ? "Saving…" : "Save service settings"}
          </button>
        </div>
      </form>
    </>
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
      <ServiceSection canManage={info.session.permissions.manageSettings} />
      <RolesMatrix onSaved={onSaved} />
    </main>
  );
}
