// The policy and service forms label their checkboxes the same way, the text inside the label.
import type { ReactNode } from "react";

interface CheckProps {
  id?: string;
  checked: boolean;
  testId: string;
  onChange: (checked: boolean) => void;
  children: ReactNode;
}

export function Check({ id, checked, testId, onChange, children }: CheckProps) {
  return (
    <label className="check">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        data-testid={testId}
        onChange={(e) => {
          onChange(e.target.checked);
        }}
      />
      {children}
    </label>
  );
}
