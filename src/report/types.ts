/** The versioned report every command returns (schemaVersion 1; JSON Schema in schema/report.schema.json). */
import type { CauseId, SeedCategory } from '../causes/types.js';
import type { Phase } from '../evidence/facts.js';
import type { DoctorStats } from '../doctor/doctor.js';

export interface ReportEvidence {
  source: 'log' | 'probe' | 'config' | 'system';
  file?: string;
  line?: number;
  phase?: Phase;
  /** Redacted unless --no-redact. */
  text: string;
}

export interface ReportCause {
  id: CauseId;
  title: string;
  seedCategory: SeedCategory;
  confidence: number;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  upstreams: string[];
  evidence: ReportEvidence[];
  fixes: { owner: string[]; visitor: string[] };
  /** One sentence on what the evidence shows, filled from the cause's message templates. */
  message?: string;
  /** The key of that message in the cause's metadata (stable, for tools and tests). */
  messageId?: string;
  /**
   * The causal chain: the largest bursts of its failed requests (at most 5, in time order), each with the line
   * from the upstream's side that explained it (PHP-FPM pool full, OOM kill), when one did.
   */
  bursts?: ReportBurst[];
}

export interface ReportBurst {
  from: string;
  to: string;
  count: number;
  /** Failed requests by the status the client got. */
  statuses: Record<string, number>;
  because?: ReportEvidence & { time?: string; software?: string };
}

export type HopRole = 'client-proxy' | 'cdn' | 'load-balancer' | 'proxy' | 'app';

export interface Hop {
  layer: string;
  role: HopRole;
  status?: number;
  evidence: ReportEvidence[];
  emitted?: true;
}

export interface ReportStats {
  linesRead?: number;
  linesRecognised?: number;
  timeRange?: { from: string; to: string };
  durationMs: number;
  /** Per input file: the format it was read as and its line counts. */
  files?: { file: string; format: string; linesRead: number; linesRecognised: number }[];
  /** Access logs: responses by status class and the gateway statuses. */
  statuses?: Record<string, number>;
  /** Failed requests (502/503/504 and 5xx explained by an error line) that no evidence explains. */
  unexplained?: number;
  /** Failed requests per upstream, per path and per time bucket (top entries). */
  failures?: {
    byUpstream: { key: string; count: number }[];
    byPath: { key: string; count: number }[];
    timeline: { from: string; seconds: number; requests: number; failed: number }[];
  };
  /** Lines not recognised as any known log line, as "file:line" (first 50). */
  unrecognisedLines?: string[];
  /** The probe: its attempts, DNS and TLS as seen, phase timings of the first attempt, the visitor checks run. */
  probe?: ProbeStats;
  /** config: the kind read, files read, findings, the nginx version checked against (and whether it was assumed), reader notes. */
  config?: { kind?: 'nginx' | 'haproxy' | 'apache'; files: number; findings: number; nginxVersion: string; nginxVersionAssumed: boolean; notes: string[] };
  /** doctor: the proxies found, each upstream's state and restart command, the logs read, the host, the software. */
  doctor?: DoctorStats;
}

/** One attempt as the report lists it. */
export interface AttemptRecord {
  n: number;
  address: string;
  reused: boolean;
  /** What it was: "first", "retry", "cookie-less", "curl user agent", "http/1.1", "via proxy", "origin". */
  check: string;
  status: number | null;
  failed: boolean;
  /** The failure in a few words when it failed. */
  failure?: string;
  ms: number;
  /** When it started (ISO 8601, UTC). */
  at: string;
}

export interface ProbeStats {
  attempts: AttemptRecord[];
  dns?: { addresses: string[]; resolvers: { resolver: string; answer: string }[] };
  tls?: { protocol: string | null; cipher: string | null; alpn: string | null; issuer?: string; validTo?: string; daysToExpiry?: number };
  timings?: { dns?: number; connect?: number; tls?: number; ttfb?: number; total: number };
  /** The seed article's visitor solutions, as run. */
  checks: { check: string; outcome: string }[];
  /** Request ids the failing answers carried (cf-ray, x-amz-cf-id, x-request-id...): what the site's support needs. */
  requestIds?: { header: string; value: string }[];
  failureRate?: number;
}



export interface Report {
  schemaVersion: 1;
  tool: { name: 'why502'; version: string };
  command: 'logs' | 'probe' | 'config' | 'doctor';
  target: string;
  summary: string;
  causes: ReportCause[];
  chain?: Hop[];
  stats: ReportStats;
  notAssessed: { cause?: CauseId; need: string }[];
  errors: string[];
}
