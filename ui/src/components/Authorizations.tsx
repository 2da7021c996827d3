import { useEffect, useMemo, useRef, useState } from "react";
import {
  listTokens,
  type AppInfo,
  type CreatedToken,
  type ListPage,
  type ListQuery,
  type SortDir,
  type SortKey,
  type TokenMeta,
  type TokenStatus,
} from "../api";
import { AddDialog } from "./AddDialog";
import { RenameDialog } from "./RenameDialog";
import { RevealDialog } from "./RevealDialog";
import { RevokeDialog } from "./RevokeDialog";
import { TokenTable } from "./TokenTable";

export const PAGE_SIZE = 50;
const SEARCH_DEBOUNCE_MS = 250;

/** Which page of which listing is shown. A stack of cursors gives keyset paging both ways. */
interface Nav {
  search: string;
  status: TokenStatus | null;
  sort: SortKey;
  dir: SortDir;
  /** cursors[i] opens page i; the first page has none. */
  cursors: (string | null)[];
}

const FIRST_PAGE: Nav = { search: "", status: null, sort: "created", dir: "desc", cursors: [null] };

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
  | { kind: "reveal"; created: CreatedToken }
  | { kind: "rename"; token: TokenMeta }
  | { kind: "revoke"; token: TokenMeta };

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

