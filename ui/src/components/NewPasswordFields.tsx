// Setting and changing a password both ask for the new one twice (checked by newPasswordProblems).
import type { Ref } from "react";
import { PasswordField } from "./TextField";

interface NewPasswordFieldsProps {
  passwordRef: Ref<HTMLInputElement>;
  confirmRef: Ref<HTMLInputElement>;
  problems: { password?: string | undefined; confirm?: string | undefined };
  confirmLabel: string;
  hint?: string;
  /** The new password's, then the confirmation's. */
  testIds: readonly [string, string];
}

export function NewPasswordFields({
  passwordRef,
  confirmRef,
  problems,
  confirmLabel,
  hint,
  testIds,
}: NewPasswordFieldsProps) {
  return (
    <>
      <PasswordField
        ref={passwordRef}
        label="New password"
        error={problems.password}
        hint={hint}
        data-testid={testIds[0]}
      />
      <PasswordField
        ref={confirmRef}
        label={confirmLabel}
        error={problems.confirm}
        data-testid={testIds[1]}
      />
    </>
  );
}
