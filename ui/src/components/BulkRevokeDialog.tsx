// Bulk revoke asks once for many tokens: after a dry run it names how many and which, takes an
// optional reason, and revokes them in one call; the lists' filters become its TokenFilter.
import { useId, useRef, useState, type SyntheticEvent } from "react";
import {
  bulkRevoke,
  type ApiError,
  type BulkRevokeRequest,
  type BulkRevokeResult,
  type ListQuery,
  type TokenFilter,
} from "../api";
import { submitOnCtrlEnter } from "../lib/keys";
import { REASON_MAX, textProblem } from "../lib/validate";
import { Alert } from "./Alert";
import { DialogActions } from "./DialogActions";
import { FieldError } from "./FieldError";
import { Modal } from "./Modal";

/** The most tokens the dialog names; the rest are counted. */
export const BULK_LISTED = 20;

/** "1 authorization", "12 authorizations". */
export function authorizations(n: number): string {
  return `${n.toLocaleString("en")} ${n === 1 ? "authorization" : "authorizations"}`;
}

/** What a list shows, as a bulk revoke's filter: everything but status (bulk revoke takes active
 * and suspended tokens only), order and paging. */
export function tokenFilterFrom(query: ListQuery): TokenFilter {
  const { scope, ownerId, kind, unusedForDays, tenantId, expiringBefore, expiringWithinDays } = query;
  const { search } = query;
  return {
    scope,
    ...(ownerId !== undefined ? { ownerId } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(unusedForDays !== undefined ? { unusedForDays } : {}),
    ...(tenantId !== undefined ? { tenantId } : {}),
    ...(expiringBefore !== undefined ? { expiringBefore } : {}),
    ...(expiringWithinDays !== undefined ? { expiringWithinDays } : {}),
    ...(search !== undefined && search !== "" ? { search } : {}),
  };
}

/** Which tokens: those ticked, or all a list's filters match. */
export type BulkTarget = Pick<BulkRevokeRequest, "ids" | "filter">;

interface BulkRevokeDialogProps {
  target: BulkTarget;
  /** The dry run's answer for `target`: the count and the tokens. */
  preview: BulkRevokeResult;
  onCancel: () => void;
  onRevoked: (result: BulkRevokeResult) => void;
  returnFocus: () => HTMLElement | null;
}

export function BulkRevokeDialog({
  target,
  preview,
  onCancel,
  onRevoked,
  returnFocus,
}: BulkRevokeDialogProps) {
  const [reason, setReason] = useState("");
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  const { count } = preview;

  async function submit(e?: SyntheticEvent) {
    e?.preventDefault();
    if (submitting) return;
    const tooLong = textProblem(reason, "reason", REASON_MAX);
    setProblem(tooLong);
    if (tooLong) {
      reasonRef.current?.focus();
      return;
    }
    setSubmitting(true);
    setError(null);
    const trimmed = reason.trim();
    const request = { ...target, dryRun: false, ...(trimmed !== "" ? { reason: trimmed } : {}) };
    try {
      onRevoked(await bulkRevoke(request));
    } catch (err) {
      setError((err as ApiError).message);
      setSubmitting(false);
    }
  }

  if (count === 0) {
    return (
      <Modal
        title="Nothing to revoke"
        onClose={onCancel}
        initialFocus={closeRef}
        returnFocus={returnFocus}
        size="small"
        testId="bulk-dialog"
      >
        <p data-testid="bulk-none">
          {target.ids
            ? "Nothing matches: none of the selected authorizations is active or suspended."
            : "Nothing matches: no active or suspended authorization matches the current filters."}
        </p>
        <div className="modal-actions">
          <button
            ref={closeRef}
            type="button"
            className="button"
            data-testid="bulk-close"
            onClick={onCancel}
          >
            Close
          </button>
        </div>
      </Modal>
    );
  }

  const listed = preview.tokens.slice(0, BULK_LISTED);
  const more = count - listed.length;

  return (
    <Modal
      title={`Revoke ${authorizations(count)}?`}
      onClose={onCancel}
      initialFocus={reasonRef}
      returnFocus={returnFocus}
      testId="bulk-dialog"
    >
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <p className="danger-text">
          This takes effect immediately and cannot be undone. Anything using{" "}
          {count === 1 ? "this token" : "these tokens"} will stop working.
        </p>
        <ul className="bulk-list" aria-label="To revoke" data-testid="bulk-list">
          {listed.map((t) => (
            <li key={t.id} data-testid="bulk-item" data-token-id={t.id}>
              <span className="name-text bulk-name">{t.name}</span>{" "}
              <span className="muted">{t.ownerName}</span>{" "}
              <code className="hint">{t.displayHint}</code>
            </li>
          ))}
        </ul>
        {more > 0 && (
          <p className="muted" data-testid="bulk-more">
            and {more.toLocaleString("en")} more
          </p>
        )}
        <div className="field">
          <label htmlFor={id}>
            Reason <span className="optional">(optional)</span>
          </label>
          <textarea
            ref={reasonRef}
            id={id}
            rows={2}
            value={reason}
            aria-describedby={problem ? `${id}-error` : undefined}
            data-testid="bulk-reason"
            onChange={(e) => {
              setReason(e.target.value);
              setProblem(null);
            }}
            onKeyDown={(e) => {
              submitOnCtrlEnter(e, () => void submit());
            }}
          />
        </div>
        {problem && <FieldError id={`${id}-error`}>{problem}</FieldError>}
        {error && <Alert testId="dialog-alert">{error}</Alert>}
        <DialogActions
          onCancel={onCancel}
          submitting={submitting}
          label={`Revoke ${count.toLocaleString("en")}`}
          busyLabel="Revoking…"
          testId="bulk-confirm"
          danger
        />
      </form>
    </Modal>
  );
}
