import { useQuery, type QueryKey } from "@tanstack/react-query";

/**
 * Reads something a screen can do without (tenant names, roles) through the query cache: null
 * while loading, when not `wanted`, or when it could not be read, so the caller degrades
 * instead of showing an error. `key` is the data's key in `queryKeys`; `load` the API function.
 */
export function useOptional<T>(wanted: boolean, key: QueryKey, load: () => Promise<T>): T | null {
  const { data } = useQuery({ queryKey: key, queryFn: load, enabled: wanted });
  return wanted ? (data ?? null) : null;
}
