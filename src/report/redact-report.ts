/** Applies secret masking to every text of a report before it is rendered. */
import { redact } from '../evidence/redact.js';
import type { Report } from './types.js';

/**
 * Return a copy of the report with secrets masked in target, summary and evidence.
 * @example renderJson(redactReport(report))
 */
export function redactReport(r: Report): Report {
  return {
    ...r,
    target: redact(r.target),
    summary: redact(r.summary),
    causes: r.causes.map((c) => ({
      ...c,
      ...(c.message !== undefined ? { message: redact(c.message) } : {}),
      evidence: c.evidence.map((e) => ({ ...e, text: redact(e.text) })),
    })),
    ...(r.chain ? { chain: r.chain.map((h) => ({ ...h, evidence: h.evidence.map((e) => ({ ...e, text: redact(e.text) })) })) } : {}),
    errors: r.errors.map(redact),
  };
}
