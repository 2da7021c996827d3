import type { ExpiryChoice, ExpiryPreset } from "../api";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const rtf = new Intl.RelativeTimeFormat("en", { numeric: "always" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** "in 30 days", "2 hours ago", "just now". */
export function formatRelative(at: number, now: number): string {
  const diff = at - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return "just now";
  if (abs < HOUR) return rtf.format(Math.round(diff / MINUTE), "minute");
  if (abs < DAY) return rtf.format(Math.round(diff / HOUR), "hour");
  const days = Math.round(diff / DAY);
  if (Math.abs(days) < 100) return rtf.format(days, "day");
  if (Math.abs(days) < 365) return rtf.format(Math.round(days / 30), "month");
  return rtf.format(Math.round(days / 365), "year");
}

export function formatDateTime(at: number): string {
  return absolute.format(new Date(at));
}

export function formatDate(at: number): string {
  return dateOnly.format(new Date(at));
}

export const PRESET_LABELS: Record<ExpiryPreset, string> = {
  one_hour: "1 hour",
  one_day: "1 day",
  seven_days: "7 days",
  thirty_days: "30 days",
  sixty_days: "60 days",
  ninety_days: "90 days",
  one_year: "1 year",
};

/** The value an expiry choice has in the expiry selects: the preset, "custom" or "never". */
export function choiceValue(choice: ExpiryChoice): string {
  switch (choice.kind) {
    case "preset":
      return choice.preset;
    case "custom":
      return "custom";
    case "never":
      return "never";
  }
}

export const PRESET_DURATIONS: Record<ExpiryPreset, number> = {
  one_hour: HOUR,
  one_day: DAY,
  seven_days: 7 * DAY,
  thirty_days: 30 * DAY,
  sixty_days: 60 * DAY,
  ninety_days: 90 * DAY,
  one_year: 365 * DAY,
};

export { DAY, HOUR, MINUTE };

/** `yyyy-MM-ddTHH:mm` in local time, the value format of `<input type="datetime-local">`. */
export function toDateTimeLocal(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The instant a `datetime-local` value names, in ms since the epoch; null if it names none. */
export function fromDateTimeLocal(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  const ms = date.getTime();
  return Number.isNaN(ms) ? null : ms;
}

/** The local midnight starting a `<input type="date">` value (`yyyy-MM-dd`); null if none. */
export function fromDateInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const [, y, mo, d] = m;
  const ms = new Date(Number(y), Number(mo) - 1, Number(d)).getTime();
  return Number.isNaN(ms) ? null : ms;
}

/** The local midnight ending that day: an exclusive upper bound that includes the whole day. */
export function endOfDateInput(value: string): number | null {
  const start = fromDateInput(value);
  if (start === null) return null;
  const d = new Date(start);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
}
