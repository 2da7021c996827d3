// Rotating a token replaces it with a new one shown once, while the old one keeps working for a
// grace period the person chooses: time to move whatever uses it over before it stops.
import { useId, useRef, useState } from "react";
import {
  rotateToken,
  type CreatedToken,
  type RotationGrace,
  type SessionInfo,
  type TokenMeta,
} from "../api";
import { ConfirmDialog } from "./ConfirmDialog";

interface RotateDialogProps {
  token: TokenMeta;
  onCancel: () => void;
  /** The successor, with the token itself: for the reveal dialog, once. */
  onRotated: (created: CreatedToken) => void;
  returnFocus: () => HTMLElement | null;
}

/** Exhaustive: a grace added in Rust fails the typecheck until it is offered here. */
const GRACE_LABELS: Record<RotationGrace, string> = {
  none: "None — stops now",
  one_hour: "1 hour",
  one_day: "1 day",
  seven_days: "7 days",
};

const GRACES = Object.keys(GRACE_LABELS) as RotationGrace[];

export const DEFAULT_GRACE: RotationGrace = "one_day";

/** Who may rotate a token: whoever may create its like, as Rust checks it (the kind, then
 * whether the actor owns it). */
export function canRotate(
  t: TokenMeta,
  session: Pick<SessionInfo, "actor" | "permissions" | "canCreateOwn">,
): boolean {
  if (t.status !== "active" && t.status !== "suspended") return false;
  if (t.rotatedTo !== undefined) return false;
  if (t.kind === "impersonation") return session.permissions.impersonate;
  if (t.ownerId === session.actor.id) return session.canCreateOwn;
  return session.permissions.createTokensForOthers;
}

export function RotateDialog({ token, onCancel, onRotated, returnFocus }: RotateDialogProps) {
  const [grace, setGrace] = useState<RotationGrace>(DEFAULT_GRACE);
  const checkedRef = useRef<HTMLInputElement>(null);
  const name = useId();

  return (
    <ConfirmDialog
      title={`Rotate “${token.name}”?`}
      testId="rotate-dialog"
      action={() => rotateToken(token.id, grace)}
      onDone={onRotated}
      onCancel={onCancel}
      returnFocus={returnFocus}
      initialFocus={checkedRef}
      label="Rotate"
      busyLabel="Rotating…"
      confirmTestId="rotate-submit"
    >
      <p>
        A new token replaces <code>{token.displayHint}</code>, with the same name, scopes, tenants
        and lifetime (counted from now). It is shown once.
      </p>
      <p>
        The old token keeps working for the grace period you choose, so you can move whatever uses
        it to the new one; then it expires. It never works past its current expiry.
      </p>
      <fieldset className="options" data-testid="rotate-grace">
        <legend>Grace period</legend>
        {GRACES.map((g) => (
          <div className="option" key={g}>
            <input
              ref={g === grace ? checkedRef : undefined}
              id={`${name}-${g}`}
              type="radio"
              name={name}
              value={g}
              checked={g === grace}
              data-testid={`rotate-grace-${g}`}
              onChange={() => {
                setGrace(g);
              }}
            />
            <label htmlFor={`${name}-${g}`}>{GRACE_LABELS[g]}</label>
          </div>
        ))}
      </fieldset>
    </ConfirmDialog>
  );
}
