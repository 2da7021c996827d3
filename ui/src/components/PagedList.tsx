// Listings read page by page (Migration, Audit) show their state one way: the failure with Try
// again, "Loading…" until the first page, a note when there is nothing, the rows, and "Load more"
// while pages remain.
import { useMemo, type ReactNode, type RefObject } from "react";
import { Alert } from "./Alert";
import { Loading } from "./Loading";

/** What the listing needs of its query (a TanStack infinite query result fits). */
interface Pages<T> {
  data: { pages: { items: T[] }[] } | undefined;
  error: { message: string } | null;
  isFetching: boolean;
  isFetchingNextPage: boolean;
  hasNextPage: boolean;
  refetch: () => Promise<unknown>;
  fetchNextPage: () => Promise<unknown>;
}

interface PagedListProps<T> {
  listed: Pages<T>;
  /** The page's heading: focus goes there when Try again leaves nothing else to hold it. */
  headingRef: RefObject<HTMLHeadingElement | null>;
  /** Shown when the listing has no items. */
  empty: ReactNode;
  loadMoreTestId: string;
  /** The rows of every page read so far; `loading` while the listing reloads (the rows shown
   * are the last answer's). */
  children: (items: T[], loading: boolean) => ReactNode;
}

export function PagedList<T>({
  listed,
  headingRef,
  empty,
  loadMoreTestId,
  children,
}: PagedListProps<T>) {
  const items = useMemo(() => listed.data?.pages.flatMap((p) => p.items) ?? [], [listed.data]);
  const loadingMore = listed.isFetchingNextPage;
  const loading = listed.isFetching && !loadingMore;
  const error = listed.error?.message ?? null;

  function retry() {
    // Without items to keep, the alert and its button go away while it loads: focus the heading.
    if (listed.data === undefined) headingRef.current?.focus();
    void listed.refetch();
  }

  function loadMore() {
    if (!listed.hasNextPage || loadingMore) return;
    // A page that arrives after the query changed (new filters) joins its own listing, not the
    // one shown.
    void listed.fetchNextPage();
  }

  return (
    <>
      {error && (
        <Alert testId="error-alert" onRetry={retry}>
          {error}
        </Alert>
      )}

      {listed.data === undefined && !error ? (
        <Loading />
      ) : items.length === 0 && !loading && !error ? (
        empty
      ) : (
        items.length > 0 && children(items, loading)
      )}

      {listed.hasNextPage && !loading && (
        <div className="pager">
          <button
            type="button"
            className="button"
            disabled={loadingMore}
            data-testid={loadMoreTestId}
            onClick={loadMore}
          >
            {loadingMore ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </>
  );
}
