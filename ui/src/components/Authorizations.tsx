import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import {
  bulkRevoke,
  getToken,
  listTenants,
  listTokens,
  listUsers,
  toApiError,
  type AppInfo,
  type BulkRevokeResult,
  type CreatedToken,
  type ListCount,
  type ListPage,
  type ListQuery,
  type ListScope,
  type SortDir,
  type SortKey,
  type TokenKind,
  type TokenMeta,
  type TokenStatus,
} from "../api";
import { queryKeys } from "../api/queryKeys";
import { AddDialog } from "./AddDialog";
import { Alert } from "./Alert";
import {
  authorizations,
  BulkRevokeDialog,
  tokenFilterFrom,
  type BulkTarget,
} from "./BulkRevokeDialog";
import { Filter, SelectFilter } from "./Filter";
import { Loading } from "./Loading";
import { PageHeader } from "./PageHeader";
import { RenameDialog } from "./RenameDialog";
import { RevealDialog } from "./RevealDialog";
import { RevokeDialog } from "./RevokeDialog";
import { canRotate, RotateDialog } from "./RotateDialog";
import { SmallButton } from "./SmallButton";
import { TokenDetail } from "./TokenDetail";
import { revocable, TokenTable } from "./TokenTable";
import { useDensity } from "./useDensity";
import { useOptional } from "./useOptional";
import { usePageTurn, type PagerButton } from "./usePageTurn";
import { useRowFocus } from "./useRowFocus";

export const PAGE_SIZE = 50;
const SEARCH_DEBOUNCE_MS = 250;

/** Where in the listing the page is: the first page, the page after or before a cursor (keyset
 * paging both ways), or the last page. `offset` counts the rows before the page where it is
 * known; a jump to the end of more matches than the server counts leaves it unknown. */
type PagePos =
  | { at: "first" }
  | ({ at: "after" | "before"; cursor: string } & Place)
  | ({ at: "last"; rows: number } & Place);

/** Rows before the page, or else (after a jump to the end of an uncounted list) after it. */
type Place = { offset: number; fromEnd: null } | { offset: null; fromEnd: number };

const FIRST: PagePos = { at: "first" };

/** Which page of which listing is shown. */
interface Nav {
  search: string;
  status: TokenStatus | null;
  /** The filters of the all-authorizations view. */
  ownerId: string | null;
  kind: TokenKind | null;
  expiringWithinDays: number | null;
  unusedForDays: number | null;
  tenantId: string | null;
  sort: SortKey;
  dir: SortDir;
  pos: PagePos;
}

const FIRST_PAGE: Nav = {
  search: "",
  status: null,
  ownerId: null,
  kind: null,
  expiringWithinDays: null,
  unusedForDays: null,
  tenantId: null,
  sort: "created",
  dir: "desc",
  pos: FIRST,
};

const STATUSES: readonly TokenStatus[] = ["active", "expired", "revoked", "suspended"];
const KINDS: readonly TokenKind[] = ["personal", "impersonation", "service"];
const KIND_OPTIONS: readonly { value: TokenKind; label: string }[] = [
  { value: "personal", label: "Personal" },
  { value: "impersonation", label: "Impersonation" },
  { value: "service", label: "Service" },
];

/** A whole number of days from a number input, or null when empty or not a sensible count. */
export function daysFrom(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 ? n : null;
}

interface DaysFilterProps {
  /** Both the input's id and its test id, with "-filter" appended. */
  name: string;
  label: string;
  value: string;
  onChange: (text: string) => void;
}

/** A number of days, read with `daysFrom` once typing settles. */
function DaysFilter({ name, label, value, onChange }: DaysFilterProps) {
  const id = `${name}-filter`;
  return (
    <Filter id={id} label={label}>
      <input
        id={id}
        type="number"
        min={1}
        step={1}
        inputMode="numeric"
        placeholder="Any"
        value={value}
        data-testid={id}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      />
    </Filter>
  );
}

/** The natural first direction when a column is chosen: A→Z, newest first, soonest first. */
const DEFAULT_DIR: Record<SortKey, SortDir> = {
  name: "asc",
  created: "desc",
  expires: "asc",
  status: "asc",
  last_used: "desc",
};

