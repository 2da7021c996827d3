// Compact rows fit many more tokens on a screen; the choice is a display preference, kept across
// launches in localStorage (it holds no secret) and shared by both token lists.
import { useState } from "react";

export type Density = "comfortable" | "compact";

export const DENSITY_KEY = "tokendesk.density";

/** The stored choice; comfortable (the original look) when none, or storage is unavailable. */
export function storedDensity(): Density {
  try {
    return localStorage.getItem(DENSITY_KEY) === "compact" ? "compact" : "comfortable";
  } catch {
    return "comfortable";
  }
}

/** The density, read once per mount (each list page mounts afresh), and its setter that
 * remembers it. */
export function useDensity(): [Density, (next: Density) => void] {
  const [density, setDensity] = useState<Density>(storedDensity);
  function change(next: Density) {
    setDensity(next);
    try {
      localStorage.setItem(DENSITY_KEY, next);
    } catch {
      // Not remembered; this window still shows it.
    }
  }
  return [density, change];
}
