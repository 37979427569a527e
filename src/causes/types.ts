/** The shape of a cause module: metadata plus pure detectors over collected evidence (no I/O here). */
import type { UpstreamTarget } from './util.js';
import type { Fact, FactKind } from '../evidence/facts.js';

export const CAUSE_IDS = [
  'upstream-refused',
  'upstream-unreachable',
  'upstream-timeout',
  'upstream-overloaded',
  'upstream-closed-early',
  'upstream-invalid-response',
  'upstream-header-too-big',
  'upstream-request-too-big',
  'upstream-response-too-large',
  'protocol-mismatch',
  'keepalive-race',
  'upstream-draining',
  'upstream-dns',
  'site-dns',
  'upstream-tls-expired',
  'upstream-tls-untrusted',
  'upstream-tls-handshake',
  'permission-denied',
  'firewall-blocked',
  'no-healthy-upstream',
  'proxy-resource-exhausted',
  'proxy-fault',
  'cdn-origin-error',
  'waf-blocked',
  'app-error',
  'database-unavailable',
  'third-party-failure',
  'client-proxy',
  'client-network',
] as const;

export type CauseId = (typeof CAUSE_IDS)[number];

/** The seed article's headings that the causes refine (../shared/seed/502-bad-gateway.txt). */
export const SEED_CATEGORIES = [
  'Server Overload',
  'Server Downtime',
  'Proxy Server Issues',
  'DNS Issues',
  'Firewall/Security Software',
  'Incorrect Proxy Settings',
  'Software Bugs or Errors',
  'Network Issues',
  'Expired SSL Certificate',
  'Content Delivery Network (CDN) Issues',
  'Web Application Firewall (WAF) Restrictions',
  'Configuration Issues',
  'Database Connection Issues',
  'Third-party Services',
  'Check Proxy Settings',
  'Check Your Internet Connection',
] as const;

export type SeedCategory = (typeof SEED_CATEGORIES)[number];

/** Metadata of a cause: everything the docs, the CLI and the report need to explain and fix it. */
export interface CauseMeta {
  id: CauseId;
  /** States the fault, e.g. "The upstream refused the connection". */
  title: string;
  seedCategory: SeedCategory;
  /** One sentence in plain words. */
  summary: string;
  /** What happens and why a gateway answers 502/503/504 for it. */
  explanation: string;
  /** Statuses a gateway typically answers for this cause. */
  statuses: number[];
  /** Human-readable signals that show the cause, as they appear in logs, probes and configs. */
  signals: string[];
  /** Fact kinds this cause judges: the engine only asks it about incidents holding one of them. */
  facts: FactKind[];
  /** Symptom causes this deeper cause explains: when both claim a request, this one takes it. */
  explains?: CauseId[];
  fixes: { owner: string[]; visitor: string[] };
  /** Owner fixes for one mechanism (by message id): shown first when the evidence is that mechanism. */
  fixesByMessage?: Record<string, string[]>;
  related: CauseId[];
  /** Lab faults that reproduce it, or the reason the lab cannot. */
  lab: { faults: string[] } | { none: string };
  /** Message templates for the report summary, by message id. `{upstream}` and `{detail}` are filled in. */
  messages: Record<string, string>;
}

/** A failed request (or one self-standing observation) with everything seen about it. */
export interface Incident {
  /** Facts that belong to the request, in the order seen. */
  facts: Fact[];
  /** Facts near in time that may explain it (capacity warnings, OOM kills, app errors). */
  context: Fact[];
}

/** A cause's claim on an incident. */
export interface Claim {
  /** 0..1: how sure the evidence makes us. */
  confidence: number;
  /** A key of the cause's `messages`. */
  messageId: string;
  /** The facts that support the claim (a subset of the incident's facts and context). */
  facts: Fact[];
  /** Filled into the message template. */
  detail?: string;
}

/** What the engine knows about all incidents of one upstream once the input is read. */
export interface UpstreamSummary {
  upstream: string;
  /** Failed requests per cause that claimed them first. */
  byCause: Partial<Record<CauseId, number>>;
  /** Upstream failures logged for requests that did not end in an error response (the proxy retried and recovered). */
  recovered: number;
  /** Failures whose request method is not idempotent (POST, PATCH, LOCK): proxies do not retry them. */
  nonIdempotentFailures: number;
  /** Failures the source itself attributes to a reused keep-alive connection. */
  reusedConnectionFailures: number;
  /** Requests that got a normal answer from this upstream, where the source says. */
  successes: number;
  /** Failed requests that came after the upstream had been idle for a second or more (a pooled connection aged). */
  afterIdleFailures: number;
}

/** Facts known about the whole input, for causes that judge across requests. */
export interface GlobalSummary {
  upstreams: ReadonlyMap<string, UpstreamSummary>;
  /** true when an access log covering the error log's time was read, so unanswered errors mean recoveries. */
  accessLogJoined: boolean;
}

/** A move of a group of requests from one cause to another, decided once all evidence is in. */
export interface Reconsideration {
  to: CauseId;
  confidence: number;
  messageId: string;
  detail?: string;
  /** Extra evidence lines saying why (not tied to one request). */
  note?: string;
}

export interface Cause {
  meta: CauseMeta;
  /** Judge one incident. Pure: no I/O, no clock. Return null when the cause does not apply. */
  detect(incident: Incident): Claim | null;
  /**
   * Optional second look, once all input is read: may take over another cause's requests on one upstream
   * (keep-alive races only show across many requests). Called for each (cause, upstream) group.
   */
  reconsider?(from: CauseId, upstream: UpstreamSummary, all: GlobalSummary): Reconsideration | null;
  /**
   * Optional owner checks written for the upstream the evidence names (`ss -ltnp 'sport = :35947'` rather than
   * a sample port). Pure: returns command text, never runs anything.
   */
  checks?(target: UpstreamTarget): string[];
}

/**
 * Declare a cause with its types checked.
 * @example export default defineCause({ meta: {...}, detect: (i) => null })
 */
export function defineCause(cause: Cause): Cause {
  return cause;
}