type Dialog =
  | { kind: "add" }
  /** `rotated`: the id of the token it replaces, whose row takes focus back. */
  | { kind: "reveal"; created: CreatedToken; rotated?: string }
  | { kind: "rename"; token: TokenMeta }
  | { kind: "revoke"; token: TokenMeta }
  | { kind: "rotate"; token: TokenMeta }
  | { kind: "details"; token: TokenMeta }
  /** After the dry run: what `target` takes, to confirm. */
  | { kind: "bulk"; target: BulkTarget; preview: BulkRevokeResult; from: BulkFrom };

/** Which button a bulk revoke started from. */
type BulkFrom = "selected" | "matching";

const NUMBER = new Intl.NumberFormat("en-US");

/** A count as the server gives it: exact, or "10,000+" past its bound. */
export function countText(c: ListCount): string {
  return `${NUMBER.format(c.n)}${c.more ? "+" : ""}`;
}

/** How many the list holds, and how many the filters match when they narrow it. */
export function listCount(total: ListCount, matching: ListCount | null): string {
  if (matching === null) {
    return `${countText(total)} authorization${total.n === 1 && !total.more ? "" : "s"}`;
  }
  return `${countText(matching)} of ${countText(total)} match`;
}

/** The pager's middle: the page's number and rows, out of how many, as far as they are known. */
export function pagePosition(place: Place, rows: number, matching: ListCount | null): string {
  const of = matching === null ? "" : ` of ${countText(matching)}`;
  const { offset } = place;
  if (offset === null) {
    const fromEnd = Math.floor(place.fromEnd / PAGE_SIZE) + 1;
    return fromEnd === 1 ? `Last page${of}` : `Page ${NUMBER.format(fromEnd)} from the end${of}`;
  }
  const pages =
    matching !== null && !matching.more ? ` of ${NUMBER.format(Math.max(1, Math.ceil(matching.n / PAGE_SIZE)))}` : "";
  // Pages counted from the end meet the start off the 50-row grid (a first page of 10 rows):
  // rounding up keeps every page's number its own.
  const page = `Page ${NUMBER.format(Math.ceil(offset / PAGE_SIZE) + 1)}${pages}`;
  if (rows === 0) return page;
  return `${page} · ${NUMBER.format(offset + 1)}–${NUMBER.format(offset + rows)}${of}`;
}

/** The last page, cut where the pages from the first one end (when the count is exact), so
 * Previous from it shows the same pages Next did. */
function lastPage(matching: ListCount | null): PagePos {
  if (matching === null || matching.more) {
    return { at: "last", rows: PAGE_SIZE, offset: null, fromEnd: 0 };
  }
  const rows = matching.n % PAGE_SIZE || PAGE_SIZE;
  return { at: "last", rows, offset: Math.max(0, matching.n - rows), fromEnd: null };
}

/** Where Next (+1) or Previous (−1) from `place`, a page of `rows` rows, leads. */
function step(place: Place, rows: number, by: 1 | -1): Place {
  if (place.offset !== null) {
    const offset = by === 1 ? place.offset + rows : Math.max(0, place.offset - PAGE_SIZE);
    return { offset, fromEnd: null };
  }
  const fromEnd = by === 1 ? Math.max(0, place.fromEnd - PAGE_SIZE) : place.fromEnd + rows;
  return { offset: null, fromEnd };
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, intervalMs);
    return () => {
      clearInterval(timer);
    };
  }, [intervalMs]);
  return now;
}

interface AuthorizationsProps {
  info: AppInfo;
  /** "own": the session subject's tokens; "all": everyone's, with owner filters. */
  scope?: ListScope;
  /** The "Expiring soon" view: active tokens within the first alert's days, soonest first. */
  expiring?: boolean;
  /** Open this token's details once it is read (a click on its expiry notification). */
  openTokenId?: string | null;
}

