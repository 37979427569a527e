/**
 * Groups facts, arriving roughly in time order, into incidents (one per failed request) and lines up the
 * context (capacity warnings, OOM kills, app errors) seen within a bounded window. Memory stays bounded:
 * incidents are handed on once the stream has moved past them by the window.
 */
import { isContextFact, type Fact } from '../evidence/facts.js';

/** Joins across files and lines use this window (contract: ±2 s). */
export const JOIN_WINDOW_MS = 2000;
// A request's next line may come as late as its next attempt's timeout.
const RETRY_WINDOW_MS = 600_000;
// Context facts and open incidents kept at most (a flood of them must not grow memory).
const MAX_OPEN = 20_000;
const MAX_CONTEXT = 5_000;

export interface OpenIncident {
  facts: Fact[];
  context: Fact[];
  first: number;
  last: number;
  /** An access-log line (the request's final status) has joined. */
  hasAccess: boolean;
  hasError: boolean;
  keys: string[];
}

export interface FinishedIncident {
  facts: Fact[];
  context: Fact[];
  /** true when the request is known to have ended in an error response, or cannot be known to have recovered. */
  failed: boolean;
  /** The upstream failed but the request got a normal answer: the proxy retried and recovered. */
  recovered: boolean;
}

export interface CorrelatorOptions {
  /** Called for each incident once no later fact can join it; returns the context facts that explained it. */
  onIncident(i: FinishedIncident): readonly Fact[];
  /** Is an access log covering time t being read (so an error without a 5xx line means the request recovered)? */
  accessCovers(t: number): boolean;
}

const isAccessFact = (f: Fact): boolean => f.producer.endsWith('-access') || f.kind === 'gateway-status' || f.kind === 'app-status';

/**
 * Could the proxy have retried this failure and still answered normally? Only failures before the response
 * began; a cut-off body or a response passed through as HTTP/0.9 reached the client as it was.
 */
function retryable(facts: readonly Fact[]): boolean {
  let before = false;
  for (const f of facts) {
    if (f.stage === 'body' || f.detail?.startsWith('http09')) return false;
    if (f.stage === 'connect' || f.stage === 'tls' || f.stage === 'send' || f.stage === 'header') before = true;
  }
  return before;
}

function connKey(f: Fact): string | null {
  const r = f.request;
  if (!r || r.conn === undefined) return null;
  return `c|${f.ref.file ?? ''}|${r.pid ?? ''}|${r.conn}|${r.method ?? ''} ${r.uri ?? ''}`;
}

function reqKey(f: Fact): string | null {
  const r = f.request;
  if (!r || (r.uri === undefined && r.id === undefined)) return null;
  if (r.id) return `i|${r.id}`;
  return `r|${r.client ?? ''}|${r.method ?? ''} ${r.uri ?? ''}`;
}

function sig(f: Fact): string {
  return `${f.kind}|${f.upstream ?? ''}|${f.errno ?? ''}|${f.stage ?? ''}`;
}

export class Correlator {
  private open = new Map<string, OpenIncident[]>();
  private queue: OpenIncident[] = [];
  private context: Fact[] = [];
  private frontier = -Infinity;
  /** Context facts of the last finished incident, inherited by the next one of the same burst. */
  private burst: { last: number; context: Fact[] } | null = null;
  private timeless: Fact[] = [];
  /** Context facts that explained an incident: they are not reported again on their own. */
  private consumed = new WeakSet<Fact>();

  constructor(private readonly opts: CorrelatorOptions) {}

  /** Feed one fact. Facts must come in time order within a few seconds' slack. */
  add(f: Fact): void {
    if (f.time === null) {
      this.timeless.push(f);
      if (this.timeless.length > MAX_OPEN) this.flushTimeless();
      return;
    }
    const t = f.time;
    if (t > this.frontier) this.frontier = t;
    if (isContextFact(f)) {
      this.context.push(f);
      if (this.context.length > MAX_CONTEXT) this.expireContext(Infinity, MAX_CONTEXT / 2);
    } else {
      this.place(f, t);
    }
    this.expire(this.frontier - JOIN_WINDOW_MS);
  }

  /** Tell the correlator that no fact older than `t` will come any more (a slow source's progress). */
  advance(t: number): void {
    if (t > this.frontier) this.frontier = t;
    this.expire(this.frontier - JOIN_WINDOW_MS);
  }

  /** Flush everything (end of input). */
  end(): void {
    this.expire(Infinity);
    this.expireContext(Infinity, 0);
    this.flushTimeless();
  }

