/** Asks the causes about one incident and picks the one that explains it; a throwing detector is isolated. */
import type { Cause, CauseId, Claim, Incident } from '../causes/types.js';
import type { FactKind } from '../evidence/facts.js';

export interface Attribution {
  cause: Cause;
  claim: Claim;
  /** Other causes that claimed the incident too (the symptoms a deeper cause explains). */
  alsoClaimed: { cause: Cause; claim: Claim }[];
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
