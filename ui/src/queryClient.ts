import { QueryClient, type QueryObserverOptions } from "@tanstack/react-query";
import { isApiError, type ApiError, type ErrorCode } from "./api";

declare module "@tanstack/react-query" {
  interface Register {
    // The API module rejects with ApiError objects only (see `call` in src/api).
    defaultError: ApiError;
  }
}

/** Failures that may pass on their own. Anything else (refused, invalid, not found) would
 * fail the same way again, so it is shown at once. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "database_busy",
  "server_unreachable",
  "request_timeout",
]);

/** One more try for a transient failure, none for the rest. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  return failureCount < 1 && isApiError(error) && TRANSIENT.has(error.code);
}

/** The app's defaults; tests override a few (no retries) through `queries`. */
export function createQueryClient(queries: Partial<QueryObserverOptions> = {}): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // The API is IPC to this process's Rust side, which answers offline as well (a team
        // server being unreachable is its error to report): never pause for the network.
        networkMode: "always",
        retry: shouldRetry,
        // Every page reads afresh when it mounts, as it did before the cache: dialogs and
        // other pages change what it shows (audit events, token statuses after a user is
        // disabled) without telling it. The cache still shows the last answer meanwhile,
        // shares one request between components and survives navigation.
        staleTime: 0,
        // A desktop window: focus and network changes say nothing about the data.
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
        ...queries,
      },
      mutations: { networkMode: "always", retry: false },
    },
  });
}

/** The app's one client (tests make a fresh one per render). */
export const queryClient = createQueryClient();
