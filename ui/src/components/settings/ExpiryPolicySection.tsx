// Authority name, token prefix and expiration policy are saved together, in one form.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type SyntheticEvent } from "react";
import {
  getSettings,
  updateSettings,
  type ApiError,
  type ExpiryChoice,
  type ExpiryPreset,
  type Settings,
} from "../../api";
import { queryKeys } from "../../api/queryKeys";
import { PRESET_LABELS, choiceValue } from "../../lib/format";
import { nameProblem } from "../../lib/validate";
import { Alert } from "../Alert";
import { FieldError } from "../FieldError";
import { Loading } from "../Loading";
import { TextField } from "../TextField";
import { Check } from "./Check";
import { SaveActions } from "./SaveActions";

const ALL_PRESETS = Object.keys(PRESET_LABELS) as ExpiryPreset[];

function choiceFrom(value: string): ExpiryChoice | null {
  if (value === "never") return { kind: "never" };
  const preset = ALL_PRESETS.find((p) => p === value);
  return preset ? { kind: "preset", preset } : null;
}

type Problems = Partial<
  Record<"name" | "maxDays" | "signedMinutes" | "default" | "alerts" | "other", string>
>;

/** A whole number of days as typed, or null. Rust judges the pair (first after last, ≤ 90). */
function wholeDays(text: string): number | null {
  const t = text.trim();
  return /^\d{1,2}$/.test(t) ? Number(t) : null;
}

/** Rust's bounds for a signed token's lifetime; it refuses anything else on save as well. */
const SIGNED_MINUTES_MIN = 1;
const SIGNED_MINUTES_MAX = 60;

/** The typed lifetime in minutes, or null unless it is a whole number within Rust's bounds. */
function signedMinutesFrom(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,2}$/.test(t)) return null;
  const n = Number(t);
  return n >= SIGNED_MINUTES_MIN && n <= SIGNED_MINUTES_MAX ? n : null;
}

export function ExpiryPolicySection({ onSaved }: { onSaved: () => void }) {
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
  const [signedMinutes, setSignedMinutes] = useState(() =>
    String(initial.policy.signedTokenMinutes),
  );
  const [alertDays, setAlertDays] = useState(() => ({
    first: initial.alerts ? String(initial.alerts.firstDays) : "",
    last: initial.alerts ? String(initial.alerts.lastDays) : "",
  }));
  const [problems, setProblems] = useState<Problems>({});
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const ids = {
    name: useId(),
    owners: useId(),
    custom: useId(),
    never: useId(),
    default: useId(),
    alerts: useId(),
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
    const minutes = signedMinutesFrom(signedMinutes);
    if (minutes === null) {
      local.signedMinutes = `Enter a whole number of minutes from ${SIGNED_MINUTES_MIN} to ${SIGNED_MINUTES_MAX}.`;
    }
    if (!defaultOffered) local.default = "Choose a default among the offered choices.";
    const first = wholeDays(alertDays.first);
    const last = wholeDays(alertDays.last);
    if (first === null || last === null) local.alerts = "Enter whole numbers of days.";
    if (Object.keys(local).length > 0 || minutes === null || first === null || last === null) {
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
        policy: { ...draft.policy, maxLifetimeDays: days, signedTokenMinutes: minutes },
        alerts: { firstDays: first, lastDays: last },
      });
      queryClient.setQueryData(queryKeys.settings, next);
      setDraft(next);
      setMaxDays(String(next.policy.maxLifetimeDays));
      setSignedMinutes(String(next.policy.signedTokenMinutes));
      if (next.alerts) {
        setAlertDays({ first: String(next.alerts.firstDays), last: String(next.alerts.lastDays) });
      }
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
        <TextField
          label="Signed token lifetime (minutes)"
          type="number"
          min={SIGNED_MINUTES_MIN}
          max={SIGNED_MINUTES_MAX}
          step={1}
          inputMode="numeric"
          className="input-short"
          value={signedMinutes}
          error={problems.signedMinutes}
          hint={
            <>
              For the signed tokens (JWTs) services get by token exchange. Services that check
              them offline accept one until it expires, even after the token it came from is
              revoked; Tokendesk itself refuses it at once. Keep it short.
            </>
          }
          data-testid="signed-token-minutes"
          onChange={(e) => {
            setSignedMinutes(e.target.value);
            setSaved(false);
          }}
        />
        <p className="hint">Changing the policy does not alter existing tokens.</p>
      </section>

      <section className="settings-section" aria-labelledby={`${ids.alerts}-section`}>
        <h2 id={`${ids.alerts}-section`} className="section-heading">
          Expiry alerts
        </h2>
        <p className="hint">
          Each person is notified once at each of these (their own tokens; admins who see every
          authorization, every token), and the tray counts the tokens within the first.
        </p>
        <div className="field-row">
          <TextField
            label="First alert (days before)"
            type="number"
            min={2}
            max={90}
            step={1}
            inputMode="numeric"
            className="input-short"
            value={alertDays.first}
            error={problems.alerts}
            data-testid="settings-alert-first"
            onChange={(e) => {
              setAlertDays((a) => ({ ...a, first: e.target.value }));
              setSaved(false);
            }}
          />
          <TextField
            label="Last alert (days before)"
            type="number"
            min={1}
            max={89}
            step={1}
            inputMode="numeric"
            className="input-short"
            value={alertDays.last}
            data-testid="settings-alert-last"
            onChange={(e) => {
              setAlertDays((a) => ({ ...a, last: e.target.value }));
              setSaved(false);
            }}
          />
        </div>
      </section>

      {problems.other && (
        <Alert testId="settings-error">{problems.other}</Alert>
      )}
      <SaveActions
        saved={saved}
        saving={saving}
        savedText="Settings saved."
        savedTestId="settings-saved"
        label="Save settings"
        testId="settings-save"
      />
    </form>
  );
}
