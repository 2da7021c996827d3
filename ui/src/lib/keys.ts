// Enter adds a line in a textarea, so dialogs with one submit on Ctrl+Enter (⌘+Enter) instead.
import type { KeyboardEvent } from "react";

export function submitOnCtrlEnter(e: KeyboardEvent<HTMLTextAreaElement>, submit: () => void) {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    submit();
  }
}