export function Authorizations({ info }: { info: AppInfo }) {
  const [nav, setNav] = useState<Nav>(FIRST_PAGE);
  const [searchText, setSearchText] = useState("");
  const [reloads, setReloads] = useState(0);
  const [page, setPage] = useState<ListPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadedKey, setLoadedKey] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const addButtonRef = useRef<HTMLButtonElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const rows = useRef(new Map<string, HTMLTableRowElement>());
  const now = useNow(30_000);

  const cursor = nav.cursors[nav.cursors.length - 1] ?? null;
  const query = useMemo<ListQuery>(
    () => ({
      sort: nav.sort,
      dir: nav.dir,
      limit: PAGE_SIZE,
      ...(nav.search ? { search: nav.search } : {}),
      ...(nav.status ? { status: nav.status } : {}),
      ...(cursor ? { cursor } : {}),
    }),
    [nav.sort, nav.dir, nav.search, nav.status, cursor],
  );
  const key = `${JSON.stringify(query)}#${reloads}`;
  const loading = loadedKey !== key;

  useEffect(() => {
    let current = true;
    listTokens(query).then(
      (result) => {
        if (!current) return;
        setPage(result);
        setError(null);
        setLoadedKey(key);
      },
      (e: unknown) => {
        if (!current) return;
        setError((e as { message: string }).message);
        setLoadedKey(key);
      },
    );
    return () => {
      current = false;
    };
  }, [query, key]);

  // Debounced search: typing settles for a moment before a query goes out.
  useEffect(() => {
    const wanted = searchText.trim();
    if (wanted === nav.search) return;
    const timer = setTimeout(() => {
      setNav((n) => ({ ...n, search: wanted, cursors: [null] }));
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [searchText, nav.search]);

  function sortBy(sortKey: SortKey) {
    setNav((n) => ({
      ...n,
      sort: sortKey,
      dir: n.sort === sortKey ? (n.dir === "asc" ? "desc" : "asc") : DEFAULT_DIR[sortKey],
      cursors: [null],
    }));
  }

  function reload() {
    setReloads((r) => r + 1);
  }

  /** Shows a changed row at once; the reload that follows brings the server's view. */
  function patchRow(meta: TokenMeta) {
    setPage((p) =>
      p ? { ...p, items: p.items.map((t) => (t.id === meta.id ? meta : t)) } : p,
    );
    reload();
  }

  function rowButton(id: string, testId: string): HTMLElement | null {
    const button = rows.current.get(id)?.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
    return button ?? headingRef.current;
  }

  const filtered = nav.search !== "" || nav.status !== null || searchText.trim() !== "";
  const items = page?.items ?? [];
  const pageIndex = nav.cursors.length - 1;
  const showEmpty = page !== null && !loading && !error && items.length === 0;
  const nextCursor = loading ? null : (page?.nextCursor ?? null);

  return (
    <main className="page">
      <div className="page-header">
        <div>
          <h1 ref={headingRef} tabIndex={-1}>
            Authorizations
          </h1>
          <p className="muted">
            API bearer tokens issued by {info.authorityName}. Revoke any that are no longer in use.
          </p>
        </div>
      </div>

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
            const status: TokenStatus | null =
              value === "active" || value === "expired" || value === "revoked" ? value : null;
            setNav((n) => ({ ...n, status, cursors: [null] }));
          }}
        >
          <option value="">All</option>
          <option value="active">Active</option>
          <option value="expired">Expired</option>
          <option value="revoked">Revoked</option>
        </select>
        <div className="toolbar-spacer" />
        <button
          ref={addButtonRef}
          type="button"
          className="button button-primary"
          data-testid="add-authorization"
          onClick={() => {
            setDialog({ kind: "add" });
          }}
        >
          Add authorization
        </button>
      </div>

      {error && (
        <div className="alert" role="alert" data-testid="error-alert">
          <p>{error}</p>
          <button type="button" className="button button-small" onClick={reload}>
            Try again
          </button>
        </div>
      )}

      {showEmpty && !filtered && pageIndex === 0 ? (
        <div className="empty" data-testid="empty-state">
          <h2>No authorizations yet</h2>
          <p className="muted">
            An authorization is a bearer token that lets a script, a service or a tool call the
            API as you. Create one for each thing that needs access, so you can revoke them one
            by one.
          </p>
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
        </div>
      ) : showEmpty ? (
        <div className="empty empty-small" data-testid="no-results">
          <p>{pageIndex === 0 ? "No authorizations match" : "This page is empty."}</p>
        </div>
      ) : (
        page !== null && (
          <TokenTable
            items={items}
            now={now}
            sort={nav.sort}
            dir={nav.dir}
            busy={loading}
            onSort={sortBy}
            onRename={(token) => {
              setDialog({ kind: "rename", token });
            }}
            onRevoke={(token) => {
              setDialog({ kind: "revoke", token });
            }}
            registerRow={(id, row) => {
              if (row) rows.current.set(id, row);
              else rows.current.delete(id);
            }}
          />
        )
      )}

      {page === null && !error && (
        <p className="muted loading" role="status">
          Loading…
        </p>
      )}

      {(pageIndex > 0 || nextCursor !== null) && (
        <nav className="pager" aria-label="Pages">
          <button
            type="button"
            className="button"
            disabled={pageIndex === 0}
            data-testid="page-previous"
            onClick={() => {
              setNav((n) => ({ ...n, cursors: n.cursors.slice(0, -1) }));
            }}
          >
            Previous
          </button>
          <span className="muted" aria-live="polite">
            Page {pageIndex + 1}
            {items.length > 0 &&
              ` · ${pageIndex * PAGE_SIZE + 1}–${pageIndex * PAGE_SIZE + items.length}`}
          </span>
          <button
            type="button"
            className="button"
            disabled={nextCursor === null}
            data-testid="page-next"
            onClick={() => {
              if (nextCursor !== null) setNav((n) => ({ ...n, cursors: [...n.cursors, nextCursor] }));
            }}
          >
            Next
          </button>
        </nav>
      )}

      {dialog?.kind === "add" && (
        <AddDialog
          policy={info.policy}
          onCancel={() => {
            setDialog(null);
          }}
          onCreated={(created) => {
            setDialog({ kind: "reveal", created });
            // The new token sorts first by default; show the first page of the listing.
            setNav((n) => ({ ...n, cursors: [null] }));
            reload();
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
          returnFocus={() => addButtonRef.current}
        />
      )}
      {dialog?.kind === "rename" && (
        <RenameDialog
          token={dialog.token}
          onCancel={() => {
            setDialog(null);
          }}
          onRenamed={(meta) => {
            setDialog(null);
            patchRow(meta);
          }}
          returnFocus={() => rowButton(dialog.token.id, "rename-button")}
        />
      )}
      {dialog?.kind === "revoke" && (
        <RevokeDialog
          token={dialog.token}
          onCancel={() => {
            setDialog(null);
          }}
          onRevoked={(meta) => {
            setDialog(null);
            patchRow(meta);
          }}
          returnFocus={() => rowButton(dialog.token.id, "revoke-button")}
        />
      )}
    </main>
  );
}
