import type { Ref } from "react";
import type { SortDir, SortKey, TokenMeta, TokenStatus } from "../api";
import { formatDate, formatDateTime, formatRelative } from "../lib/format";
import { RowActions } from "./RowActions";
import { SmallButton } from "./SmallButton";

export const STATUS_LABELS: Record<TokenStatus, string> = {
  active: "Active",
  expired: "Expired",
  revoked: "Revoked",
  suspended: "Suspended",
};

const STATUS_TITLES: Partial<Record<TokenStatus, string>> = {
  suspended: "Its owner is disabled or removed; it works again only if the owner is re-enabled.",
};

interface Column {
  key: SortKey | null;
  label: string;
  className?: string;
}

const COLUMNS: Column[] = [
  { key: "name", label: "Name", className: "col-name" },
  { key: null, label: "Owner", className: "col-owner" },
  { key: "created", label: "Created" },
  { key: "expires", label: "Expires" },
  { key: "status", label: "Status" },
  { key: "last_used", label: "Last used" },
  { key: null, label: "Tags" },
  { key: null, label: "Actions", className: "col-actions" },
];

interface TokenTableProps {
  items: TokenMeta[];
  now: number;
  sort: SortKey;
  dir: SortDir;
  busy: boolean;
  /** Adds an Owner column (the all-authorizations view). */
  showOwner?: boolean;
  onSort: (key: SortKey) => void;
  /** Opens the detail panel; the row's name is its button. */
  onDetails: (token: TokenMeta) => void;
  onRename: (token: TokenMeta) => void;
  onRevoke: (token: TokenMeta) => void;
  /** Offered where `mayRotate` allows it (active and suspended tokens not rotated yet). */
  onRotate: (token: TokenMeta) => void;
  mayRotate: (token: TokenMeta) => boolean;
  /** Row checkboxes for bulk revoke: the ids ticked, on this page or others. */
  selected: ReadonlySet<string>;
  /** Ticks (or unticks) these rows. */
  onSelect: (tokens: TokenMeta[], selected: boolean) => void;
  registerRow: (id: string, row: HTMLTableRowElement | null) => void;
  /** Compact rows: less padding, one line per row (the description only on hover). */
  compact?: boolean;
  /** The table's box, whose top a page change brings into view. */
  wrapRef?: Ref<HTMLDivElement>;
}

function When({ at, now, relative }: { at: number; now: number; relative: boolean }) {
  return (
    <time dateTime={new Date(at).toISOString()} title={formatDateTime(at)}>
      {relative ? formatRelative(at, now) : formatDate(at)}
    </time>
  );
}

const NOT_TICKABLE = "Only active and suspended authorizations can be revoked.";

/** Bulk revoke takes active and suspended tokens only; the other rows cannot be ticked. */
export function revocable(t: TokenMeta): boolean {
  return t.status === "active" || t.status === "suspended";
}

/** A rotated token works beside its successor until its grace ends (its expiry, which the
 * Expires column shows); the tag stays short so the table keeps its columns. */
function RotatedTag({ t }: { t: TokenMeta }) {
  const until = revocable(t) && t.expiresAt !== null ? t.expiresAt : null;
  const title =
    until === null
      ? "Replaced by a new token through rotation"
      : `Replaced by a new token through rotation; works until ${formatDateTime(until)}`;
  return (
    <span className="pill pill-rotated" data-testid="rotated-tag" title={title}>
      Rotated
    </span>
  );
}

/** The header's checkbox: every tickable row of the page, ticked, unticked or some of them. */
function SelectPage({
  items,
  selected,
  onSelect,
}: {
  items: TokenMeta[];
  selected: ReadonlySet<string>;
  onSelect: (tokens: TokenMeta[], selected: boolean) => void;
}) {
  const tickable = items.filter(revocable);
  const ticked = tickable.filter((t) => selected.has(t.id)).length;
  const all = tickable.length > 0 && ticked === tickable.length;
  return (
    <input
      ref={(box) => {
        if (box) box.indeterminate = ticked > 0 && !all;
      }}
      type="checkbox"
      aria-label="Select all on this page"
      checked={all}
      disabled={tickable.length === 0}
      data-testid="select-page"
      onChange={(e) => {
        onSelect(tickable, e.target.checked);
      }}
    />
  );
}

function revokedTitle(t: TokenMeta): string | undefined {
  if (t.revokedAt === null) return undefined;
  const reason = t.revokeReason ? `: ${t.revokeReason}` : "";
  return `Revoked ${formatDateTime(t.revokedAt)}${reason}`;
}

