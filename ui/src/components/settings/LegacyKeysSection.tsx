// Settings → Legacy API keys: whether the keys of a previous system are still accepted, in which
// header and until when. Rust checks the header and the URL and requires a sunset to emulate.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type SyntheticEvent } from "react";
import {
  legacySettings,
  updateLegacySettings,
  type ApiError,
  type LegacyMode,
  type LegacySettings,
} from "../../api";
import { queryKeys } from "../../api/queryKeys";
import { DAY, formatDateTime, fromDateTimeLocal, toDateTimeLocal } from "../../lib/format";
import { Alert } from "../Alert";
import { TextField } from "../TextField";
import { LoadedSection } from "./LoadedSection";
import { SaveActions } from "./SaveActions";

/** Switching to Emulate without a sunset offers one this far ahead. */
const DEFAULT_SUNSET_DAYS = 90;

export const DEFAULT_LEGACY_HEADER = "X-Api-Key";

/** Where the `Link` header points when no URL of the organisation's own is set. */
const OWN_NOTES = "/docs/legacy-api-keys";

const MODES: readonly { mode: LegacyMode; label: string; explanation: string }[] = [
  { mode: "off", label: "Off", explanation: "Legacy keys are refused." },
  {
    mode: "emulate",
    label: "Emulate",
    explanation:
      "Accepted in their old header until the sunset date; every answer says they are deprecated (Deprecation, Sunset, Link headers).",
  },
];

export const MODE_LABELS: Record<LegacyMode, string> = { off: "Off", emulate: "Emulate" };

interface LegacyDraft {
  mode: LegacyMode;
  /** `datetime-local` text; empty: no sunset. */
  sunset: string;
  header: string;
  notesUrl: string;
}

function draftFrom(s: LegacySettings): LegacyDraft {
  return {
    mode: s.mode,
    sunset: s.sunsetAt === undefined ? "" : toDateTimeLocal(s.sunsetAt),
    header: s.header,
    notesUrl: s.notesUrl ?? "",
  };
}

type LegacyProblems = Partial<Record<"sunset" | "header" | "other", string>>;

export function LegacyKeysSection({ canManage }: { canManage: boolean }) {
  const query = useQuery({ queryKey: queryKeys.legacy.settings, queryFn: legacySettings });
  return (
    <LoadedSection
      title="Legacy API keys"
      testId="legacy-settings"
      query={query}
      errorTestId="legacy-load-error"
      intro={
        <>
          The static API keys of a previous system, imported on the Migration page, can keep
          working while their integrations move to bearer tokens. After the sunset, legacy keys are
          refused with the error <code>legacy_key_sunset</code>.
        </>
      }
      loaded={(settings, headingId) =>
        canManage ? (
          <LegacyForm initial={settings} labelledBy={headingId} />
        ) : (
          <LegacyReadOnly settings={settings} />
        )
      }
    />
  );
}

function Deprecated({ at }: { at: number | undefined }) {
  const id = useId();
  if (at === undefined) return null;
  return (
    <div className="field">
      <span className="label" id={id}>
        Deprecated since
      </span>
      <output className="readonly" aria-labelledby={id} data-testid="legacy-deprecated">
        {formatDateTime(at)}
      </output>
      <p className="hint">
        Set when emulation was first turned on: the <code>Deprecation</code> date of every answer
        to a legacy key.
      </p>
    </div>
  );
}

/** For people who may not manage settings: how legacy keys are treated, without inputs. */
function LegacyReadOnly({ settings }: { settings: LegacySettings }) {
  const ids = { mode: useId(), sunset: useId(), header: useId(), notes: useId() };
  return (
    <div className="legacy-readonly" data-testid="legacy-readonly">
      <div className="field-row">
        <div className="field">
          <span className="label" id={ids.mode}>
            Mode
          </span>
          <output className="readonly" aria-labelledby={ids.mode}>
            {MODE_LABELS[settings.mode]}
          </output>
        </div>
        <div className="field">
          <span className="label" id={ids.sunset}>
            Sunset
          </span>
          <output className="readonly" aria-labelledby={ids.sunset}>
            {settings.sunsetAt === undefined ? "None" : formatDateTime(settings.sunsetAt)}
          </output>
        </div>
        <div className="field">
          <span className="label" id={ids.header}>
            Header
          </span>
          <output className="readonly mono" aria-labelledby={ids.header}>
            {settings.header}
          </output>
        </div>
      </div>
      <div className="field">
        <span className="label" id={ids.notes}>
          Migration notes
        </span>
        <output className="readonly" aria-labelledby={ids.notes}>
          {(settings.notesUrl ?? "") || OWN_NOTES}
        </output>
      </div>
      <Deprecated at={settings.deprecatedAt} />
      <p className="hint">Only people who may manage settings can change these.</p>
    </div>
  );
}

