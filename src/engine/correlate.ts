/**
 * Groups facts, arriving roughly in time order, into incidents (one per failed request) and lines up the
 * context (capacity warnings, OOM kills, app errors) seen within a bounded window. Memory stays bounded:
 * incidents are handed on once the stream has moved past them by the window.
 */
import { isContextFact, type Fact } from '../evidence/facts.js';

/** Joins across files and lines use this window (contract: ±2 s). */
export const JOIN_WINDOW_MS = 2000;
/**
 * Context lines from other programs (PHP-FPM, the kernel, systemd) are lined up within this window: their clocks
 * may run a few seconds apart from the proxy's (another host, another container).
 */
export const CONTEXT_WINDOW_MS = 5000;
// A request's next line may come as late as its next attempt's timeout.
const RETRY_WINDOW_MS = 600_000;
// A burst inherits the context that explained its start for at most this long after that context line.
const BURST_MS = 60_000;
// Context facts and open incidents kept at most (a flood of them must not grow memory).
const MAX_OPEN = 20_000;
const MAX_CONTEXT = 5_000;
// Connections whose incident was handed on, remembered for late retries (bounded, oldest dropped first).
const MAX_RECENT_CONN = 20_000;

export interface OpenIncident {
  facts: Fact[];
  context: Fact[];
  first: number;
  last: number;
  /** An access-log line (the request's final status) has joined. */
  hasAccess: boolean;
  hasError: boolean;
  keys: string[];
  /** A late retry of a request already handed on (its first attempt's incident is finished). */
  continuation?: boolean;
  /** Its facts moved into another incident (the same request, found later): finishes as nothing. */
  merged?: boolean;
}

export interface FinishedIncident {
  facts: Fact[];
  context: Fact[];
  /** true when the request is known to have ended in an error response, or cannot be known to have recovered. */
  failed: boolean;
  /** The upstream failed but the request got a normal answer: the proxy retried and recovered. */
  recovered: boolean;
  /** Another attempt of a request already counted (a retry logged after the join window): evidence only. */
  continuation?: boolean;
}

export interface CorrelatorOptions {
  /** Called for each incident once no later fact can join it; returns the context facts that explained it. */
  onIncident(i: FinishedIncident): readonly Fact[];
  /** Is an access log covering time t being read (so an error without a 5xx line means the request recovered)? */
  accessCovers(t: number): boolean;
  /** Join access-log lines with error-log lines of the same request (both kinds of log are read). */
  joinRequests: boolean;
}

/** The request's final line: an access-log line (producers "<format>-access"; HAProxy's also names the mechanism). */
const isAccessFact = (f: Fact): boolean => f.producer.endsWith('-access') || f.kind === 'gateway-status' || f.kind === 'app-status';
/** A fact that says how the upstream exchange failed (not only which status the client got). */
const isMechanismFact = (f: Fact): boolean => f.kind !== 'gateway-status' && f.kind !== 'app-status';

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
  // nginx's *N is a client connection that may carry several requests: its lines name the request line, which
  // tells them apart. Apache's pid:tid lines name at most a path on some of them: the thread alone is the key.
  const req = r.method !== undefined ? `${r.method} ${r.uri ?? ''}` : '';
  return `c|${f.ref.file ?? ''}|${r.pid ?? ''}|${r.conn}|${req}`;
}

/**
 * The key that joins a request's lines across files: the client's address and the path. Not the method or the
 * query: Apache's error log names only the path ("returned by /x"), and every source names the client.
 */
function reqKey(f: Fact): string | null {
  const r = f.request;
  if (!r || (r.uri === undefined && r.id === undefined)) return null;
  if (r.id) return `i|${r.id}`;
  const uri = r.uri ?? '';
  const q = uri.indexOf('?');
  return `r|${r.client ?? ''}|${q === -1 ? uri : uri.slice(0, q)}`;
}

/** The client alone: joins access lines with error lines that name no request (Apache's AH00957 + AH01114). */
function clientKey(f: Fact): string | null {
  const c = f.request?.client;
  return c ? `k|${c}` : null;
}

