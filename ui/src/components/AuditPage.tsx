import {
  keepPreviousData,
  useInfiniteQuery,
  useQuery,
} from "@tanstack/react-query";
import { useId, useMemo, useRef, useState } from "react";
import {
  exportAudit,
  listAudit,
  listUsers,
  verifyAuditChain,
  type ApiError,
  type AppInfo,
  type AuditAction,
  type AuditQuery,
  type ChainReport,
  type ExportFormat,
  type User,
} from "../api";
import { queryKeys } from "../api/queryKeys";
import { endOfDateInput, formatDateTime, fromDateInput } from "../lib/format";
import { Alert } from "./Alert";
import { DataTable } from "./DataTable";
import { Filter, SelectFilter } from "./Filter";
import { PagedList } from "./PagedList";
import { PageHeader } from "./PageHeader";

export const AUDIT_PAGE_SIZE = 100;

/** Every action core records. A Record over the generated union: a new action in Rust fails
 * the typecheck here until it is listed, so the filter always offers all of them. */
const ACTION_SET: Record<AuditAction, true> = {
  "authority.created": true,
  "token.created": true,
  "token.renamed": true,
  "token.revoked": true,
  "token.rotated": true,
  "user.created": true,
  "user.updated": true,
  "user.disabled": true,
  "user.enabled": true,
  "user.removed": true,
  "user.password_set": true,
  "user.password_changed": true,
  "user.signed_in": true,
  "user.sign_in_failed": true,
  "impersonation.started": true,
  "impersonation.stopped": true,
  "role.updated": true,
  "settings.changed": true,
  "service.settings_changed": true,
  "tenant.created": true,
  "tenant.renamed": true,
  "tenant.member_added": true,
  "tenant.member_removed": true,
  "tenant.switched": true,
  "signing_key.rotated": true,
  "user.client_secret_set": true,
  "legacy_key.imported": true,
  "legacy_key.retired": true,
  "legacy_key.replaced": true,
  "legacy.settings_changed": true,
  "webhook.created": true,
  "webhook.updated": true,
  "webhook.deleted": true,
  "webhook.secret_rolled": true,
};

export const AUDIT_ACTIONS = Object.keys(ACTION_SET) as AuditAction[];

const ACTION_OPTIONS = AUDIT_ACTIONS.map((a) => ({ value: a, label: a }));

interface Filters {
  actorId: string;
  subjectId: string;
  /** Empty: any action. */
  action: AuditAction | "";
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

const AUDIT_COLUMNS = [
  { label: "Time" },
  { label: "Actor" },
  { label: "Subject" },
  { label: "Action" },
  { label: "Target" },
  { label: "Details", className: "col-details" },
];

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
  const [chain, setChain] = useState<ChainReport | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const ids = { actor: useId(), subject: useId(), action: useId(), from: useId(), to: useId() };

  const headingRef = useRef<HTMLHeadingElement>(null);

  const query = useMemo(() => auditQuery(filters), [filters]);
  const listed = useInfiniteQuery({
    queryKey: queryKeys.audit.list(query),
    // The first page has no beforeSeq; each further one starts before the last page's end.
    queryFn: ({ pageParam }) =>
      listAudit(pageParam === null ? query : { ...query, beforeSeq: pageParam }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextBefore,
    // The events of the last answer stay, marked busy, until the next filters' answer.
    placeholderData: keepPreviousData,
  });

  // Names fall back to ids when users cannot be listed.
  const usersListed = useQuery({
    queryKey: queryKeys.users,
    queryFn: listUsers,
    enabled: canListUsers,
  });
  const users = canListUsers ? usersListed.data : undefined;
  const byId = useMemo(() => (users ? new Map(users.map((u) => [u.id, u])) : null), [users]);

  function set<K extends keyof Filters>(field: K, value: Filters[K]) {
    setFilters((f) => ({ ...f, [field]: value }));
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

  function exportButton(format: ExportFormat, label: string) {
    return (
      <button
        type="button"
        className="button"
        disabled={exporting !== null}
        data-testid={`export-${format}`}
        onClick={() => void exportAs(format)}
      >
        {exporting === format ? "Exporting…" : label}
      </button>
    );
  }

  function whoFilter(field: "actorId" | "subjectId", id: string, label: string) {
    const testId = `audit-${field === "actorId" ? "actor" : "subject"}`;
    if (users)
      return (
        <SelectFilter
          id={id}
          label={label}
          testId={testId}
          value={filters[field]}
          anyLabel="Anyone"
          options={users.map((u) => ({ value: u.id, label: u.displayName }))}
          onChange={(value) => {
            set(field, value);
          }}
        />
      );
    return (
      <Filter id={id} label={label}>
        <input
          id={id}
          type="text"
          placeholder="User id"
          autoComplete="off"
          spellCheck={false}
          value={filters[field]}
          data-testid={testId}
          onChange={(e) => {
            set(field, e.target.value);
          }}
        />
      </Filter>
    );
  }

  function dateFilter(field: "from" | "to", id: string, label: string) {
    return (
      <Filter id={id} label={label}>
        <input
          id={id}
          type="date"
          value={filters[field]}
          // Neither end of the range may pass the other.
          min={field === "to" ? filters.from || undefined : undefined}
          max={field === "from" ? filters.to || undefined : undefined}
          data-testid={`audit-${field}`}
          onChange={(e) => {
            set(field, e.target.value);
          }}
        />
      </Filter>
    );
  }

  return (
    <main className="page" data-testid="audit-page">
      <PageHeader
        title="Audit"
        headingRef={headingRef}
        description="Every change, newest first. Each event is chained to the one before it, so an edit to the history shows up when the chain is verified."
        actions={
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
            {exportButton("csv", "Export CSV")}
            {exportButton("json", "Export JSON")}
          </div>
        }
      />

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
        <Alert testId="audit-alert">{actionError}</Alert>
      )}

      <div className="toolbar toolbar-filters" role="group" aria-label="Filters">
        {whoFilter("actorId", ids.actor, "Actor")}
        {whoFilter("subjectId", ids.subject, "Subject")}
        <SelectFilter
          id={ids.action}
          label="Action"
          testId="audit-action"
          value={filters.action}
          anyLabel="Any action"
          options={ACTION_OPTIONS}
          onChange={(value) => {
            set("action", AUDIT_ACTIONS.find((a) => a === value) ?? "");
          }}
        />
        {dateFilter("from", ids.from, "From")}
        {dateFilter("to", ids.to, "To")}
      </div>

      <PagedList
        listed={listed}
        headingRef={headingRef}
        empty={
          <div className="empty empty-small" data-testid="no-results">
            <p>No events match.</p>
          </div>
        }
        loadMoreTestId="load-more"
      >
        {(items, loading) => (
          <DataTable label="Audit events" className="audit" columns={AUDIT_COLUMNS} busy={loading}>
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
          </DataTable>
        )}
      </PagedList>
    </main>
  );
}