/** The form, filled from the settings as first read; a later read does not undo the edits. */
function LegacyForm({ initial, labelledBy }: { initial: LegacySettings; labelledBy: string }) {
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState<LegacySettings>(initial);
  const [draft, setDraft] = useState<LegacyDraft>(() => draftFrom(initial));
  const [problems, setProblems] = useState<LegacyProblems>({});
  const [saving, setSaving] = useState(false);
  const [done, setDone] = useState(false);
  const sunsetRef = useRef<HTMLInputElement>(null);
  const headerRef = useRef<HTMLInputElement>(null);
  const modesId = useId();
  // When the form opened: judges whether the sunset has passed, as a hint only.
  const [openedAt] = useState(() => Date.now());

  const sunsetAt = fromDateTimeLocal(draft.sunset);
  const sunsetPassed = draft.mode === "emulate" && sunsetAt !== null && sunsetAt <= openedAt;

  function edit(change: Partial<LegacyDraft>) {
    setDraft((d) => ({ ...d, ...change }));
    setDone(false);
  }

  function chooseMode(mode: LegacyMode) {
    // Emulating needs a sunset: offer one rather than an empty field to fill in.
    setDraft((d) => ({
      ...d,
      mode,
      sunset:
        mode === "emulate" && fromDateTimeLocal(d.sunset) === null
          ? toDateTimeLocal(Date.now() + DEFAULT_SUNSET_DAYS * DAY)
          : d.sunset,
    }));
    setDone(false);
  }

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (saving) return;
    const header = draft.header.trim();
    const notesUrl = draft.notesUrl.trim();
    const local: LegacyProblems = {};
    if (draft.sunset.trim() !== "" && sunsetAt === null) {
      local.sunset = "Enter a date and time.";
    } else if (draft.mode === "emulate" && sunsetAt === null) {
      local.sunset = "Choose the sunset: legacy keys are only emulated until a set date.";
    }
    if (header === "") local.header = `Enter the header name, such as ${DEFAULT_LEGACY_HEADER}.`;
    if (local.sunset || local.header) {
      setProblems(local);
      (local.sunset ? sunsetRef : headerRef).current?.focus();
      return;
    }
    setProblems({});
    setDone(false);
    setSaving(true);
    try {
      const next = await updateLegacySettings({
        mode: draft.mode,
        header,
        ...(sunsetAt !== null ? { sunsetAt } : {}),
        ...(notesUrl !== "" ? { notesUrl } : {}),
        ...(saved.deprecatedAt !== undefined ? { deprecatedAt: saved.deprecatedAt } : {}),
      });
      // Rust returns the settings as saved (the header in its canonical form).
      queryClient.setQueryData(queryKeys.legacy.settings, next);
      setSaved(next);
      setDraft(draftFrom(next));
      setDone(true);
    } catch (err) {
      setProblems({ other: (err as ApiError).message });
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      className="form"
      noValidate
      aria-labelledby={labelledBy}
      aria-busy={saving || undefined}
      data-testid="legacy-form"
      onSubmit={(e) => void submit(e)}
    >
      <fieldset className="options">
        <legend>Mode</legend>
        {MODES.map((m) => (
          <div key={m.mode} className="option">
            <input
              id={`${modesId}-${m.mode}`}
              type="radio"
              name={modesId}
              value={m.mode}
              checked={draft.mode === m.mode}
              aria-describedby={`${modesId}-${m.mode}-hint`}
              data-testid={`legacy-mode-${m.mode}`}
              onChange={() => {
                chooseMode(m.mode);
              }}
            />
            <div>
              <label htmlFor={`${modesId}-${m.mode}`}>{m.label}</label>
              <p id={`${modesId}-${m.mode}-hint`} className="hint">
                {m.explanation}
              </p>
            </div>
          </div>
        ))}
      </fieldset>
      <TextField
        ref={sunsetRef}
        label={
          <>
            Sunset{" "}
            {draft.mode === "off" && <span className="optional">(required to emulate)</span>}
          </>
        }
        type="datetime-local"
        className="input-short"
        value={draft.sunset}
        error={problems.sunset}
        hint={
          sunsetPassed ? (
            <>
              This moment has passed: legacy keys are refused now, with the error{" "}
              <code>legacy_key_sunset</code>.
            </>
          ) : (
            <>
              After this moment legacy keys are refused with the error{" "}
              <code>legacy_key_sunset</code>. Until then each answer to one carries it in its{" "}
              <code>Sunset</code> header.
            </>
          )
        }
        data-testid="legacy-sunset"
        onChange={(e) => {
          edit({ sunset: e.target.value });
        }}
      />
      <TextField
        ref={headerRef}
        label="Header"
        type="text"
        autoComplete="off"
        spellCheck={false}
        className="mono"
        placeholder={DEFAULT_LEGACY_HEADER}
        value={draft.header}
        error={problems.header}
        hint={
          <>
            Where old clients send the key: a header name such as <code>X-Api-Key</code> (the
            default), or <code>Authorization: ApiKey</code> for clients that send{" "}
            <code>Authorization: ApiKey &lt;key&gt;</code>.
          </>
        }
        data-testid="legacy-header"
        onChange={(e) => {
          edit({ header: e.target.value });
        }}
      />
      <TextField
        label={
          <>
            Migration notes URL <span className="optional">(optional)</span>
          </>
        }
        type="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="https://"
        value={draft.notesUrl}
        hint={
          <>
            Where the <code>Link</code> header of each answer to a legacy key points. Empty: the
            notes this server publishes at <code>{OWN_NOTES}</code>.
          </>
        }
        data-testid="legacy-notes-url"
        onChange={(e) => {
          edit({ notesUrl: e.target.value });
        }}
      />
      <Deprecated at={saved.deprecatedAt} />
      {problems.other && <Alert testId="legacy-error">{problems.other}</Alert>}
      <SaveActions
        saved={done}
        saving={saving}
        savedText="Legacy API key settings saved."
        savedTestId="legacy-saved"
        label="Save legacy settings"
        testId="legacy-save"
      />
    </form>
  );
}
