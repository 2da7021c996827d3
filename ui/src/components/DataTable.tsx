// The plain (unsorted) tables share one wrapper and one way of heading their columns.
import type { ReactNode } from "react";

export interface DataColumn {
  label: string;
  className?: string;
  /** Announced to screen readers but not shown. */
  hidden?: boolean;
}

interface DataTableProps {
  /** The table's accessible name. */
  label: string;
  /** Added to the shared "tokens" table style. */
  className: string;
  columns: readonly DataColumn[];
  busy?: boolean;
  children: ReactNode;
}

export function DataTable({ label, className, columns, busy, children }: DataTableProps) {
  return (
    <div className="table-wrap">
      <table className={`tokens ${className}`} aria-label={label} aria-busy={busy}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={c.className}>
                {c.hidden ? <span className="visually-hidden">{c.label}</span> : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
