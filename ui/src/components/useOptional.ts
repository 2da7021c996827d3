import { useEffect, useState } from "react";

/**
 * Loads something a screen can do without (tenant names, roles): null while loading, when not
 * `wanted`, or when loading failed, so the caller degrades instead of showing an error.
 * `load` must be stable (a function of the API module).
 */
export function useOptional<T>(wanted: boolean, load: () => Promise<T>): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    if (!wanted) return;
    let current = true;
    load().then(
      (v) => {
        if (current) setValue(v);
      },
      () => {
        if (current) setValue(null);
      },
    );
    return () => {
      current = false;
    };
  }, [wanted, load]);
  return wanted ? value : null;
}
