// Mirrors the server's rules (core/src/validate.rs) for instant feedback; the server stays the
// authority and its messages are always shown.

export const NAME_MAX = 100;
export const DESCRIPTION_MAX = 1_000;
export const REASON_MAX = 500;

// Unicode scalar values, as Rust counts `chars()`.
const length = (s: string) => Array.from(s).length;

export function nameProblem(raw: string): string | null {
  const name = raw.trim();
  if (name === "") return "A name is required.";
  if (/[\r\n]/.test(name)) return "A name cannot contain line breaks.";
  if (length(name) > NAME_MAX) return `A name has at most ${NAME_MAX} characters.`;
  return null;
}

export function textProblem(raw: string, what: string, max: number): string | null {
  if (length(raw.trim()) > max) return `The ${what} has at most ${max} characters.`;
  return null;
}

// core/src/password.rs
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1_024;

export function passwordProblem(pw: string): string | null {
  const n = length(pw);
  if (n < PASSWORD_MIN) return `A password has at least ${PASSWORD_MIN} characters.`;
  if (n > PASSWORD_MAX) return `A password has at most ${PASSWORD_MAX} characters.`;
  return null;
}

/** A quick check only; the server's rules (core/src/service/users.rs) decide. */
export function emailProblem(raw: string): string | null {
  const e = raw.trim();
  if (e === "") return "An email address is required.";
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) return `“${e}” is not a valid email address.`;
  return null;
}

/** A new password typed twice: its first problem, under the input it belongs to. */
export function newPasswordProblems(
  password: string,
  confirm: string,
): { password?: string; confirm?: string } {
  const weak = passwordProblem(password);
  if (weak) return { password: weak };
  if (confirm !== password) return { confirm: "The passwords do not match." };
  return {};
}
