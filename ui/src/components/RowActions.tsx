// A table row that can no longer be acted on (revoked, removed) shows a dash instead of its buttons.
import type { ReactNode } from "react";

export function RowActions({ closed, children }: { closed: boolean; children: ReactNode }) {
  return closed ? (
    <span className="muted" aria-label="No actions">
      —
    </span>
  ) : (
    <div className="row-actions">{children}</div>
  );
}
