import type { ReactNode } from "react";

/** An inline form message, announced when it appears. */
export function FieldError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} className="field-error" role="alert" data-testid="field-error">
      {children}
    </p>
  );
}
