import { useEffect, useId, useMemo, useRef, useState } from "react";
import {
  exportAudit,
  listAudit,
  listUsers,
  verifyAuditChain,
  type ApiError,
  type AppInfo,
  type AuditEvent,
  type AuditQuery,
  type ChainReport,
  type ExportFormat,
  type User,
} from "../api";
import { endOfDateInput, formatDateTime, fromDateInput } from "../lib/format";

export const AUDIT_PAGE_SIZE = 100;

/** The actions the core records (core/src/service). */
export const AUDIT_ACTIONS = [
  "authority.created",
  "token.created",
  "token.renamed",
  "token.revoked",
  "user.created",
  "user.updated",
  "user.disabled",
  "user.enabled",
  "user.removed",
  "user.password_set",
  "user.password_changed",
  "user.signed_in",
  "user.sign_in_failed",
  "impersonation.started",
  "impersonation.stopped",
  "role.updated",
  "settings.changed",
] as const;

interface Filters {
  actorId: string;
  subjectId: string;
  action: string;
  /** `yyyy-MM-dd`, inclusive. */
  from: string;
  /** `yyyy-MM-dd`, inclusive (sent as the next midnight, exclusive). */
  to: string;
}

const NO_FILTERS: Filters = { actorId: "", subjectId: "", action: "", from: "", to: "" };

