/** Asks the causes about one incident and picks the one that explains it; a throwing detector is isolated. */
import type { Cause, CauseId, Claim, Incident } from '../causes/types.js';
import type { Fact, FactKind } from '../evidence/facts.js';

export interface Attribution {
  cause: Cause;
  claim: Claim;
  /** Other causes that claimed the incident too (the symptoms a deeper cause explains). */
  alsoClaimed: { cause: Cause; claim: Claim }[];
  /** The incident's shape (see Attributor), when memoised: incidents of one shape show the same evidence. */
  shape?: string;
}

/** Detector failures, reported once per cause in the report's errors. */
export class DetectorErrors {
  private seen = new Map<CauseId, string>();
  add(id: CauseId, e: unknown): void {
    if (!this.seen.has(id)) this.seen.set(id, `detector ${id} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  list(): string[] {
    return [...this.seen.values()];
  }
}

/** Index causes by the fact kinds they judge, so each incident only wakes the causes that care. */
export function indexCauses(causes: readonly Cause[]): Map<FactKind, Cause[]> {
  const idx = new Map<FactKind, Cause[]>();
  for (const c of causes) {
    for (const k of c.meta.facts) {
      let list = idx.get(k);
      if (!list) idx.set(k, (list = []));
      list.push(c);
    }
  }
  return idx;
}

/**
 * Pick the cause of an incident: the most confident claim, unless another claimant is a deeper cause
 * that explains it (PHP-FPM at pm.max_children explains the timeout it produced).
 * @example attribute(incident, indexCauses(catalogue), errors)
 */
export function attribute(incident: Incident, index: Map<FactKind, Cause[]>, errors: DetectorErrors): Attribution | null {
  const asked = new Set<Cause>();
  for (const list of [incident.facts, incident.context]) {
    for (const f of list) for (const c of index.get(f.kind) ?? []) asked.add(c);
  }
  const claims: { cause: Cause; claim: Claim }[] = [];
  for (const cause of asked) {
    let claim: Claim | null;
    try {
      claim = cause.detect(incident);
    } catch (e) {
      errors.add(cause.meta.id, e);
      continue;
    }
    if (claim && claim.confidence > 0) claims.push({ cause, claim: { ...claim, confidence: Math.min(1, claim.confidence) } });
  }
  if (claims.length === 0) return null;
  claims.sort((a, b) => b.claim.confidence - a.claim.confidence);
  let best = claims[0];
  if (!best) return null;
  // Let a deeper cause take over; bounded by the number of claims so a cycle cannot loop.
  for (let i = 0; i < claims.length; i++) {
    const current: { cause: Cause; claim: Claim } = best;
    const deeper = claims.find((c) => c !== current && c.cause.meta.explains?.includes(current.cause.meta.id));
    if (!deeper) break;
    best = deeper;
  }
  const winner = best;
  return { cause: winner.cause, claim: winner.claim, alsoClaimed: claims.filter((c) => c !== winner) };
}

/**
 * Attribution with a memo: detectors are pure functions of the facts' fields, so incidents whose facts agree on
 * every field a detector reads get the same answer. Busy logs repeat a handful of shapes thousands of times.
 */
export class Attributor {
  private memo = new Map<string, { cause: Cause; confidence: number; messageId: string; detail?: string; factIdx: number[]; also: { cause: Cause; claim: Omit<Claim, 'facts'>; factIdx: number[] }[] } | null>();

  constructor(
    private readonly index: Map<FactKind, Cause[]>,
    private readonly errors: DetectorErrors,
  ) {}

  attribute(incident: Incident): Attribution | null {
    if (incident.context.length > 0 || incident.facts.length > 4) return attribute(incident, this.index, this.errors);
    const key = incident.facts.map(shapeOf).join('\n');
    let m = this.memo.get(key);
    if (m === undefined) {
      const a = attribute(incident, this.index, this.errors);
      const idx = (c: Claim): number[] => c.facts.map((f) => incident.facts.indexOf(f));
      m = a
        ? {
            cause: a.cause,
            confidence: a.claim.confidence,
            messageId: a.claim.messageId,
            ...(a.claim.detail !== undefined ? { detail: a.claim.detail } : {}),
            factIdx: idx(a.claim),
            also: a.alsoClaimed.map((x) => ({ cause: x.cause, claim: { confidence: x.claim.confidence, messageId: x.claim.messageId, ...(x.claim.detail !== undefined ? { detail: x.claim.detail } : {}) }, factIdx: idx(x.claim) })),
          }
        : null;
      // A claim citing a fact outside the incident cannot be replayed: do not memoise it.
      if (!m || (m.factIdx.every((i) => i >= 0) && m.also.every((x) => x.factIdx.every((i) => i >= 0)))) {
        if (this.memo.size < 10_000) this.memo.set(key, m);
      }
      if (a) a.shape = key;
      return a;
    }
    if (m === null) return null;
    const pick = (ix: number[]): Fact[] => ix.map((i) => incident.facts[i]).filter((f): f is Fact => f !== undefined);
    const claim: Claim = { confidence: m.confidence, messageId: m.messageId, facts: pick(m.factIdx) };
    if (m.detail !== undefined) claim.detail = m.detail;
    return { cause: m.cause, claim, alsoClaimed: m.also.length === 0 ? [] : m.also.map((x) => ({ cause: x.cause, claim: { ...x.claim, facts: pick(x.factIdx) } })), shape: key };
  }
}

/** Every field of a fact that a detector may read (see src/causes/*.ts). */
function shapeOf(f: Fact): string {
  const t = f.timing;
  const last = (l: (number | null)[] | undefined): string => (l === undefined ? 'u' : l[l.length - 1] === null ? 'n' : 'v');
  return `${f.kind}|${f.errno ?? ''}|${f.stage ?? ''}|${f.detail ?? ''}|${f.status ?? ''}|${f.upstream ?? ''}|${f.scheme ?? ''}|${f.time === null ? 'T' : ''}|${t ? `${last(t.connect)}${last(t.header)}${last(t.statuses)}` : ''}|${f.request?.method ?? ''}`;
}