  private place(f: Fact, t: number): void {
    const ck = connKey(f);
    const rk = reqKey(f);
    const access = isAccessFact(f);
    let inc: OpenIncident | undefined;
    if (ck && !access) {
      const cand = this.last(ck);
      const gap = cand ? t - cand.last : Infinity;
      const lateRetry = f.kind === 'timeout' && gap <= RETRY_WINDOW_MS;
      // A repeated (kind, upstream) pair on the same connection is a new request, not a retry.
      if (cand && (gap <= JOIN_WINDOW_MS || lateRetry) && !cand.facts.some((x) => sig(x) === sig(f))) inc = cand;
    }
    if (!inc && rk) {
      // An access line joins the oldest open error incident of the same request that has no access line yet;
      // an error line joins an access-only incident (its access line was read first).
      inc = this.open.get(rk)?.find((c) => Math.abs(t - c.last) <= JOIN_WINDOW_MS && (access ? c.hasError && !c.hasAccess : c.hasAccess && !c.hasError));
    }
    if (!inc) {
      inc = { facts: [], context: [], first: t, last: t, hasAccess: false, hasError: false, keys: [] };
      this.queue.push(inc);
      if (this.queue.length > MAX_OPEN) this.finishOldest(this.queue.length - MAX_OPEN / 2);
    }
    inc.facts.push(f);
    if (t > inc.last) inc.last = t;
    if (t < inc.first) inc.first = t;
    if (access) inc.hasAccess = true;
    else inc.hasError = true;
    for (const k of [ck, rk]) {
      if (k && !inc.keys.includes(k)) {
        inc.keys.push(k);
        let list = this.open.get(k);
        if (!list) this.open.set(k, (list = []));
        list.push(inc);
      }
    }
  }

  /** The most recent open incident under a key. */
  private last(key: string): OpenIncident | undefined {
    const list = this.open.get(key);
    return list?.[list.length - 1];
  }

  private expire(before: number): void {
    let n = 0;
    while (n < this.queue.length && (this.queue[n]?.last ?? Infinity) < before) n++;
    if (n > 0) this.finishOldest(n);
    this.expireContext(before - JOIN_WINDOW_MS, 0);
  }

  private finishOldest(n: number): void {
    const done = this.queue.splice(0, n);
    for (const inc of done) this.finish(inc);
  }

  private finish(inc: OpenIncident): void {
    for (const k of inc.keys) {
      const list = this.open.get(k);
      if (!list) continue;
      const rest = list.filter((x) => x !== inc);
      if (rest.length === 0) this.open.delete(k);
      else this.open.set(k, rest);
    }
    const lo = inc.first - JOIN_WINDOW_MS;
    const hi = inc.last + JOIN_WINDOW_MS;
    const ctx: Fact[] = [];
    for (const c of this.context) {
      const t = c.time ?? 0;
      if (t >= lo && t <= hi) ctx.push(c);
    }
    // A burst of failures keeps the context that explained its start (one capacity warning, many 502s).
    if (this.burst && inc.first - this.burst.last <= JOIN_WINDOW_MS) {
      for (const c of this.burst.context) if (!ctx.includes(c)) ctx.push(c);
    }
    inc.context = ctx;
    const recovered = inc.hasError && !inc.hasAccess && retryable(inc.facts) && this.opts.accessCovers(inc.last);
    const used = this.opts.onIncident({ facts: inc.facts, context: ctx, failed: !recovered, recovered });
    for (const c of used) this.consumed.add(c);
    this.burst = { last: inc.last, context: used.slice(0, 20) };
  }

  /** Context facts that nothing claimed become incidents of their own: a single line shows its mechanism. */
  private expireContext(before: number, keep: number): void {
    let n = 0;
    while (n < this.context.length - keep && (this.context[n]?.time ?? 0) < before) n++;
    if (n === 0) return;
    const gone = this.context.splice(0, n);
    for (const c of gone) {
      if (this.consumed.has(c)) continue;
      this.opts.onIncident({ facts: [c], context: [], failed: true, recovered: false });
    }
  }

  private flushTimeless(): void {
    const facts = this.timeless;
    this.timeless = [];
    if (facts.length === 0) return;
    // Without times, group by connection key only; context facts stand for themselves and explain all of the paste.
    const groups = new Map<string, Fact[]>();
    const context: Fact[] = [];
    let anon = 0;
    for (const f of facts) {
      if (isContextFact(f)) {
        context.push(f);
        continue;
      }
      const k = connKey(f) ?? reqKey(f) ?? `a|${anon++}`;
      let g = groups.get(k);
      if (g && g.some((x) => sig(x) === sig(f))) {
        groups.set(`${k}|${anon++}`, g);
        g = undefined;
      }
      if (!g) {
        g = [];
        groups.set(k, g);
      }
      g.push(f);
    }
    for (const g of groups.values()) {
      for (const c of this.opts.onIncident({ facts: g, context, failed: true, recovered: false })) this.consumed.add(c);
    }
    for (const c of context) if (!this.consumed.has(c)) this.opts.onIncident({ facts: [c], context: [], failed: true, recovered: false });
  }
}