/** The filters as the server wants them; empty ones are left out. */
export function auditQuery(f: Filters): AuditQuery {
  const from = fromDateInput(f.from);
  const to = endOfDateInput(f.to);
  return {
    limit: AUDIT_PAGE_SIZE,
    ...(f.actorId.trim() ? { actorId: f.actorId.trim() } : {}),
    ...(f.subjectId.trim() ? { subjectId: f.subjectId.trim() } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(from !== null ? { from } : {}),
    ...(to !== null ? { to } : {}),
  };
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/**
 * Details as one line of plain text: `key: value`, and `key: old → new` for the [old, new]
 * pairs that updates record (unchanged pairs are left out).
 */
export function formatDetails(details: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(details);
  } catch {
    return details;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return details;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (Array.isArray(value) && value.length === 2) {
      const [before, after] = value as [unknown, unknown];
      if (JSON.stringify(before) === JSON.stringify(after)) continue;
      parts.push(`${key}: ${show(before)} → ${show(after)}`);
    } else {
      parts.push(`${key}: ${show(value)}`);
    }
  }
  return parts.join("; ");
}

function chainText(r: ChainReport): string {
  if (r.ok) return `Chain intact: ${r.eventsChecked} events checked`;
  return `Broken at event #${r.brokenAt ?? "?"}: ${r.problem ?? "unknown problem"}`;
}

function Who({ id, users }: { id: string; users: Map<string, User> | null }) {
  const user = users?.get(id);
  if (user) return <span title={user.email ?? id}>{user.displayName}</span>;
  return <code className="id">{id}</code>;
}

export function AuditPage({ info }: { info: AppInfo }) {
  const { permissions } = info.session;
  const canListUsers =
    permissions.manageUsers || permissions.impersonate || permissions.createTokensForOthers;
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [users, setUsers] = useState<User[] | null>(null);
  const [items, setItems] = useState<AuditEvent[]>([]);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [loadedKey, setLoadedKey] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const [chain, setChain] = useState<ChainReport | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const ids = { actor: useId(), subject: useId(), action: useId(), from: useId(), to: useId() };

  const query = useMemo(() => auditQuery(filters), [filters]);
  const key = `${JSON.stringify(query)}#${reloads}`;
  const loading = loadedKey !== key;
  // The listing a "Load more" answer must still belong to.
  const currentKey = useRef(key);

  useEffect(() => {
    if (!canListUsers) return;
    let current = true;
    listUsers().then(
      (list) => {
        if (current) setUsers(list);
      },
      () => {
        // Names fall back to ids.
      },
    );
    return () => {
      current = false;
    };
  }, [canListUsers]);

  useEffect(() => {
    let current = true;
    currentKey.current = key;
    listAudit(query).then(
      (page) => {
        if (!current) return;
        setItems(page.items);
        setNextBefore(page.nextBefore);
        setError(null);
        setLoadedKey(key);
      },
      (e: unknown) => {
        if (!current) return;
        setError((e as ApiError).message);
        setLoadedKey(key);
      },
    );
    return () => {
      current = false;
    };
  }, [query, key]);

  const byId = useMemo(() => (users ? new Map(users.map((u) => [u.id, u])) : null), [users]);

  function set<K extends keyof Filters>(field: K, value: Filters[K]) {
    setFilters((f) => ({ ...f, [field]: value }));
  }

  async function loadMore() {
    if (nextBefore === null || loadingMore) return;
    setLoadingMore(true);
    const wanted = key;
    try {
      const page = await listAudit({ ...query, beforeSeq: nextBefore });
      // Filters changed meanwhile: this page belongs to another listing.
      if (wanted !== currentKey.current) return;
      setItems((list) => [...list, ...page.items]);
      setNextBefore(page.nextBefore);
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setLoadingMore(false);
    }
  }

  async function verify() {
    setVerifying(true);
    setActionError(null);
    setChain(null);
    try {
      setChain(await verifyAuditChain());
    } catch (e) {
      setActionError((e as ApiError).message);
    } finally {
      setVerifying(false);
    }
  }

  async function exportAs(format: ExportFormat) {
    setExporting(format);
    setActionError(null);
    setSaved(null);
    try {
      setSaved(await exportAudit(format, query));
    } catch (e) {
      setActionError((e as ApiError).message);
    } finally {
      setExporting(null);
    }
  }

  function whoFilter(field: "actorId" | "subjectId", id: string, label: string) {
    return (
      <div className="filter">
        <label htmlFor={id}>{label}</label>
        {users ? (
          <select
            id={id}
            value={filters[field]}
            data-testid={`audit-${field === "actorId" ? "actor" : "subject"}`}
            onChange={(e) => {
              set(field, e.target.value);
            }}
          >
            <option value="">Anyone</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.displayName}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            type="text"
            placeholder="User id"
            autoComplete="off"
            spellCheck={false}
            value={filters[field]}
            data-testid={`audit-${field === "actorId" ? "actor" : "subject"}`}
            onChange={(e) => {
              set(field, e.target.value);
            }}
          />
        )}
      </div>
    );
  }

  return (
    <main className="page" data-testid="audit-page">
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>Audit</h1>
          <p className="muted">
            Every change, newest first. Each event is chained to the one before it, so an edit to
            the history shows up when the chain is verified.
          </p>
        </div>
        <div className="header-actions">
          <button
            type="button"
            className="button"
            disabled={verifying}
            data-testid="verify-chain"
            onClick={() => void verify()}
          >
            {verifying ? "Verifying…" : "Verify chain"}
          </button>
          <button
            type="button"
            className="button"
            disabled={exporting !== null}
            data-testid="export-csv"
            onClick={() => void exportAs("csv")}
          >
            {exporting === "csv" ? "Exporting…" : "Export CSV"}
          </button>
          <button
            type="button"
            className="button"
            disabled={exporting !== null}
            data-testid="export-json"
            onClick={() => void exportAs("json")}
          >
            {exporting === "json" ? "Exporting…" : "Export JSON"}
          </button>
        </div>
      </div>

      {chain && (
        <p
          className={chain.ok ? "notice notice-ok" : "notice notice-bad"}
          role="status"
          data-testid="chain-result"
          data-ok={chain.ok}
        >
          {chainText(chain)}
        </p>
      )}
      {saved !== null && (
        <p className="notice notice-ok" role="status" data-testid="export-result">
          Saved to <code>{saved}</code>
        </p>
      )}
      {actionError && (
        <div className="alert" role="alert" data-testid="audit-alert">
          <p>{actionError}</p>
        </div>
      )}

      <div className="toolbar toolbar-filters" role="group" aria-label="Filters">
        {whoFilter("actorId", ids.actor, "Actor")}
        {whoFilter("subjectId", ids.subject, "Subject")}
        <div className="filter">
          <label htmlFor={ids.action}>Action</label>
          <select
            id={ids.action}
            value={filters.action}
            data-testid="audit-action"
            onChange={(e) => {
              set("action", e.target.value);
            }}
          >
            <option value="">Any action</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.from}>From</label>
          <input
            id={ids.from}
            type="date"
            value={filters.from}
            max={filters.to || undefined}
            data-testid="audit-from"
            onChange={(e) => {
              set("from", e.target.value);
            }}
          />
        </div>
        <div className="filter">
          <label htmlFor={ids.to}>To</label>
          <input
            id={ids.to}
            type="date"
            value={filters.to}
            min={filters.from || undefined}
            data-testid="audit-to"
            onChange={(e) => {
              set("to", e.target.value);
            }}
          />
        </div>
      </div>

      {error && (
        <div className="alert" role="alert" data-testid="error-alert">
          <p>{error}</p>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              setReloads((r) => r + 1);
            }}
          >
            Try again
          </button>
        </div>
      )}

      {loadedKey === null && !error ? (
        <p className="muted loading" role="status">
          Loading…
        </p>
      ) : items.length === 0 && !loading && !error ? (
        <div className="empty empty-small" data-testid="no-results">
          <p>No events match.</p>
        </div>
      ) : (
        items.length > 0 && (
          <div className="table-wrap">
            <table className="tokens audit" aria-label="Audit events" aria-busy={loading}>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col" className="col-details">
                    Details
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => {
                  const details = formatDetails(e.details);
                  return (
                    <tr key={e.seq} data-testid="audit-row" data-seq={e.seq}>
                      <td className="nowrap">
                        <time dateTime={new Date(e.at).toISOString()}>{formatDateTime(e.at)}</time>
                      </td>
                      <td data-testid="audit-actor-cell">
                        <Who id={e.actorId} users={byId} />
                      </td>
                      <td data-testid="audit-subject-cell">
                        <Who id={e.subjectId} users={byId} />
                      </td>
                      <td className="nowrap">
                        <code>{e.action}</code>
                      </td>
                      <td>
                        {e.targetId === null ? (
                          <span className="muted">—</span>
                        ) : (
                          <Who id={e.targetId} users={byId} />
                        )}
                      </td>
                      <td className="col-details">
                        <div className="details" title={details}>
                          {details}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )
      )}

      {nextBefore !== null && !loading && (
        <div className="pager">
          <button
            type="button"
            className="button"
            disabled={loadingMore}
            data-testid="load-more"
            onClick={() => void loadMore()}
          >
            {loadingMore ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </main>
  );
}
