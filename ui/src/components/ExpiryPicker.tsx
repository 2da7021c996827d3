// A new token's expiry is chosen one way wherever a token is made: the policy's presets, a custom
// date within its limit, or Never, with a line saying when the token would expire.
import { useId, useState } from "react";
import type { ExpiryChoice, ExpiryPolicy, ExpiryPreset } from "../api";
import {
  DAY,
  PRESET_DURATIONS,
  PRESET_LABELS,
  choiceValue,
  formatDateTime,
  formatRelative,
  fromDateTimeLocal,
  toDateTimeLocal,
} from "../lib/format";
import { FieldError } from "./FieldError";

interface ExpiryOption {
  value: string;
  label: string;
}

function expiryOptions(policy: ExpiryPolicy): ExpiryOption[] {
  const options: ExpiryOption[] = policy.presets.map((p) => ({
    value: p,
    label: PRESET_LABELS[p],
  }));
  if (policy.allowCustom) options.push({ value: "custom", label: "Custom…" });
  if (policy.allowNever) options.push({ value: "never", label: "Never" });
  return options;
}

/** Option values are the preset names themselves (stable for E2E), plus "custom" and "never". */
function presetFrom(value: string): ExpiryPreset | null {
  return Object.hasOwn(PRESET_LABELS, value) ? (value as ExpiryPreset) : null;
}

/** The expiry being chosen (what the inputs hold) and what it amounts to. */
export interface Expiry {
  /** When the dialog opened: presets and the custom date's bounds count from then. */
  now: number;
  maxAt: number;
  options: ExpiryOption[];
  value: string;
  setValue: (value: string) => void;
  /** `datetime-local` text, used when `value` is "custom". */
  customAt: string;
  setCustomAt: (text: string) => void;
  /** The choice as the server wants it, or null with `problem` saying why it is not acceptable. */
  choice: ExpiryChoice | null;
  problem: string | null;
  /** When a token made now would expire; null for Never or without a valid choice. */
  expiresAt: number | null;
}

/** Starts at the policy's default choice, or its first option when that is not offered. */
export function useExpiry(policy: ExpiryPolicy): Expiry {
  const [now] = useState(() => Date.now());
  const options = expiryOptions(policy);
  const [value, setValue] = useState(() => {
    const wanted = choiceValue(policy.defaultChoice);
    return options.some((o) => o.value === wanted) ? wanted : (options[0]?.value ?? "");
  });
  const [customAt, setCustomAt] = useState(() =>
    toDateTimeLocal(
      policy.defaultChoice.kind === "custom" ? policy.defaultChoice.at : now + 30 * DAY,
    ),
  );

  const maxAt = now + policy.maxLifetimeDays * DAY;
  const customMs = fromDateTimeLocal(customAt);

  let choice: ExpiryChoice | null = null;
  let problem: string | null = null;
  if (value === "never") {
    choice = { kind: "never" };
  } else if (value === "custom") {
    if (customMs === null) problem = "Choose a date and time.";
    else if (customMs <= now) problem = "The expiry must be in the future.";
    else if (customMs > maxAt)
      problem = `The expiry can be at most ${policy.maxLifetimeDays} days from now.`;
    else choice = { kind: "custom", at: customMs };
  } else {
    const preset = presetFrom(value);
    if (preset) choice = { kind: "preset", preset };
    else problem = "Choose an expiration.";
  }

  let expiresAt: number | null = null;
  if (choice?.kind === "preset") expiresAt = now + PRESET_DURATIONS[choice.preset];
  else if (choice?.kind === "custom") expiresAt = choice.at;

  return {
    now,
    maxAt,
    options,
    value,
    setValue,
    customAt,
    setCustomAt,
    choice,
    problem,
    expiresAt,
  };
}

interface ExpiryPickerProps {
  expiry: Expiry;
  /** Replaces the summary line and marks the inputs invalid. */
  error: string | null;
  /** The select's; the custom date input gets `${testId}-custom`. */
  testId: string;
  /** After each edit, e.g. to drop the server's complaint about the previous choice. */
  onEdit: () => void;
}

/** The creation time beside the Expiration select, the custom date when chosen, and the summary. */
export function ExpiryPicker({ expiry, error, testId, onEdit }: ExpiryPickerProps) {
  const { now, choice, expiresAt } = expiry;
  const ids = { created: useId(), select: useId(), custom: useId() };
  return (
    <>
      <div className="field-row">
        <div className="field">
          <span className="label" id={ids.created}>
            Created
          </span>
          <output className="readonly" aria-labelledby={ids.created}>
            {formatDateTime(now)}
          </output>
        </div>

        <div className="field">
          <label htmlFor={ids.select}>Expiration</label>
          <select
            id={ids.select}
            value={expiry.value}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${ids.select}-error` : `${ids.select}-hint`}
            data-testid={testId}
            onChange={(e) => {
              expiry.setValue(e.target.value);
              onEdit();
            }}
          >
            {expiry.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
      </div>

      {expiry.value === "custom" && (
        <div className="field">
          <label htmlFor={ids.custom}>Expires at</label>
          <input
            id={ids.custom}
            type="datetime-local"
            value={expiry.customAt}
            min={toDateTimeLocal(now)}
            max={toDateTimeLocal(expiry.maxAt)}
            aria-invalid={error ? true : undefined}
            data-testid={`${testId}-custom`}
            onChange={(e) => {
              expiry.setCustomAt(e.target.value);
              onEdit();
            }}
          />
        </div>
      )}

      {error ? (
        <FieldError id={`${ids.select}-error`}>{error}</FieldError>
      ) : (
        <p id={`${ids.select}-hint`} className="hint expiry-summary" data-testid="expiry-summary">
          {choice?.kind === "never"
            ? "This token never expires. Revoke it when it is no longer needed."
            : expiresAt !== null
              ? `Expires ${formatDateTime(expiresAt)} (${formatRelative(expiresAt, now)}).`
              : null}
        </p>
      )}
    </>
  );
}
