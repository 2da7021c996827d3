// Row dialogs return focus to the button that opened them, or to the heading once the row is gone.
import { useRef } from "react";

export function useRowFocus() {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const rows = useRef(new Map<string, HTMLTableRowElement>());

  function registerRow(id: string, row: HTMLTableRowElement | null) {
    if (row) rows.current.set(id, row);
    else rows.current.delete(id);
  }

  function rowButton(id: string, testId: string): HTMLElement | null {
    const button = rows.current.get(id)?.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
    return button ?? headingRef.current;
  }

  return { headingRef, registerRow, rowButton };
}
