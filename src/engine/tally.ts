/** Adds attributed incidents up per cause and upstream, lets causes reconsider across requests, ranks the result. */
import { upstreamTarget } from '../causes/util.js';
import type { Cause, CauseId, Claim, GlobalSummary, UpstreamSummary } from '../causes/types.js';
import { isContextFact, type EvidenceRef, type Fact } from '../evidence/facts.js';
import { addToBursts, mergeBursts, type Burst } from './bursts.js';
import type { ReportCause } from '../report/types.js';
import { iso } from '../logs/time.js';
import type { Attribution } from './attribute.js';

const MAX_SAMPLES = 8;
// A pooled keep-alive connection idle this long may have been closed by an upstream with a short idle timeout.
const IDLE_MS = 1000;
const MAX_UPSTREAMS = 200;
const NON_IDEMPOTENT = new Set(['POST', 'PATCH', 'LOCK']);
// A winner below this confidence lists runners-up within this span as "also possible".
const ALTERNATIVE_BELOW = 0.8;
const ALTERNATIVE_SPAN = 0.35;

interface Bucket {
  count: number;
  recovered: number;
  first: number | null;
  last: number | null;
  confidence: number;
  messages: Map<string, { n: number; detail?: string }>;
  samples: EvidenceRef[];
  sampleSigs: Set<string>;
  notes: string[];
  bursts: Burst[];
}

function newBucket(): Bucket {
  return { count: 0, recovered: 0, first: null, last: null, confidence: 0, messages: new Map(), samples: [], sampleSigs: new Set(), notes: [], bursts: [] };
}

function factSig(f: Fact): string {
  return `${f.kind}|${f.detail ?? ''}|${f.errno ?? ''}|${f.stage ?? ''}|${f.software ?? ''}|${f.status ?? ''}`;
}

function mergeInto(to: Bucket, from: Bucket): void {
  to.count += from.count;
  to.recovered += from.recovered;
  if (from.first !== null && (to.first === null || from.first < to.first)) to.first = from.first;
  if (from.last !== null && (to.last === null || from.last > to.last)) to.last = from.last;
  to.confidence = Math.max(to.confidence, from.confidence);
  for (const [k, v] of from.messages) {
    const cur = to.messages.get(k);
    if (cur) cur.n += v.n;
    else to.messages.set(k, { ...v });
  }
  for (const s of from.samples) {
    const key = `${s.file ?? ''}:${s.line ?? ''}:${s.text}`;
    if (to.samples.length < MAX_SAMPLES && !to.sampleSigs.has(key)) {
      to.sampleSigs.add(key);
      to.samples.push(s);
    }
  }
  to.notes.push(...from.notes);
  to.bursts = mergeBursts(to.bursts, from.bursts);
}

/** Keeps the running totals of one diagnosis. */
export class Tally {
  private buckets = new Map<CauseId, Map<string, Bucket>>();
  private upstreams = new Map<string, UpstreamSummary>();
  private accessJoined = false;

  constructor(private readonly catalogue: readonly Cause[]) {}

  /** Record that an access log was read alongside, so "recovered" is meaningful. */
  markAccessJoined(): void {
    this.accessJoined = true;
  }

  private upstreamSummary(u: string): UpstreamSummary {
    let s = this.upstreams.get(u);
    if (!s) {
      s = { upstream: u, byCause: {}, recovered: 0, nonIdempotentFailures: 0, reusedConnectionFailures: 0, successes: 0, afterIdleFailures: 0 };
      if (this.upstreams.size < MAX_UPSTREAMS * 10) this.upstreams.set(u, s);
    }
    return s;
  }

  /**
   * Add one attributed incident. When the winner is not sure (< 0.8), close runners-up are kept as
   * "also possible" (count 0), so ambiguous evidence shows its alternatives.
   */
  add(a: Attribution, facts: readonly Fact[], failed: boolean): void {
    this.addTo(a.cause.meta.id, a.claim, facts, failed ? 'failed' : 'recovered', a.shape);
    if (a.claim.confidence < ALTERNATIVE_BELOW) {
      for (const alt of a.alsoClaimed) {
        if (alt.claim.confidence >= a.claim.confidence - ALTERNATIVE_SPAN) this.addTo(alt.cause.meta.id, alt.claim, facts, 'alternative');
      }
    }
    const upstream = facts.find((f) => f.upstream)?.upstream ?? '';
    const us = this.upstreamSummary(upstream);
    const id = a.cause.meta.id;
    if (failed) us.byCause[id] = (us.byCause[id] ?? 0) + 1;
    else us.recovered++;
    const method = facts.find((f) => f.request?.method)?.request?.method;
    if (failed && method && NON_IDEMPOTENT.has(method)) us.nonIdempotentFailures++;
    if (facts.some((f) => f.kind === 'reused-connection-failed')) us.reusedConnectionFailures++;
    if (failed && facts.some((f) => (f.upstreamIdleMs ?? 0) >= IDLE_MS)) us.afterIdleFailures++;
  }

