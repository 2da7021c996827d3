// Filter toolbars label each control alike, and their selects all start with an "any" choice.
import type { ReactNode } from "react";

export function Filter({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="filter">
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

interface SelectFilterProps {
  id: string;
  label: string;
  testId: string;
  value: string;
  /** The label of the empty choice that turns the filter off. */
  anyLabel: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
}

export function SelectFilter({ id, label, testId, value, anyLabel, options, onChange }: SelectFilterProps) {
  return (
    <Filter id={id} label={label}>
      <select
        id={id}
        value={value}
        data-testid={testId}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      >
        <option value="">{anyLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Filter>
  );
}
