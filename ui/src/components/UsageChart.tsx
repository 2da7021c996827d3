// Uses per day as an inline SVG bar chart. No chart library, and no inline styles (the CSP
// forbids them): geometry is SVG attributes, colours come from styles.css.
import type { UsageDay } from "../api";

const DAY_MS = 86_400_000;
/** The viewBox: each day gets a slot of SLOT units, its bar BAR wide; the tallest bar is HEIGHT. */
const SLOT = 10;
const BAR = 7;
const HEIGHT = 100;

/** A UTC day number (days since the Unix epoch) as `YYYY-MM-DD`. */
export function formatUtcDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function uses(count: number): string {
  return count === 1 ? "1 use" : `${count.toLocaleString("en")} uses`;
}

/** The busiest day; the most recent one on a tie. Null when there are no uses at all. */
function busiest(days: readonly UsageDay[]): UsageDay | null {
  let best: UsageDay | null = null;
  for (const d of days) {
    if (d.count > 0 && (best === null || d.count >= best.count)) best = d;
  }
  return best;
}

/** The summary a screen reader hears instead of the bars. */
export function usageSummary(days: readonly UsageDay[]): string {
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const most = busiest(days);
  const head = `Uses per day over the last ${days.length} days`;
  if (most === null) return `${head}: none`;
  return `${head}: ${total.toLocaleString("en")} in total, most on ${formatUtcDay(most.day)} (${most.count.toLocaleString("en")})`;
}

/** One bar per day, oldest first, heights relative to the busiest day. */
export function UsageChart({ days }: { days: readonly UsageDay[] }) {
  const most = busiest(days);
  const first = days[0];
  const last = days[days.length - 1];
  if (most === null || first === undefined || last === undefined) {
    return (
      <p className="usage-empty muted" data-testid="usage-empty">
        {`Not used in the last ${days.length} days`}
      </p>
    );
  }
  const max = most.count;
  return (
    <div className="usage-chart" data-testid="usage-chart">
      <svg
        role="img"
        aria-label={usageSummary(days)}
        viewBox={`0 0 ${days.length * SLOT} ${HEIGHT}`}
        preserveAspectRatio="none"
        focusable="false"
      >
        {days.map((d, i) => {
          const height = Math.round((d.count / max) * HEIGHT * 100) / 100;
          const x = i * SLOT + (SLOT - BAR) / 2;
          return (
            <g key={d.day} className="usage-day">
              <title>{`${formatUtcDay(d.day)}: ${uses(d.count)}`}</title>
              {/* A full-height slot, so a day without uses still has a tooltip to hover. */}
              <rect className="usage-slot" x={i * SLOT} y={0} width={SLOT} height={HEIGHT} />
              <rect
                className="usage-bar"
                x={x}
                y={HEIGHT - height}
                width={BAR}
                height={height}
                data-testid="usage-bar"
                data-day={formatUtcDay(d.day)}
                data-count={d.count}
              />
            </g>
          );
        })}
      </svg>
      <div className="usage-axis" data-testid="usage-axis">
        <span>{formatUtcDay(first.day)}</span>
        <span className="visually-hidden"> to </span>
        <span>{formatUtcDay(last.day)}</span>
      </div>
    </div>
  );
}
