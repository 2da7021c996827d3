// After a page turn (First, Previous, Next, Last) the new page's rows replace the old ones in place, and the window stays
// scrolled down by the pager: the reader would land on the new page's last rows. Once the new
// page is shown, this brings the table's top into view and focus to its first row.
import { useEffect, useRef, type RefObject } from "react";

/** The pager's buttons, by test id. */
export type PagerButton = "page-first" | "page-previous" | "page-next" | "page-last";

/** Where focus goes when the button clicked is disabled on the new page (at either end). */
const NEIGHBOUR: Record<PagerButton, PagerButton> = {
  "page-next": "page-previous",
  "page-last": "page-previous",
  "page-previous": "page-next",
  "page-first": "page-next",
};

interface PageTurnOptions<T> {
  /** Where the listing is now; a turn completes once it is the one asked for. Any other
   * change (filters, sorting) drops the turn: those keep focus where the reader is typing. */
  at: T;
  /** The rows of `at` are shown (not the last page's, kept while the new one loads). */
  shown: boolean;
  /** The new page could not be read: the alert says so, and focus stays put. */
  failed: boolean;
  /** The table, whose top is brought into view; null without rows. */
  table: RefObject<HTMLElement | null>;
  /** The pager: focus stays there when the new page has no rows. */
  pager: RefObject<HTMLElement | null>;
  /** The first row's focus target, or null when the page has no rows. */
  firstRow: () => HTMLElement | null;
  /** Focus when neither a row nor a pager button can take it. */
  heading: RefObject<HTMLElement | null>;
}

interface Turn<T> {
  to: T;
  from: PagerButton;
}

/** Whether focus is still where the turn left it: on the pager, or nowhere (the button
 * clicked is disabled, or the pager hidden, while the page loads). */
function focusUnmoved(pager: HTMLElement | null): boolean {
  const active = document.activeElement;
  return active === null || active === document.body || (pager?.contains(active) ?? false);
}

/** Scrolls only when the table's top (or its first row) is out of sight. Instant, never
 * smooth: that also respects prefers-reduced-motion. The window scrolls in this layout; the
 * table's scroll-margin-top keeps it clear of the sticky impersonation banner. */
function bringIntoView(table: HTMLElement, first: HTMLElement) {
  const margin = Number.parseFloat(getComputedStyle(table).scrollMarginTop) || 0;
  const above = table.getBoundingClientRect().top < margin;
  const below = first.getBoundingClientRect().bottom > window.innerHeight;
  if (above || below) table.scrollIntoView({ block: "start", behavior: "instant" });
}

/** Returns `turn(to, from)`: call it with the listing position that Next or Previous leads to. */
export function usePageTurn<T>({
  at,
  shown,
  failed,
  table,
  pager,
  firstRow,
  heading,
}: PageTurnOptions<T>): (to: T, from: PagerButton) => void {
  const pending = useRef<Turn<T> | null>(null);

  useEffect(() => {
    const turn = pending.current;
    if (turn === null) return;
    if (turn.to !== at || failed) {
      pending.current = null;
      return;
    }
    if (!shown) return;
    pending.current = null;
    // The reader moved on while the page loaded: leave them there.
    if (!focusUnmoved(pager.current)) return;
    const first = firstRow();
    if (first !== null) {
      // Focus first without the browser's own scrolling, which would hide the column headers.
      first.focus({ preventScroll: true });
      if (table.current !== null) bringIntoView(table.current, first);
      return;
    }
    const buttons = pager.current;
    const enabled = (b: PagerButton) =>
      buttons?.querySelector<HTMLElement>(`[data-testid="${b}"]:not(:disabled)`) ?? null;
    const stay =
      enabled(turn.from) ??
      enabled(NEIGHBOUR[turn.from]) ??
      buttons?.querySelector<HTMLElement>("button:not(:disabled)") ??
      heading.current;
    stay?.focus();
  }, [at, shown, failed, table, pager, firstRow, heading]);

  return (to, from) => {
    pending.current = { to, from };
  };
}
