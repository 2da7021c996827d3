// A token shown once must not vanish under the person's eyes: while a reveal dialog is open,
// events from outside the window (a notification's click, the tray menu) wait, instead of
// switching pages and unmounting the dialog with the only copy of the token.

let open = 0;
let waiting: (() => void)[] = [];

/** The reveal dialog calls this while it is shown; call the result when it closes. */
export function revealShown(): () => void {
  open += 1;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    open -= 1;
    if (open === 0) {
      const run = waiting;
      waiting = [];
      for (const f of run) f();
    }
  };
}

/** Runs `f` now, or once no reveal dialog is open. */
export function afterReveals(f: () => void): void {
  if (open === 0) f();
  else waiting.push(f);
}
