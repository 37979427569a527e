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
  return i.facts.some((f) => !except.includes(f.kind) && f.kind !== 'gateway-status' && f.kind !== 'app-status');
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