export function Authorizations({
  info,
  scope = "own",
  expiring = false,
  openTokenId = null,
}: AuthorizationsProps) {
  const all = scope === "all";
  const { session } = info;
  const soonDays = info.alerts.firstDays;
  const [nav, setNav] = useState<Nav>(() =>
    expiring
      ? {
          ...FIRST_PAGE,
          status: "active",
          expiringWithinDays: soonDays,
          sort: "expires",
          dir: "asc",
        }
      : FIRST_PAGE,
  );
  const [searchText, setSearchText] = useState("");
  const [expiringText, setExpiringText] = useState(expiring ? String(soonDays) : "");
  const [unusedText, setUnusedText] = useState("");
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const addButtonRef = useRef<HTMLButtonElement>(null);
  const bulkSelectedRef = useRef<HTMLButtonElement>(null);
  const bulkMatchingRef = useRef<HTMLButtonElement>(null);
  /** Ticked rows, kept across pages and filters until cleared or revoked. */
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  /** A bulk revoke's dry run in flight, started from this button. */
  const [counting, setCounting] = useState<BulkFrom | null>(null);
  const [bulkError, setBulkError] = useState<string | null>(null);
  /** How many the last bulk revoke revoked. */
  const [bulkDone, setBulkDone] = useState<number | null>(null);
  const { headingRef, registerRow, rowButton } = useRowFocus();
  const [openError, setOpenError] = useState<string | null>(null);

  // A notification's click: its token, as it is now, in the details panel.
  useEffect(() => {
    if (openTokenId === null) return;
    let current = true;
    getToken(openTokenId)
      .then((token) => {
        if (current) setDialog({ kind: "details", token });
      })
      .catch((e: unknown) => {
        if (current) setOpenError(toApiError(e).message);
      });
    return () => {
      current = false;
    };
  }, [openTokenId]);
  const tableRef = useRef<HTMLDivElement>(null);
  const pagerRef = useRef<HTMLElement>(null);
  const [density, setDensity] = useDensity();
  const compact = density === "compact";
  const now = useNow(30_000);

  const { pos } = nav;
  const query = useMemo<ListQuery>(
    () => ({
      scope,
      sort: nav.sort,
      dir: nav.dir,
      limit: pos.at === "last" ? pos.rows : PAGE_SIZE,
      ...(pos.at === "last" ? { last: true } : {}),
      ...(pos.at === "after" ? { cursor: pos.cursor } : {}),
      ...(pos.at === "before" ? { before: pos.cursor } : {}),
      ...(nav.search ? { search: nav.search } : {}),
      ...(nav.status ? { status: nav.status } : {}),
      ...(nav.ownerId !== null ? { ownerId: nav.ownerId } : {}),
      ...(nav.kind ? { kind: nav.kind } : {}),
      ...(nav.expiringWithinDays !== null ? { expiringWithinDays: nav.expiringWithinDays } : {}),
      ...(nav.unusedForDays !== null ? { unusedForDays: nav.unusedForDays } : {}),
      ...(nav.tenantId !== null ? { tenantId: nav.tenantId } : {}),
    }),
    [
      scope,
      nav.sort,
      nav.dir,
      nav.search,
      nav.status,
      nav.ownerId,
      nav.kind,
      nav.expiringWithinDays,
      nav.unusedForDays,
      nav.tenantId,
      pos,
    ],
  );
  const listed = useQuery({
    queryKey: queryKeys.tokens.list(query),
    queryFn: () => listTokens(query),
    // The rows of the last answer stay, marked busy, until the next query's answer.
    placeholderData: keepPreviousData,
  });
  const page = listed.data ?? null;
  const error = listed.error?.message ?? null;
  const loading = listed.isFetching;

  // The owner filter lists everyone; without that permission it is simply not offered.
  const usersListed = useQuery({ queryKey: queryKeys.users, queryFn: listUsers, enabled: all });
  const users = all ? (usersListed.data ?? null) : null;
  // The tenant filter, where there are tenants to choose from.
  const tenants = useOptional(all, queryKeys.tenants, listTenants);

  // Debounced text filters: typing settles for a moment before a query goes out.
  useEffect(() => {
    const search = searchText.trim();
    const expiringWithinDays = daysFrom(expiringText);
    const unusedForDays = daysFrom(unusedText);
    if (
      search === nav.search &&
      expiringWithinDays === nav.expiringWithinDays &&
      unusedForDays === nav.unusedForDays
    )
      return;
    const timer = setTimeout(() => {
      setNav((n) => ({ ...n, search, expiringWithinDays, unusedForDays, pos: FIRST }));
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [searchText, expiringText, unusedText, nav.search, nav.expiringWithinDays, nav.unusedForDays]);

  function sortBy(sortKey: SortKey) {
    setNav((n) => ({
      ...n,
      sort: sortKey,
      dir: n.sort === sortKey ? (n.dir === "asc" ? "desc" : "asc") : DEFAULT_DIR[sortKey],
      pos: FIRST,
    }));
  }

  function closeDialog() {
    setDialog(null);
  }

  /** A dialog that changed a row closes and shows the change. */
  function closeWith(changed: TokenMeta) {
    setDialog(null);
    patchRow(changed);
    // A row revoked on its own can no longer be ticked.
    if (!revocable(changed)) select([changed], false);
  }

  function select(tokens: TokenMeta[], on: boolean) {
    setSelected((current) => {
      const next = new Set(current);
      for (const t of tokens) {
        if (on) next.add(t.id);
        else next.delete(t.id);
      }
      return next;
    });
  }

  /** The dry run first: the dialog then names how many and which. */
  async function startBulk(from: BulkFrom) {
    if (counting !== null) return;
    const target: BulkTarget =
      from === "selected" ? { ids: [...selected] } : { filter: tokenFilterFrom(query) };
    setCounting(from);
    setBulkError(null);
    setBulkDone(null);
    try {
      const preview = await bulkRevoke({ ...target, dryRun: true });
      setDialog({ kind: "bulk", target, preview, from });
    } catch (e) {
      setBulkError(toApiError(e).message);
    } finally {
      setCounting(null);
    }
  }

  function bulkRevoked(result: BulkRevokeResult) {
    setDialog(null);
    setSelected(new Set());
    setBulkDone(result.count);
    void queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all });
  }

  function retry() {
    // Without rows to keep, the alert and its button go away while it loads: focus the heading.
    if (listed.data === undefined) headingRef.current?.focus();
    void listed.refetch();
  }

  /** Shows a changed row at once (as the API returned it); the reload that follows brings
   * the server's view of every listing. */
  function patchRow(meta: TokenMeta) {
    queryClient.setQueryData<ListPage>(queryKeys.tokens.list(query), (p) =>
      p ? { ...p, items: p.items.map((t) => (t.id === meta.id ? meta : t)) } : p,
    );
    void queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all });
  }

  const filtered =
    nav.search !== "" ||
    nav.status !== null ||
    nav.ownerId !== null ||
    nav.kind !== null ||
    nav.expiringWithinDays !== null ||
    nav.unusedForDays !== null ||
    nav.tenantId !== null ||
    searchText.trim() !== "" ||
    expiringText.trim() !== "" ||
    unusedText.trim() !== "";
  // Creating: your own (or, while impersonating, an impersonation token for the subject);
  // on the all view, for any user. The server decides either way.
  const canAdd = all
    ? session.permissions.createTokensForOthers
    : session.impersonating
      ? session.permissions.impersonate
      : session.canCreateOwn;
  const owners = (users ?? []).filter((u) => u.status === "active");
  const items = page?.items ?? [];
  const showEmpty = page !== null && !loading && !error && items.length === 0;
  const nextCursor = loading ? null : (page?.nextCursor ?? null);
  const prevCursor = loading ? null : (page?.prevCursor ?? null);
  // A page with rows and none before it is the first, however it was reached. (An empty page
  // after a cursor — its rows revoked meanwhile — has no cursors either way: First leads on.)
  const onFirst =
    pos.at === "first" ||
    (page !== null && !loading && page.items.length > 0 && page.prevCursor == null);
  // Rows before this page: none on the first, else what the way here counted.
  const place: Place =
    pos.at === "first" || onFirst
      ? { offset: 0, fromEnd: null }
      : pos.offset === null
        ? { offset: null, fromEnd: pos.fromEnd }
        : { offset: pos.offset, fromEnd: null };
  const matching = page?.matching ?? null;
  // A first-time user with nothing listed has nothing to revoke.
  const nothingAtAll = showEmpty && !filtered && onFirst;
  // Bulk revoke leaves status aside (it takes active and suspended tokens): a list of expired or
  // revoked ones offers it nothing to take.
  const statusRevocable =
    nav.status === null || nav.status === "active" || nav.status === "suspended";
  // Next and Previous show the new page from its top, focus on its first row.
  const turnPage = usePageTurn({
    at: nav,
    shown: page !== null && !listed.isPlaceholderData,
    failed: listed.isError,
    table: tableRef,
    pager: pagerRef,
    firstRow: () => (items[0] ? rowButton(items[0].id, "details-button") : null),
    heading: headingRef,
  });

  function go(to: PagePos, from: PagerButton) {
    const next = { ...nav, pos: to };
    turnPage(next, from);
    setNav(next);
  }

  return (
    <main
      className="page"
      data-testid={
        expiring ? "expiring-page" : all ? "all-authorizations-page" : "authorizations-page"
      }
    >
      <PageHeader
        title={expiring ? "Expiring soon" : all ? "All authorizations" : "Authorizations"}
        description={
          expiring
            ? `Active authorizations that expire within ${soonDays} days${all ? ", whoever holds them" : ""}, soonest first. You are notified ${soonDays} days and ${info.alerts.lastDays} day${info.alerts.lastDays === 1 ? "" : "s"} before; rotate them here.`
            : all
            ? `Every API bearer token issued by ${info.authorityName}, whoever holds it.`
            : session.impersonating
              ? `${info.user.displayName}'s authorizations. Tokens you add here are impersonation tokens: they act as ${info.user.displayName}, who cannot see them.`
              : `API bearer tokens issued by ${info.authorityName}. Revoke any that are no longer in use.`
        }
        headingRef={headingRef}
      />

      {openError && (
        <Alert
          testId="open-token-error"
          onDismiss={() => {
            setOpenError(null);
          }}
        >
          {openError}
        </Alert>
      )}

      <div className="toolbar" role="search">
        <label className="visually-hidden" htmlFor="search">
          Search
        </label>
        <input
          id="search"
          type="search"
          className="search"
          placeholder="Search by name or description"
          value={searchText}
          autoComplete="off"
          spellCheck={false}
          data-testid="search"
          onChange={(e) => {
            setSearchText(e.target.value);
          }}
        />
        <label className="visually-hidden" htmlFor="status-filter">
          Status
        </label>
        <select
          id="status-filter"
          className="status-filter"
          value={nav.status ?? ""}
          data-testid="status-filter"
          onChange={(e) => {
            const value = e.target.value;
            const status = STATUSES.find((s) => s === value) ?? null;
            setNav((n) => ({ ...n, status, pos: FIRST }));
          }}
        >
          <option value="">All</option>
          <option value="active">Active</option>
          <option value="expired">Expired</option>
          <option value="revoked">Revoked</option>
          <option value="suspended">Suspended</option>
        </select>
        <button
          type="button"
          className="button button-toggle"
          aria-pressed={compact}
          data-testid="density-toggle"
          title="Shorter rows, one line each: more of them fit on the screen"
          onClick={() => {
            setDensity(compact ? "comfortable" : "compact");
          }}
        >
          Compact rows
        </button>
        {page?.total && (
          <span className="muted list-count" data-testid="list-count" aria-live="polite">
            {listCount(page.total, filtered ? (page.matching ?? null) : null)}
          </span>
        )}
        <div className="toolbar-spacer" />
        {!nothingAtAll && (
          <button
            ref={bulkMatchingRef}
            type="button"
            className="button button-danger-outline"
            disabled={counting !== null || !statusRevocable}
            aria-haspopup="dialog"
            data-testid="bulk-revoke-matching"
            title={
              statusRevocable
                ? "Every active or suspended authorization the filters match, on every page"
                : "Only active and suspended authorizations can be revoked"
            }
            onClick={() => void startBulk("matching")}
          >
            {counting === "matching" ? "Counting…" : "Revoke all matching…"}
          </button>
        )}
        <button
          type="button"
          className="button"
          disabled={listed.isFetching}
          data-testid="refresh"
          title="Read the list again (others may have changed it)"
          onClick={() => void queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all })}
        >
          {listed.isFetching ? "Refreshing…" : "Refresh"}
        </button>
        {canAdd && (
          <button
            ref={addButtonRef}
            type="button"
            className="button button-primary"
            data-testid={all ? "add-for-user" : "add-authorization"}
            onClick={() => {
              setDialog({ kind: "add" });
            }}
          >
            {all ? "Add for a user" : "Add authorization"}
          </button>
        )}
      </div>

      {all && (
        <div className="toolbar toolbar-filters" aria-label="Filters" role="group">
          {users !== null && (
            <SelectFilter
              id="owner-filter"
              label="Owner"
              testId="owner-filter"
              value={nav.ownerId ?? ""}
              anyLabel="Anyone"
              options={users.map((u) => ({
                value: u.id,
                label: u.status === "active" ? u.displayName : `${u.displayName} (${u.status})`,
              }))}
              onChange={(value) => {
                const ownerId = value === "" ? null : value;
                setNav((n) => ({ ...n, ownerId, pos: FIRST }));
              }}
            />
          )}
          <SelectFilter
            id="kind-filter"
            label="Kind"
            testId="kind-filter"
            value={nav.kind ?? ""}
            anyLabel="Any kind"
            options={KIND_OPTIONS}
            onChange={(value) => {
              const kind = KINDS.find((k) => k === value) ?? null;
              setNav((n) => ({ ...n, kind, pos: FIRST }));
            }}
          />
          <DaysFilter
            name="expiring"
            label="Expiring within (days)"
            value={expiringText}
            onChange={setExpiringText}
          />
          <DaysFilter
            name="unused"
            label="Not used for (days)"
            value={unusedText}
            onChange={setUnusedText}
          />
          {tenants !== null && tenants.length > 0 && (
            <SelectFilter
              id="tenant-filter"
              label="Tenant"
              testId="tenant-filter"
              value={nav.tenantId ?? ""}
              anyLabel="Any tenant"
              options={tenants.map((t) => ({ value: t.id, label: t.name }))}
              onChange={(value) => {
                const tenantId = value === "" ? null : value;
                setNav((n) => ({ ...n, tenantId, pos: FIRST }));
              }}
            />
          )}
        </div>
      )}

      {selected.size > 0 && (
        <div className="bulk-bar" role="group" aria-label="Selection" data-testid="bulk-bar">
          <span data-testid="selected-count">{selected.size.toLocaleString("en")} selected</span>
          <button
            ref={bulkSelectedRef}
            type="button"
            className="button button-small button-danger-outline"
            disabled={counting !== null}
            aria-haspopup="dialog"
            data-testid="bulk-revoke-selected"
            onClick={() => void startBulk("selected")}
          >
            {counting === "selected" ? "Counting…" : "Revoke selected…"}
          </button>
          <SmallButton
            data-testid="bulk-clear"
            onClick={() => {
              setSelected(new Set());
            }}
          >
            Clear
          </SmallButton>
        </div>
      )}

      {bulkError && (
        <Alert
          testId="bulk-alert"
          onDismiss={() => {
            setBulkError(null);
          }}
        >
          {bulkError}
        </Alert>
      )}
      {bulkDone !== null && (
        <div className="notice notice-ok notice-dismissable">
          <p role="status" data-testid="bulk-result">
            Revoked {authorizations(bulkDone)}.
          </p>
          <SmallButton
            onClick={() => {
              setBulkDone(null);
            }}
          >
            Dismiss
          </SmallButton>
        </div>
      )}

      {error && (
        <Alert testId="error-alert" onRetry={retry}>
          {error}
        </Alert>
      )}

      {nothingAtAll && !all ? (
        <div className="empty" data-testid="empty-state">
          <h2>No authorizations yet</h2>
          <p className="muted">
            An authorization is a bearer token that lets a script, a service or a tool call the
            API as {session.impersonating ? info.user.displayName : "you"}. Create one for each
            thing that needs access, so you can revoke them one by one.
          </p>
          {canAdd && (
            <button
              type="button"
              className="button button-primary button-large"
              data-testid="empty-add-authorization"
              onClick={() => {
                setDialog({ kind: "add" });
              }}
            >
              Add authorization
            </button>
          )}
        </div>
      ) : showEmpty ? (
        <div className="empty empty-small" data-testid="no-results">
          <p>
            {!onFirst
              ? "This page is empty."
              : filtered
                ? "No authorizations match"
                : "No one has an authorization yet."}
          </p>
        </div>
      ) : (
        page !== null && (
          <TokenTable
            items={items}
            now={now}
            sort={nav.sort}
            dir={nav.dir}
            busy={loading}
            showOwner={all}
            onSort={sortBy}
            onDetails={(token) => {
              setDialog({ kind: "details", token });
            }}
            onRename={(token) => {
              setDialog({ kind: "rename", token });
            }}
            onRevoke={(token) => {
              setDialog({ kind: "revoke", token });
            }}
            onRotate={(token) => {
              setDialog({ kind: "rotate", token });
            }}
            mayRotate={(token) => canRotate(token, session)}
            selected={selected}
            onSelect={select}
            registerRow={registerRow}
            compact={compact}
            wrapRef={tableRef}
          />
        )
      )}

      {page === null && !error && <Loading />}

      {(!onFirst || nextCursor !== null) && (
        <nav ref={pagerRef} className="pager" aria-label="Pages">
          <button
            type="button"
            className="button"
            disabled={onFirst}
            data-testid="page-first"
            onClick={() => {
              go(FIRST, "page-first");
            }}
          >
            First
          </button>
          <button
            type="button"
            className="button"
            disabled={prevCursor === null}
            data-testid="page-previous"
            onClick={() => {
              if (prevCursor === null) return;
              go(
                { at: "before", cursor: prevCursor, ...step(place, items.length, -1) },
                "page-previous",
              );
            }}
          >
            Previous
          </button>
          <span className="muted" aria-live="polite" data-testid="page-position">
            {pagePosition(place, items.length, matching)}
          </span>
          <button
            type="button"
            className="button"
            disabled={nextCursor === null}
            data-testid="page-next"
            onClick={() => {
              if (nextCursor === null) return;
              go({ at: "after", cursor: nextCursor, ...step(place, items.length, 1) }, "page-next");
            }}
          >
            Next
          </button>
          <button
            type="button"
            className="button"
            disabled={nextCursor === null}
            data-testid="page-last"
            onClick={() => {
              go(lastPage(matching), "page-last");
            }}
          >
            Last
          </button>
        </nav>
      )}

      {dialog?.kind === "add" && (
        <AddDialog
          policy={info.policy}
          actor={session.actor}
          permissions={session.permissions}
          subject={info.user}
          owners={all ? owners : undefined}
          note={
            !all && session.impersonating
              ? `This creates an impersonation token for ${info.user.displayName}. It is marked as one everywhere, and only admins who can impersonate see it.`
              : undefined
          }
          onCancel={closeDialog}
          onCreated={(created) => {
            setDialog({ kind: "reveal", created });
            // The new token sorts first by default; show the first page of the listing. Off
            // it, the change of key reads the first page afresh; on it, the shown one reloads.
            void queryClient.invalidateQueries({
              queryKey: queryKeys.tokens.all,
              refetchType: pos.at === "first" ? "active" : "none",
            });
            setNav((n) => ({ ...n, pos: FIRST }));
          }}
        />
      )}
      {dialog?.kind === "reveal" && (
        <RevealDialog
          created={dialog.created}
          onClose={() => {
            // Dropping the dialog state drops the only copy of the token the UI held.
            setDialog(null);
          }}
          returnFocus={() =>
            dialog.rotated !== undefined
              ? rowButton(dialog.rotated, "details-button")
              : (addButtonRef.current ?? headingRef.current)
          }
        />
      )}
      {dialog?.kind === "rotate" && (
        <RotateDialog
          token={dialog.token}
          onCancel={closeDialog}
          onRotated={(created) => {
            setDialog({ kind: "reveal", created, rotated: dialog.token.id });
            // The old row now says until when it works; the successor joins the listing.
            void queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all });
          }}
          returnFocus={() => rowButton(dialog.token.id, "rotate-button")}
        />
      )}
      {dialog?.kind === "bulk" && (
        <BulkRevokeDialog
          target={dialog.target}
          preview={dialog.preview}
          onCancel={closeDialog}
          onRevoked={bulkRevoked}
          returnFocus={() =>
            (dialog.from === "selected" ? bulkSelectedRef.current : bulkMatchingRef.current) ??
            headingRef.current
          }
        />
      )}
      {dialog?.kind === "rename" && (
        <RenameDialog
          token={dialog.token}
          onCancel={closeDialog}
          onRenamed={closeWith}
          returnFocus={() => rowButton(dialog.token.id, "rename-button")}
        />
      )}
      {dialog?.kind === "revoke" && (
        <RevokeDialog
          token={dialog.token}
          onCancel={closeDialog}
          onRevoked={closeWith}
          returnFocus={() => rowButton(dialog.token.id, "revoke-button")}
        />
      )}
      {dialog?.kind === "details" && (
        <TokenDetail
          token={dialog.token}
          now={now}
          onClose={closeDialog}
          returnFocus={() => rowButton(dialog.token.id, "details-button")}
        />
      )}
    </main>
  );
}
