/** Small pure helpers shared by cause detectors. */
import type { ErrnoCode, Fact, FactKind } from '../evidence/facts.js';
import type { Claim, Incident } from './types.js';

/** The incident's own facts of the given kinds. */
export function own(i: Incident, ...kinds: FactKind[]): Fact[] {
  return i.facts.filter((f) => kinds.includes(f.kind));
}

/** Context facts (near in time) of the given kinds. */
export function near(i: Incident, ...kinds: FactKind[]): Fact[] {
  return i.context.filter((f) => kinds.includes(f.kind));
}

/** The first own fact of a kind whose errno is one of `errnos`. */
export function withErrno(i: Incident, kind: FactKind, errnos: readonly ErrnoCode[]): Fact | undefined {
  return i.facts.find((f) => f.kind === kind && f.errno !== undefined && errnos.includes(f.errno));
}

/** A CDN edge error fact carrying one of the given codes (Cloudflare 52x, CloudFront reasons). */
export function cdnCode(i: Incident, codes: readonly string[]): Fact | undefined {
  return i.facts.find((f) => f.kind === 'cdn-edge-error' && f.detail !== undefined && codes.includes(f.detail));
}

/** The access-log fact of the request (gateway or passed-through status). */
export function accessFact(i: Incident): Fact | undefined {
  return i.facts.find((f) => f.kind === 'gateway-status' || f.kind === 'app-status');
}

/** True when the incident holds a mechanism fact other than the listed kinds (something more specific). */
export function hasOtherMechanism(i: Incident, except: readonly FactKind[]): boolean {
  return i.facts.some((f) => !except.includes(f.kind) && f.kind !== 'gateway-status' && f.kind !== 'app-status' && f.kind !== 'request-failed');
}

export function claim(confidence: number, messageId: string, facts: Fact[], detail?: string): Claim {
  const c: Claim = { confidence, messageId, facts };
  if (detail !== undefined) c.detail = detail;
  return c;
}

/** The last value of a per-attempt timing list. */
export function lastOf<T>(list: readonly T[] | undefined): T | undefined {
  return list && list.length > 0 ? list[list.length - 1] : undefined;
}

/**
 * Can a line from an upstream's own log (PHP-FPM, gunicorn, uWSGI) be about this incident's upstream? Only
 * when the proxy spoke that server's protocol to it: PHP-FPM serves FastCGI, gunicorn HTTP. Lines from the
 * kernel, systemd or an application log, and incidents whose protocol is unknown, can always be.
 */
export function sameBackend(context: Fact, i: Incident): boolean {
  const scheme = i.facts.find((f) => f.scheme !== undefined)?.scheme;
  if (scheme === undefined) return true;
  switch (context.software) {
    case 'php-fpm':
      return scheme === 'fastcgi';
    case 'uwsgi':
      return scheme === 'uwsgi' || scheme === 'http';
    case 'gunicorn':
      return scheme === 'http' || scheme === 'https';
    default:
      return true;
  }
}

/** An upstream as a check can use it: a unix socket path, a host and port, or only a name (an upstream group). */
export type UpstreamTarget = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number } | { kind: 'name'; name: string };

/**
 * Read a normalised upstream ("127.0.0.1:8080", "[::1]:80", "unix:/run/php/fpm.sock", "backend").
 * @example upstreamTarget('unix:/run/php/php8.2-fpm.sock') // { kind: 'unix', path: '/run/php/php8.2-fpm.sock' }
 */
export function upstreamTarget(u: string): UpstreamTarget {
  if (u.startsWith('unix:')) return { kind: 'unix', path: u.slice(5).replace(/:$/, '') };
  const m = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(u);
  if (m && Number(m[2]) <= 65535) return { kind: 'tcp', host: m[1] ?? '', port: Number(m[2]) };
  return { kind: 'name', name: u };
}

/** The URL of a TCP upstream for curl (IPv6 in brackets). */
export function targetUrl(t: { host: string; port: number }, scheme = 'http'): string {
  return `${scheme}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}/`;
}
