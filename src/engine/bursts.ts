/**
 * Bursts: failed requests of one cause that come close together, each with what explained it upstream (the
 * PHP-FPM "max_children" line, the OOM kill), so a report can say "12 × 502 at 10:03:12–10:03:15 ← php-fpm: ...".
 * Bounded: at most MAX_BURSTS per list; beyond, a new burst only replaces a smaller one.
 */
import type { EvidenceRef, Fact } from '../evidence/facts.js';

// Failures further apart than this start a new burst.
export const BURST_GAP_MS = 10_000;
const MAX_BURSTS = 50;

export interface Burst {
  from: number;
  to: number;
  count: number;
  statuses: Map<number, number>;
  /** The first context line that explained failures of this burst. */
  because?: { ref: EvidenceRef; time: number | null; software?: string | undefined };
}

/** Add one failure at time t to a list of bursts kept in time order (failures arrive roughly in time order). */
export function addToBursts(list: Burst[], t: number, status: number | undefined, because: Fact | undefined): void {
  let b = list[list.length - 1];
  if (!b || t - b.to > BURST_GAP_MS || t < b.from - BURST_GAP_MS) {
    b = { from: t, to: t, count: 0, statuses: new Map() };
    if (list.length >= MAX_BURSTS) {
      // Keep the largest bursts: drop the smallest older one to make room.
      let min = 0;
      for (let i = 1; i < list.length; i++) if ((list[i]?.count ?? 0) < (list[min]?.count ?? 0)) min = i;
      list.splice(min, 1);
    }
    list.push(b);
  }
  b.count++;
  if (t < b.from) b.from = t;
  if (t > b.to) b.to = t;
  if (status !== undefined) b.statuses.set(status, (b.statuses.get(status) ?? 0) + 1);
  if (because && !b.because) b.because = { ref: because.ref, time: because.time, software: because.software };
}

/** Merge two burst lists (bursts of groups that moved together) into one in time order. */
export function mergeBursts(a: readonly Burst[], b: readonly Burst[]): Burst[] {
  const all = [...a, ...b].sort((x, y) => x.from - y.from);
  const out: Burst[] = [];
  for (const x of all) {
    const last = out[out.length - 1];
    if (last && x.from - last.to <= BURST_GAP_MS) {
      last.to = Math.max(last.to, x.to);
      last.count += x.count;
      for (const [s, n] of x.statuses) last.statuses.set(s, (last.statuses.get(s) ?? 0) + n);
      last.because ??= x.because;
    } else {
      out.push({ ...x, statuses: new Map(x.statuses) });
    }
  }
  return out.slice(-MAX_BURSTS);
}