export function TokenTable({
  items,
  now,
  sort,
  dir,
  busy,
  showOwner = false,
  onSort,
  onDetails,
  onRename,
  onRevoke,
  onRotate,
  mayRotate,
  selected,
  onSelect,
  registerRow,
  compact = false,
  wrapRef,
}: TokenTableProps) {
  const columns = showOwner ? COLUMNS : COLUMNS.filter((c) => c.label !== "Owner");
  return (
    <div className="table-wrap" ref={wrapRef}>
      <table
        className={compact ? "tokens density-compact" : "tokens"}
        aria-busy={busy}
        aria-label="Authorizations"
      >
        <thead>
          <tr>
            <th scope="col" className="col-select">
              <SelectPage items={items} selected={selected} onSelect={onSelect} />
            </th>
            {columns.map((c) => {
              if (c.key === null)
                return (
                  <th key={c.label} scope="col" className={c.className}>
                    {c.label}
                  </th>
                );
              const key = c.key;
              const active = sort === key;
              return (
                <th
                  key={c.label}
                  scope="col"
                  className={c.className}
                  aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"}
                >
                  <button
                    type="button"
                    className={`sort-button${active ? " sorted" : ""}`}
                    data-testid={`sort-${key}`}
                    onClick={() => {
                      onSort(key);
                    }}
                  >
                    {c.label}
                    <span className="sort-arrow" aria-hidden="true">
                      {active ? (dir === "asc" ? "▲" : "▼") : "↕"}
                    </span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {items.map((t) => (
            <tr
              key={t.id}
              ref={(row) => {
                registerRow(t.id, row);
              }}
              className={`row-${t.status}`}
              data-testid="token-row"
              data-token-id={t.id}
              data-status={t.status}
            >
              <td className="col-select">
                <input
                  type="checkbox"
                  aria-label={`Select ${t.name}`}
                  title={revocable(t) ? undefined : NOT_TICKABLE}
                  checked={selected.has(t.id)}
                  disabled={!revocable(t)}
                  data-testid="row-select"
                  onChange={(e) => {
                    onSelect([t], e.target.checked);
                  }}
                />
              </td>
              <td className="col-name">
                <div className="token-cell">
                  <button
                    type="button"
                    className="token-name token-name-button"
                    title={t.description || undefined}
                    aria-haspopup="dialog"
                    data-testid="details-button"
                    onClick={() => {
                      onDetails(t);
                    }}
                  >
                    {t.name}
                  </button>
                  <div className="token-meta">
                    <code className="hint">{t.displayHint}</code>
                    {t.description && (
                      <span className="token-description" title={t.description}>
                        {t.description}
                      </span>
                    )}
                  </div>
                </div>
              </td>
              {showOwner && (
                <td className="col-owner" data-testid="owner-cell">
                  <div
                    className="owner-name"
                    title={t.createdBy !== t.ownerId ? `Created by ${t.createdByName}` : undefined}
                  >
                    {t.ownerName}
                  </div>
                  {t.createdBy !== t.ownerId && (
                    <div className="token-meta owner-created-by">created by {t.createdByName}</div>
                  )}
                </td>
              )}
              <td className="nowrap">
                <When at={t.createdAt} now={now} relative={false} />
              </td>
              <td className="nowrap">
                {t.expiresAt === null ? (
                  <span className="muted">Never</span>
                ) : (
                  <When at={t.expiresAt} now={now} relative />
                )}
              </td>
              <td>
                <span
                  className={`badge badge-${t.status}`}
                  data-testid="status-badge"
                  title={revokedTitle(t) ?? STATUS_TITLES[t.status]}
                >
                  {STATUS_LABELS[t.status]}
                </span>
              </td>
              <td className="nowrap">
                {t.lastUsedAt === null ? (
                  <span className="muted">Never</span>
                ) : (
                  <When at={t.lastUsedAt} now={now} relative />
                )}
              </td>
              <td>
                <div className="row-tags">
                  {t.kind === "impersonation" && (
                    <span className="pill pill-impersonation" data-testid="impersonation-tag">
                      Impersonation
                    </span>
                  )}
                  {t.kind === "service" && (
                    <span className="pill pill-service" data-testid="tag-service">
                      Service
                    </span>
                  )}
                  {t.rotatedTo !== undefined && <RotatedTag t={t} />}
                </div>
              </td>
              <td className="col-actions">
                <RowActions closed={t.status === "revoked"}>
                  <SmallButton
                    aria-label={`Rename ${t.name}`}
                    data-testid="rename-button"
                    onClick={() => {
                      onRename(t);
                    }}
                  >
                    Rename
                  </SmallButton>
                  {mayRotate(t) && (
                    <SmallButton
                      aria-label={`Rotate ${t.name}`}
                      aria-haspopup="dialog"
                      data-testid="rotate-button"
                      onClick={() => {
                        onRotate(t);
                      }}
                    >
                      Rotate…
                    </SmallButton>
                  )}
                  <SmallButton
                    className="button-danger-outline"
                    aria-label={`Revoke ${t.name}`}
                    data-testid="revoke-button"
                    onClick={() => {
                      onRevoke(t);
                    }}
                  >
                    Revoke
                  </SmallButton>
                </RowActions>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
