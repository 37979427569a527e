/**
 * A fault: a deliberately broken upstream (registered by name), described to the proxies in neutral terms
 * (ProxyTarget) that each launcher turns into its own configuration, and the traffic that shows it.
 */
import type { CauseId } from '../../causes/types.js';
import type { KeyPair } from '../certs.js';
import type { ProxyKind } from '../launchers/types.js';

/** What a fault gets to build its upstream. */
export interface FaultEnv {
  /** Scratch directory of this scenario (mode 0755: proxy workers may traverse it). */
  dir: string;
  /** The lab CA (created on first use). */
  ca(): Promise<KeyPair>;
  /** The proxy the fault is being placed behind (some upstreams adapt, e.g. PHP-FPM's socket owner). */
  proxy: ProxyKind;
}

/** How the proxy must reach the upstream, in proxy-neutral terms. */
export interface ProxyTarget {
  /** The protocol the proxy speaks to the upstream. */
  scheme: 'http' | 'https' | 'fastcgi';
  /** Upstream servers ("127.0.0.1:port" or "unix:/path"); more than one makes a load-balanced group. */
  servers: string[];
  /** A host name to use instead of the servers' address (resolved by the proxy; port from `servers[0]`). */
  hostName?: string;
  /** Resolve hostName at request time with this DNS server ("127.0.0.1:port"). */
  resolver?: string;
  /** Verify the upstream certificate against this CA, expecting this name (sent as SNI). */
  verify?: { ca: string; name: string };
  /** Offer only this TLS version to the upstream. */
  tlsVersion?: 'TLSv1.2';
  /** How long the proxy waits for the response header (ms). */
  readTimeoutMs?: number;
  /** Keep idle upstream connections for reuse (an upstream keep-alive pool). */
  keepalive?: boolean;
  /** Take a server out of the group after one failure, for a while. */
  failFast?: boolean;
  /** The proxy's own limit on simultaneous connections. */
  maxConnections?: number;
  /** For FastCGI: the document root and script the requests run. */
  fastcgi?: { root: string };
}

/** A running faulty upstream. */
export interface Upstream {
  target: ProxyTarget;
  stop: () => Promise<void>;
  /** Logs the upstream itself writes (PHP-FPM), read with the proxy's logs. */
  logs?: string[];
}

/** One request of a scenario's traffic. */
export interface LabRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Pause before this request (ms), e.g. to let an idle keep-alive connection age. */
  delayMs?: number;
}

export interface Traffic {
  requests: LabRequest[];
  /** Send this many at once (default 1: one after another). */
  concurrency?: number;
  /** Per-request deadline (ms). */
  timeoutMs?: number;
}

export interface Fault {
  name: string;
  /** What the upstream does wrong, in plain words. */
  title: string;
  /** The cause the lab expects why502 to name. */
  cause: CauseId;
  start(env: FaultEnv): Promise<Upstream>;
  traffic?: Traffic;
  /** Proxies this fault cannot be produced behind, and why. */
  notFor?: Partial<Record<ProxyKind, string>>;
  /**
   * Proxies whose logs cannot tell this fault from a neighbour, the cause why502 must name from them instead,
   * and why (HAProxy logs "SC" for a refused connection and for a socket it may not open alike).
   */
  expectFor?: Partial<Record<ProxyKind, { cause: CauseId; why: string }>>;
}

/** The cause the lab expects from this proxy's logs for a fault. */
export function expectedCause(fault: Fault, proxy: ProxyKind): CauseId {
  return fault.expectFor?.[proxy]?.cause ?? fault.cause;
}

/** An upstream that needs nothing running (a closed port, a missing socket, a name). */
export function staticUpstream(target: ProxyTarget): Upstream {
  return { target, stop: () => Promise.resolve() };
}
