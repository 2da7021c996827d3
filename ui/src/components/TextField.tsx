// Labelled inputs tie their inline error or hint to aria-invalid and aria-describedby one way.
import { useId, type ComponentProps, type ReactNode } from "react";
import { FieldError } from "./FieldError";

export type TextFieldProps = Omit<ComponentProps<"input">, "id" | "aria-invalid" | "aria-describedby"> & {
  label: ReactNode;
  /** Shown under the input and marks it invalid; replaces the hint while present. */
  error?: string | null | undefined;
  hint?: ReactNode;
  /** The error is shown elsewhere (one message for several inputs): point there instead. */
  errorId?: string | undefined;
};

export function TextField({ label, error, hint, errorId, ...input }: TextFieldProps) {
  const id = useId();
  const describedBy = error
    ? (errorId ?? `${id}-error`)
    : hint !== undefined
      ? `${id}-hint`
      : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        {...input}
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {error
        ? errorId === undefined && <FieldError id={`${id}-error`}>{error}</FieldError>
        : hint !== undefined && (
            <p id={`${id}-hint`} className="hint">
              {hint}
            </p>
          )}
    </div>
  );
}

type PasswordFieldProps = Omit<TextFieldProps, "type" | "autoComplete"> & {
  autoComplete?: "new-password" | "current-password";
};

/** Passwords stay in the input (read through a ref), which offers to suggest a new one by default. */
export function PasswordField({ autoComplete = "new-password", ...field }: PasswordFieldProps) {
  return <TextField {...field} type="password" autoComplete={autoComplete} />;
}
