import {
  useEffect,
  useEffectEvent,
  useId,
  useRef,
  type KeyboardEvent,
  type ReactNode,
  type RefObject,
} from "react";
import { createPortal } from "react-dom";

const FOCUSABLE = [
  "a[href]",
  "button:not([disabled])",
  'input:not([disabled]):not([type="hidden"])',
  "select:not([disabled])",
  "textarea:not([disabled])",
  '[tabindex]:not([tabindex="-1"])',
].join(",");

function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => !el.closest("[hidden]"),
  );
}

export interface ModalProps {
  title: ReactNode;
  /** Called on Escape. The owner decides what closing means (it may refuse or ask first). */
  onClose: () => void;
  children: ReactNode;
  /** Receives focus on open; otherwise the first focusable element does. */
  initialFocus?: RefObject<HTMLElement | null>;
  /** Where focus goes on close; by default the element that had it when the dialog opened. */
  returnFocus?: () => HTMLElement | null;
  size?: "small" | "medium" | "large" | "wide";
  testId?: string;
}

/**
 * An accessible modal dialog: role="dialog" with aria-modal, labelled by its title, focus moved
 * in on open, Tab kept inside, Escape reported to the owner, focus given back on close.
 * A plain element rather than <dialog>.showModal(), which jsdom lacks.
 */
export function Modal({
  title,
  onClose,
  children,
  initialFocus,
  returnFocus,
  size = "medium",
  testId,
}: ModalProps) {
  const titleId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);

  const focusInitial = useEffectEvent(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    const target = initialFocus?.current ?? focusables(dialog)[0] ?? dialog;
    target.focus();
  });

  const restoreFocus = useEffectEvent((opener: Element | null) => {
    const target = returnFocus?.() ?? (opener instanceof HTMLElement ? opener : null);
    if (target?.isConnected) target.focus();
  });

  useEffect(() => {
    const opener = document.activeElement;
    focusInitial();
    // Focus that escapes (a click on the backdrop, a programmatic focus) is brought back.
    const onFocusIn = (e: FocusEvent) => {
      const dialog = dialogRef.current;
      if (dialog && e.target instanceof Node && !dialog.contains(e.target)) {
        (focusables(dialog)[0] ?? dialog).focus();
      }
    };
    document.addEventListener("focusin", onFocusIn);
    return () => {
      document.removeEventListener("focusin", onFocusIn);
      restoreFocus(opener);
    };
  }, []);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== "Tab") return;
    const dialog = dialogRef.current;
    if (!dialog) return;
    const items = focusables(dialog);
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) {
      e.preventDefault();
      return;
    }
    const active = document.activeElement;
    if (e.shiftKey && (active === first || active === dialog)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  }

  return createPortal(
    <div className="modal-backdrop">
      <div
        ref={dialogRef}
        className={`modal modal-${size}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
        data-testid={testId}
      >
        <h2 id={titleId} className="modal-title">
          {title}
        </h2>
        {children}
      </div>
    </div>,
    document.body,
  );
}