  /** Requests per upstream seen in request logs: with the failures, how many got a normal answer. */
  setRequests(byUpstream: ReadonlyMap<string, number>): void {
    for (const [u, n] of byUpstream) {
      const s = this.upstreams.get(u);
      if (!s) continue;
      const failed = Object.values(s.byCause).reduce((a, b) => a + (b ?? 0), 0);
      s.successes = Math.max(0, n - failed);
    }
  }

  /** A further attempt of a request already counted: its lines are evidence, it adds no request. */
  addEvidence(a: Attribution, facts: readonly Fact[]): void {
    this.addTo(a.cause.meta.id, a.claim, facts, 'evidence', a.shape);
  }

  private addTo(id: CauseId, claim: Claim, facts: readonly Fact[], role: 'failed' | 'recovered' | 'alternative' | 'evidence', shape?: string): void {
    const upstream = facts.find((f) => f.upstream)?.upstream ?? '';
    let perCause = this.buckets.get(id);
    if (!perCause) this.buckets.set(id, (perCause = new Map<string, Bucket>()));
    let b = perCause.get(upstream);
    if (!b) {
      const key = perCause.size < MAX_UPSTREAMS ? upstream : '(other)';
      b = perCause.get(key);
      if (!b) perCause.set(key, (b = newBucket()));
    }
    if (role === 'failed') {
      b.count++;
      const end = facts.find((f) => f.status !== undefined && f.time !== null) ?? facts.find((f) => f.time !== null);
      if (end?.time !== null && end?.time !== undefined) addToBursts(b.bursts, end.time, end.status, claim.facts.find(isContextFact));
    } else if (role === 'recovered') b.recovered++;
    b.confidence = Math.max(b.confidence, claim.confidence);
    for (const list of [facts, claim.facts]) {
      for (const f of list) {
        if (f.time === null) continue;
        if (b.first === null || f.time < b.first) b.first = f.time;
        if (b.last === null || f.time > b.last) b.last = f.time;
      }
    }
    const m = b.messages.get(claim.messageId);
    if (m) m.n++;
    else b.messages.set(claim.messageId, claim.detail !== undefined ? { n: 1, detail: claim.detail } : { n: 1 });
    // Incidents of a shape already sampled add no new kind of evidence line; once the samples are full no shape
    // is remembered, so memory stays bounded however many upstreams and shapes a log has.
    if (b.samples.length < MAX_SAMPLES && (shape === undefined || !b.sampleSigs.has(shape))) {
      this.sample(b, claim, facts);
      if (shape !== undefined) b.sampleSigs.add(shape);
    }
  }

  private sample(b: Bucket, claim: Claim, facts: readonly Fact[]): void {
    if (b.samples.length >= MAX_SAMPLES) return;
    const ordered = [...claim.facts, ...facts.filter((f) => !claim.facts.includes(f))];
    // Prefer lines that show something not shown yet; the first of each kind is the most telling.
    for (const f of ordered) {
      const s = factSig(f);
      if (b.sampleSigs.has(s) || b.samples.length >= MAX_SAMPLES) continue;
      b.sampleSigs.add(s);
      b.samples.push(f.ref);
    }
  }

