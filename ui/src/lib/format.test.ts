import { describe, expect, it } from "vitest";
import { fromDateTimeLocal, formatRelative, toDateTimeLocal } from "./format";
import { nameProblem } from "./validate";

const NOW = new Date(2025, 5, 15, 12, 0).getTime();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("formatRelative", () => {
  it("reads like a person would say it", () => {
    expect(formatRelative(NOW + 30 * DAY, NOW)).toBe("in 30 days");
    expect(formatRelative(NOW - 2 * HOUR, NOW)).toBe("2 hours ago");
    expect(formatRelative(NOW + 5 * 60_000, NOW)).toBe("in 5 minutes");
    expect(formatRelative(NOW - 10_000, NOW)).toBe("just now");
    expect(formatRelative(NOW + 90 * DAY, NOW)).toBe("in 90 days");
    expect(formatRelative(NOW + 365 * DAY, NOW)).toBe("in 1 year");
  });
});

describe("datetime-local values", () => {
  it("round-trip through local time", () => {
    const at = new Date(2030, 0, 2, 3, 4).getTime();
    expect(toDateTimeLocal(at)).toBe("2030-01-02T03:04");
    expect(fromDateTimeLocal("2030-01-02T03:04")).toBe(at);
    expect(fromDateTimeLocal("")).toBeNull();
    expect(fromDateTimeLocal("not a date")).toBeNull();
  });
});

describe("nameProblem", () => {
  it("mirrors the server's name rules", () => {
    expect(nameProblem("  ")).toBe("A name is required.");
    expect(nameProblem("a\nb")).toBe("A name cannot contain line breaks.");
    expect(nameProblem("é".repeat(100))).toBeNull();
    expect(nameProblem("é".repeat(101))).toBe("A name has at most 100 characters.");
    expect(nameProblem(" CI deploy ")).toBeNull();
  });
});