export class Correlator {
  /** The latest open incident per connection key (nginx *N and request). */
  private byConn = new Map<string, OpenIncident>();
  /** Open incidents per request key, for joining access lines with error lines. */
  private byReq = new Map<string, OpenIncident[]>();
  /** Recently finished connection keys: when their last failure was, and on which upstream. */
  private recentConn = new Map<string, { last: number; upstream: string | undefined }>();
  /** Open incidents in creation order; `head` marks the first not yet finished. */
  private queue: (OpenIncident | null)[] = [];
  private head = 0;
  private context: Fact[] = [];
  private frontier = -Infinity;
  /** Context facts that explained the last finished incident, inherited by the next one of the same burst. */
  private burst: { last: number; context: readonly Fact[] } = { last: -Infinity, context: [] };
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
    this.expire(this.frontier - CONTEXT_WINDOW_MS);
  }

  /** Flush everything (end of input). */
  end(): void {
    this.expire(Infinity);
    this.expireContext(Infinity, 0);
    this.flushTimeless();
  }

  private place(f: Fact, t: number): void {
    const access = isAccessFact(f);
    const ck = access ? null : connKey(f);
    const rk = this.opts.joinRequests ? reqKey(f) : null;
    let inc: OpenIncident | undefined;
    if (ck) {
      const cand = this.byConn.get(ck);
      if (cand) {
        const gap = t - cand.last;
        const lateRetry = f.kind === 'timeout' && gap <= RETRY_WINDOW_MS;
        // A repeated (kind, upstream) pair on the same connection is a new request, not a retry.
        if ((gap <= JOIN_WINDOW_MS || lateRetry) && !cand.facts.some((x) => sameSig(x, f))) inc = cand;
      }
    }
    let continuation = false;
    if (!inc && ck && f.kind === 'timeout') {
      // nginx tries the next server after a timeout and logs that attempt's timeout up to proxy_read_timeout later,
      // on the same connection: the same request, already counted.
      const prev = this.recentConn.get(ck);
      if (prev && t - prev.last <= RETRY_WINDOW_MS && t >= prev.last && prev.upstream !== f.upstream) continuation = true;
    }
    if (!inc && rk) {
      // An access line joins the oldest open error incident of the same request that has no access line yet;
      // an error line joins an access-only incident (its access line was read first).
      inc = this.byReq.get(rk)?.find((c) => Math.abs(t - c.last) <= JOIN_WINDOW_MS && (access ? c.hasError && !c.hasAccess : c.hasAccess && !c.hasError));
    }
    // Sources whose error lines name the client but not the request: join by client within the window. Which of
    // a client's simultaneous failures pairs with which access line is arbitrary; the counts stay right.
    const kk = this.opts.joinRequests ? clientKey(f) : null;
    const byClientOnly = kk !== null && (access || rk === null);
    if (!inc && access && kk) {
      inc = this.byReq.get(kk)?.find((c) => Math.abs(t - c.last) <= JOIN_WINDOW_MS && c.hasError && !c.hasAccess);
    }
    if (!access && byClientOnly && kk && (!inc || !inc.hasAccess)) {
      const found = this.byReq.get(kk)?.find((c) => c !== inc && Math.abs(t - c.last) <= JOIN_WINDOW_MS && c.hasAccess && !c.hasError);
      if (found) {
        if (inc) this.mergeInto(inc, found);
        inc = found;
      }
    }
    if (!inc) {
      inc = { facts: [], context: [], first: t, last: t, hasAccess: false, hasError: false, keys: [] };
      if (continuation) inc.continuation = true;
      this.queue.push(inc);
      if (this.queue.length - this.head > MAX_OPEN) this.finishUpTo(this.queue.length - MAX_OPEN / 2);
    }
    inc.facts.push(f);
    if (t > inc.last) inc.last = t;
    if (t < inc.first) inc.first = t;
    if (access) inc.hasAccess = true;
    if (!access || isMechanismFact(f)) inc.hasError = true;
    if (ck && this.byConn.get(ck) !== inc) {
      this.byConn.set(ck, inc);
      inc.keys.push(ck);
    }
    for (const k of [rk, byClientOnly ? kk : null]) {
      if (!k || inc.keys.includes(k)) continue;
      const list = this.byReq.get(k);
      if (list) list.push(inc);
      else this.byReq.set(k, [inc]);
      inc.keys.push(k);
    }
  }

  /** Move an open incident's facts and keys into another (the same request, recognised late). */
  private mergeInto(from: OpenIncident, to: OpenIncident): void {
    to.facts.push(...from.facts);
    to.first = Math.min(to.first, from.first);
    to.last = Math.max(to.last, from.last);
    to.hasError ||= from.hasError;
    to.hasAccess ||= from.hasAccess;
    for (const k of from.keys) {
      if (this.byConn.get(k) === from) this.byConn.set(k, to);
      const list = this.byReq.get(k);
      if (list) {
        const i = list.indexOf(from);
        if (i !== -1) list.splice(i, 1);
        if (!list.includes(to)) list.push(to);
      }
      if (!to.keys.includes(k)) to.keys.push(k);
    }
    from.facts = [];
    from.keys = [];
    from.merged = true;
  }

  private expire(before: number): void {
    let n = this.head;
    while (n < this.queue.length && (this.queue[n]?.last ?? Infinity) < before) n++;
    if (n > this.head) this.finishUpTo(n);
    this.expireContext(before - CONTEXT_WINDOW_MS, 0);
  }

  private finishUpTo(n: number): void {
    for (let i = this.head; i < n; i++) {
      const inc = this.queue[i];
      this.queue[i] = null;
      if (inc) this.finish(inc);
    }
    this.head = n;
    // Drop the finished prefix now and then, not on every call.
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private finish(inc: OpenIncident): void {
    if (inc.merged) return;
    for (const k of inc.keys) {
      if (k.startsWith('c|') && inc.hasError) {
        this.recentConn.set(k, { last: inc.last, upstream: inc.facts[inc.facts.length - 1]?.upstream });
        // Drop the older half at once: deleting one key at a time from the front of a Map is slow in V8.
        if (this.recentConn.size > 2 * MAX_RECENT_CONN) this.recentConn = new Map([...this.recentConn].slice(MAX_RECENT_CONN));
      }
      if (this.byConn.get(k) === inc) this.byConn.delete(k);
      const list = this.byReq.get(k);
      if (list) {
        const i = list.indexOf(inc);
        if (i !== -1) list.splice(i, 1);
        if (list.length === 0) this.byReq.delete(k);
      }
    }
    let ctx: Fact[] = NO_FACTS;
    if (this.context.length > 0) {
      const lo = inc.first - CONTEXT_WINDOW_MS;
      const hi = inc.last + CONTEXT_WINDOW_MS;
      for (const c of this.context) {
        const t = c.time ?? 0;
        if (t >= lo && t <= hi) (ctx === NO_FACTS ? (ctx = []) : ctx).push(c);
      }
    }
    // A burst of failures keeps the context that explained its start (one capacity warning, many 502s).
    if (this.burst.context.length > 0 && inc.first - this.burst.last <= JOIN_WINDOW_MS) {
      for (const c of this.burst.context) {
        if (!ctx.includes(c) && inc.first - (c.time ?? 0) <= BURST_MS) (ctx === NO_FACTS ? (ctx = []) : ctx).push(c);
      }
    }
    inc.context = ctx;
    const continuation = inc.continuation === true && !inc.hasAccess;
    const recovered = !continuation && inc.hasError && !inc.hasAccess && retryable(inc.facts) && this.opts.accessCovers(inc.last);
    const used = this.opts.onIncident({ facts: inc.facts, context: ctx, failed: !recovered && !continuation, recovered, ...(continuation ? { continuation } : {}) });
    for (const c of used) this.consumed.add(c);
    this.burst = used.length > 0 ? { last: inc.last, context: used.slice(0, 20) } : { last: inc.last, context: this.burst.context.length > 0 && inc.first - this.burst.last <= JOIN_WINDOW_MS ? this.burst.context : NO_FACTS };
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
      if (g && g.some((x) => sameSig(x, f))) {
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

const NO_FACTS: Fact[] = [];

function sameSig(a: Fact, b: Fact): boolean {
  // A request-level summary repeats once per server tried (Apache AH01114): it never starts a new request.
  if (a.kind === 'request-failed') return false;
  return a.kind === b.kind && a.upstream === b.upstream && a.errno === b.errno && a.stage === b.stage && a.detail === b.detail;
}
