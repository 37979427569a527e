/** Typed facts with provenance: what a collector saw, never what it means. Causes judge facts. */

/** Where a piece of evidence came from. `text` is the raw text; renderers mask secrets in it. */
export interface EvidenceRef {
  source: 'log' | 'probe' | 'config' | 'system';
  file?: string;
  line?: number;
  phase?: Phase;
  text: string;
}

/** Probe phases, in the order a request goes through them. */
export type Phase = 'dns' | 'connect' | 'tls' | 'http';

/** Where in the exchange with the upstream a failure happened. */
export type Stage = 'resolve' | 'connect' | 'tls' | 'send' | 'header' | 'body';

/**
 * The vocabulary of observations. A collector maps what it reads to one of these kinds; it never names a cause.
 * Adding a kind: add it here with a one-line meaning, then teach the causes that should judge it.
 */
export const FACT_KINDS = {
  'connect-failed': 'connecting to the upstream failed with an OS error (errno says which)',
  'timeout': 'the upstream did not answer in time (stage says which wait)',
  'upstream-closed': 'the upstream closed the connection before a complete response',
  'upstream-reset': 'the upstream reset the connection, or the write to it broke',
  'invalid-response': 'the upstream sent something that is not valid HTTP / FastCGI / uwsgi',
  'header-too-big': 'the upstream response header did not fit the proxy buffer',
  'request-too-big': 'the upstream refused the request because its header was too large',
  'response-too-large': 'the response body exceeded a platform limit',
  'unexpected-protocol': 'the two sides speak different protocols (detail says which)',
  'reused-connection-failed': 'a failure on a reused keep-alive connection, as the proxy itself reports it',
  'upstream-stopping': 'the upstream was deregistered or shutting down when the request came',
  'service-down': "the upstream's service stopped, exited with an error, or failed to start",
  'no-live-upstreams': 'the proxy had no usable server left in the group',
  'upstream-disabled': 'the proxy marked one upstream server as failed',
  'resolve-failed': 'a DNS lookup of the upstream name failed (detail: NXDOMAIN, SERVFAIL, timeout...)',
  'no-resolver': 'the proxy needed to resolve a name at run time but has no resolver configured',
  'site-lookup-failed': 'the site name itself did not resolve, or resolvers disagree',
  'tls-cert-expired': 'the upstream certificate is expired or not yet valid',
  'tls-cert-untrusted': 'the upstream certificate chain could not be verified',
  'tls-name-mismatch': 'the upstream certificate does not match the expected name',
  'tls-handshake-failed': 'the TLS handshake with the upstream failed',
  'access-denied': 'the OS denied the connection (errno 13, SELinux, AppArmor)',
  'firewall-drop': 'packets were dropped or rejected by a filter',
  'proxy-resource': 'the proxy hit its own limit (fds, worker_connections, ports, memory; detail says which)',
  'proxy-crash': 'a proxy process crashed or failed to (re)load',
  'upstream-capacity': 'the upstream application server reported its pool is full (pm.max_children, backlog)',
  'upstream-worker-killed': 'an upstream worker died or was killed (signal, OOM, worker timeout)',
  'oom-kill': 'the kernel killed a process for lack of memory',
  'app-fatal': 'the application logged a fatal error',
  'app-status': 'the upstream application itself answered with a 5xx status',
  'db-error': 'the application could not reach its database',
  'third-party-error': 'a service the application calls failed or hung',
  'waf-block': 'a WAF or bot filter blocked the request or response',
  'cdn-edge-error': 'a CDN edge reported an error contacting the origin (detail: its code)',
  'forward-proxy-error': "the visitor's own proxy produced the error",
  'local-network-error': "the visitor's own network or resolver failed",
  'gateway-status': 'a gateway answered 5xx; the log line itself does not say why',
  'request-failed': 'the proxy logged that it failed a request, naming the request but not how (Apache AH00898, AH01114)',
} as const;

export type FactKind = keyof typeof FACT_KINDS;

/** Stable OS / TLS failure codes shared by every collector (undici-style: match codes, not messages). */
export type ErrnoCode =
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'EPIPE'
  | 'ETIMEDOUT'
  | 'EHOSTUNREACH'
  | 'ENETUNREACH'
  | 'EHOSTDOWN'
  | 'ENETDOWN'
  | 'ENOENT'
  | 'EACCES'
  | 'EPERM'
  | 'EAGAIN'
  | 'EADDRNOTAVAIL'
  | 'EMFILE'
  | 'ENFILE'
  | 'ENOMEM'
  | 'ENOTFOUND'
  | 'EAI_AGAIN'
  | 'ECONNABORTED'
  | 'EOTHER';

/** The request a fact belongs to, as far as the source tells. */
export interface RequestInfo {
  /** Connection number (`*N` in nginx) or another per-request key of the source. */
  conn?: string;
  /** Process id of the writer, to keep connection numbers of different workers apart. */
  pid?: string;
  client?: string;
  method?: string;
  /** Request target (path and query). */
  uri?: string;
  host?: string;
  /** Request id when the source logs one (x-request-id, Ray ID, trace id). */
  id?: string;
}

/** Access-log timings of the upstream exchange (seconds; null when the source wrote "-"). */
export interface UpstreamTiming {
  connect?: (number | null)[];
  header?: (number | null)[];
  response?: (number | null)[];
  statuses?: (number | null)[];
}

/** One observation with its provenance. */
export interface Fact {
  kind: FactKind;
  /** The collector/format that produced the fact, e.g. "nginx-error". */
  producer: string;
  ref: EvidenceRef;
  /** Epoch milliseconds, or null when the source has no time (pasted fragments). */
  time: number | null;
  /** true when `time` was read without a zone and the zone was assumed. */
  timeAssumedZone?: boolean;
  upstream?: string;
  /** The scheme the proxy used toward the upstream (http, https, fastcgi, uwsgi, grpc...), when the source says. */
  scheme?: string;
  request?: RequestInfo;
  /** HTTP status the gateway answered, when the source says. */
  status?: number;
  errno?: ErrnoCode;
  stage?: Stage;
  /** Short machine-readable detail: a verify reason, a resolver answer, a flag. */
  detail?: string;
  /** The software that wrote the line (nginx, haproxy, php-fpm, ...). */
  software?: string;
  timing?: UpstreamTiming;
  /** Severity as the source wrote it (error, crit, warn...). */
  level?: string;
  /**
   * Milliseconds the upstream had been without requests in this log before this one (a pooled keep-alive
   * connection idles that long): observed by request logs read line by line.
   */
  upstreamIdleMs?: number;
}

/** A fact that stands on its own in time (a capacity warning, an OOM kill) rather than belonging to one request. */
export function isContextFact(f: Fact): boolean {
  return f.request === undefined && CONTEXT_KINDS.has(f.kind);
}

const CONTEXT_KINDS: ReadonlySet<FactKind> = new Set<FactKind>([
  'upstream-capacity',
  'upstream-worker-killed',
  'oom-kill',
  'app-fatal',
  'db-error',
  'third-party-error',
  'proxy-resource',
  'proxy-crash',
  'upstream-disabled',
  'upstream-stopping',
  'service-down',
]);