  /** Build the ranked causes, after letting causes reconsider whole upstream groups. */
  result(): ReportCause[] {
    const global: GlobalSummary = { upstreams: this.upstreams, accessLogJoined: this.accessJoined };
    const byId = new Map(this.catalogue.map((c) => [c.meta.id, c]));
    // Reconsider: e.g. keepalive-race takes closed-early groups on upstreams where failures were retried and recovered.
    for (const [from, perCause] of [...this.buckets]) {
      for (const [upstream, bucket] of [...perCause]) {
        const us = this.upstreams.get(upstream);
        if (!us) continue;
        for (const c of this.catalogue) {
          if (!c.reconsider || c.meta.id === from) continue;
          let r;
          try {
            r = c.reconsider(from, us, global);
          } catch {
            r = null;
          }
          if (!r) continue;
          perCause.delete(upstream);
          let target = this.buckets.get(r.to);
          if (!target) this.buckets.set(r.to, (target = new Map<string, Bucket>()));
          const moved = { ...bucket, confidence: r.confidence, messages: new Map([[r.messageId, r.detail !== undefined ? { n: bucket.count, detail: r.detail } : { n: bucket.count }]]) };
          if (r.note) moved.notes = [...bucket.notes, r.note];
          const existing = target.get(upstream);
          if (existing) mergeInto(existing, moved);
          else target.set(upstream, moved);
          break;
        }
      }
    }
    const out: ReportCause[] = [];
    for (const [id, perCause] of this.buckets) {
      const cause = byId.get(id);
      if (!cause || perCause.size === 0) continue;
      const total = newBucket();
      for (const b of perCause.values()) mergeInto(total, b);
      const upstreams = [...perCause.entries()]
        .filter(([u]) => u !== '' && u !== '(other)')
        .sort((a, b) => b[1].count + b[1].recovered - (a[1].count + a[1].recovered))
        .map(([u]) => u);
      const top = [...total.messages.entries()].sort((a, b) => b[1].n - a[1].n)[0];
      const rc: ReportCause = {
        id,
        title: cause.meta.title,
        seedCategory: cause.meta.seedCategory,
        confidence: Math.round(total.confidence * 100) / 100,
        count: total.count,
        firstSeen: total.first === null ? null : iso(total.first),
        lastSeen: total.last === null ? null : iso(total.last),
        upstreams,
        evidence: total.samples.map((s) => ({ ...s })),
        fixes: { owner: [...checksFor(cause, upstreams[0]), ...(top ? (cause.meta.fixesByMessage?.[top[0]] ?? []) : []), ...cause.meta.fixes.owner], visitor: [...cause.meta.fixes.visitor] },
      };
      if (top) rc.messageId = top[0];
      const bursts = reportBursts(total.bursts);
      if (bursts.length > 0) rc.bursts = bursts;
      const values = { count: total.count, recovered: total.recovered, upstream: upstreams[0], detail: top?.[1].detail };
      const parts: string[] = [];
      if (total.count === 0 && total.recovered > 0) {
        // Every failure of this kind was retried and answered normally: say so rather than "0 request(s) failed".
        parts.push(fillMessage('No request failed from it: {recovered} upstream failure(s) on {upstream} were retried by the proxy and recovered.', values));
      } else if (top) {
        parts.push(fillMessage(cause.meta.messages[top[0]] ?? top[0], values));
      }
      // Notes (why a group was reconsidered) belong to the explanation, not to the evidence lines.
      parts.push(...new Set(total.notes));
      if (parts.length > 0) rc.message = parts.join(' ');
      out.push(rc);
    }
    return rankCauses(out, this.catalogue);
  }
}

/** The largest bursts (at most 5), in time order, as the report shows them. */
function reportBursts(list: readonly Burst[]): NonNullable<ReportCause['bursts']> {
  return [...list]
    .sort((a, b) => b.count - a.count)
    .slice(0, 5)
    .sort((a, b) => a.from - b.from)
    .map((b) => ({
      from: iso(b.from),
      to: iso(b.to),
      count: b.count,
      statuses: Object.fromEntries([...b.statuses].sort((x, y) => x[0] - y[0]).map(([s, n]) => [String(s), n])),
      ...(b.because ? { because: { ...b.because.ref, ...(b.because.time !== null ? { time: iso(b.because.time) } : {}), ...(b.because.software ? { software: b.because.software } : {}) } } : {}),
    }));
}

/** The cause's checks written for the upstream seen most, if it has any. */
function checksFor(cause: Cause, upstream: string | undefined): string[] {
  if (!cause.checks || !upstream) return [];
  try {
    return cause.checks(upstreamTarget(upstream));
  } catch {
    return [];
  }
}

/** Contract ranking: by count, then confidence; catalogue order breaks ties so output is stable. */
export function rankCauses(causes: ReportCause[], catalogue: readonly Cause[]): ReportCause[] {
  const order = new Map(catalogue.map((c, i) => [c.meta.id, i]));
  return causes.sort((a, b) => b.count - a.count || b.confidence - a.confidence || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** Fill a message template: {count}, {recovered}, {upstream}, {detail}. */
export function fillMessage(tpl: string, v: { count?: number; recovered?: number; upstream?: string | undefined; detail?: string | undefined }): string {
  return tpl
    .replace(/\{count\}/g, String(v.count ?? 0))
    .replace(/\{recovered\}/g, String(v.recovered ?? 0))
    .replace(/\{upstream\}/g, v.upstream ?? 'the upstream')
    .replace(/\{detail\}/g, v.detail ?? '');
}
