/** Bounded-memory statistics over access logs: requests and failures per time bucket, top paths and upstreams. */
import { iso } from './time.js';

const MAX_BUCKETS = 720;
const MAX_KEYS = 2000;

/** Requests and failures over time; bucket width doubles when the span grows, so memory stays bounded. */
export class Timeline {
  private width = 60_000;
  private origin: number | null = null;
  private requests = new Map<number, number>();
  private failed = new Map<number, number>();
  private lo = Infinity;
  private hi = -Infinity;

  private bucket(t: number): number {
    if (this.origin === null) this.origin = Math.floor(t / 60_000) * 60_000;
    const b = Math.floor((t - this.origin) / this.width);
    if (b < this.lo) this.lo = b;
    if (b > this.hi) this.hi = b;
    return b;
  }

  /** Count `n` requests at time t. */
  addRequests(t: number, n = 1): void {
    const b = this.bucket(t);
    this.requests.set(b, (this.requests.get(b) ?? 0) + n);
    this.shrink();
  }

  addFailure(t: number): void {
    const b = this.bucket(t);
    this.failed.set(b, (this.failed.get(b) ?? 0) + 1);
    this.shrink();
  }

  /** Start of the bucket holding t, and the end (exclusive). */
  bucketBounds(t: number): [number, number] {
    const b = this.bucket(t);
    const from = (this.origin ?? 0) + b * this.width;
    return [from, from + this.width];
  }

  private shrink(): void {
    if (this.hi - this.lo < MAX_BUCKETS) return;
    // Double the width: merge pairs of buckets.
    const merge = (m: Map<number, number>): Map<number, number> => {
      const out = new Map<number, number>();
      for (const [k, v] of m) {
        const nk = Math.floor(k / 2);
        out.set(nk, (out.get(nk) ?? 0) + v);
      }
      return out;
    };
    this.requests = merge(this.requests);
    this.failed = merge(this.failed);
    this.width *= 2;
    this.lo = Math.floor(this.lo / 2);
    this.hi = Math.floor(this.hi / 2);
  }

  /** Buckets that saw failures, plus their request totals. */
  failingBuckets(limit = 50): { from: string; seconds: number; requests: number; failed: number }[] {
    const out = [...this.failed.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([k, f]) => ({ from: iso((this.origin ?? 0) + k * this.width), seconds: this.width / 1000, requests: this.requests.get(k) ?? 0, failed: f }));
    if (out.length <= limit) return out;
    return out.sort((a, b) => b.failed - a.failed).slice(0, limit).sort((a, b) => a.from.localeCompare(b.from));
  }
}

/**
 * Counts per key in bounded memory. When 2×MAX_KEYS keys are held, the smaller half is dropped (its counts
 * kept as "(other)"), so a key that starts late can still rise to the top; counts are exact until the first
 * prune and may undercount a key pruned and seen again afterwards.
 */
export class TopCounter {
  private counts = new Map<string, number>();
  private other = 0;
  add(key: string, n = 1): void {
    const cur = this.counts.get(key);
    if (cur !== undefined) {
      this.counts.set(key, cur + n);
      return;
    }
    this.counts.set(key, n);
    if (this.counts.size >= 2 * MAX_KEYS) this.prune();
  }
  private prune(): void {
    const sorted = [...this.counts.entries()].sort((a, b) => b[1] - a[1]);
    this.counts = new Map(sorted.slice(0, MAX_KEYS));
    for (const [, c] of sorted.slice(MAX_KEYS)) this.other += c;
  }
  top(n = 10): { key: string; count: number }[] {
    const entries = [...this.counts.entries()];
    if (this.other > 0) entries.push(['(other)', this.other]);
    return entries.sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, count]) => ({ key, count }));
  }
  get size(): number {
    return this.counts.size;
  }
}

/** Everything the access-log statistics keep. */
export class AccessStats {
  readonly timeline = new Timeline();
  readonly statuses = new Map<string, number>();
  readonly failedByPath = new TopCounter();
  readonly failedByUpstream = new TopCounter();
  /** Requests per upstream, from formats read line by line that name it ('' = the format names none). */
  readonly requestsByUpstream = new Map<string, number>();
  /** When the last request to each upstream ended (bounded: upstreams past the cap are not tracked). */
  private readonly lastByUpstream = new Map<string, number>();
  requests = 0;

  /** Record a request to an upstream, for idle gaps and per-upstream success counts. */
  addUpstreamRequest(upstream: string, time: number): void {
    if (!this.requestsByUpstream.has(upstream) && this.requestsByUpstream.size >= MAX_KEYS) return;
    this.requestsByUpstream.set(upstream, (this.requestsByUpstream.get(upstream) ?? 0) + 1);
    const last = this.lastByUpstream.get(upstream);
    if (last === undefined || time > last) this.lastByUpstream.set(upstream, time);
  }

  /** Requests of an upstream counted by a scanner (which reads only failures and the lines just before them). */
  addUpstreamRequests(upstream: string, n: number): void {
    if (!this.requestsByUpstream.has(upstream) && this.requestsByUpstream.size >= MAX_KEYS) return;
    this.requestsByUpstream.set(upstream, (this.requestsByUpstream.get(upstream) ?? 0) + n);
  }

  /** Milliseconds since the previous request to this upstream ended, or null when none was seen. */
  idleBefore(upstream: string, time: number): number | null {
    const last = this.lastByUpstream.get(upstream);
    return last === undefined ? null : Math.max(0, time - last);
  }

  addStatus(status: number, n = 1): void {
    const k = String(status);
    this.statuses.set(k, (this.statuses.get(k) ?? 0) + n);
  }
}
