/** Where the failures were, from the report's statistics: top upstreams, top paths, the busiest minute. */
import type { ReportBurst, ReportStats } from './types.js';

export interface WhereSummary {
  upstreams: { key: string; count: number }[];
  paths: { key: string; count: number }[];
  /** The time bucket with the most failed requests. */
  busiest?: { from: string; seconds: number; failed: number; requests: number };
}

/**
 * Pick the few figures worth a line each; null when the report has none (no access log, or no failures).
 * @example whereSummary(report.stats)?.busiest
 */
export function whereSummary(st: ReportStats): WhereSummary | null {
  const f = st.failures;
  if (!f) return null;
  const out: WhereSummary = { upstreams: f.byUpstream.slice(0, 3), paths: f.byPath.slice(0, 3) };
  for (const b of f.timeline) if (!out.busiest || b.failed > out.busiest.failed) out.busiest = b;
  if (out.upstreams.length === 0 && out.paths.length === 0 && !out.busiest) return null;
  return out;
}

const list = (xs: { key: string; count: number }[]): string => xs.map((x) => `${x.key} (${x.count})`).join(', ');

/** The figures as short "label: value" lines for the renderers. */
export function whereLines(w: WhereSummary): [string, string][] {
  const out: [string, string][] = [];
  if (w.upstreams.length > 0) out.push(['upstreams', list(w.upstreams)]);
  if (w.paths.length > 0) out.push(['paths', list(w.paths)]);
  if (w.busiest) {
    const rate = w.busiest.requests > 0 ? `, ${Math.round((100 * w.busiest.failed) / w.busiest.requests)}% of ${w.busiest.requests} requests` : '';
    const span = w.busiest.seconds === 60 ? 'minute' : `${w.busiest.seconds} s`;
    out.push([`busiest ${span}`, `${w.busiest.from}: ${w.busiest.failed} failed${rate}`]);
  }
  return out;
}

/**
 * One burst as a line: "12 × 502 at 10:03:12–10:03:15 ← php-fpm: server reached pm.max_children (10:03:11)".
 * Times are UTC, as everywhere in the report.
 */
export function burstLine(b: ReportBurst, cut: (s: string) => string = (s) => s): string {
  const hms = (t: string): string => t.slice(11, 19);
  const statuses = Object.entries(b.statuses).map(([s, n]) => (Object.keys(b.statuses).length > 1 ? `${n}×${s}` : s)).join('/');
  const span = b.from === b.to ? `at ${hms(b.from)}` : `at ${hms(b.from)}–${hms(b.to)}`;
  const head = `${b.count} × ${statuses || 'failed'} ${span}`;
  if (!b.because) return head;
  const who = b.because.software ? `${b.because.software}: ` : '';
  const when = b.because.time ? ` (${hms(b.because.time)})` : '';
  return `${head} ← ${who}${cut(b.because.text.replace(/\s+/g, ' ').trim())}${when}`;
}
