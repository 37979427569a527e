/** The cause catalogue: every cause module, registered in the contract's order. */
import type { Cause, CauseId } from './types.js';
import upstreamRefused from './upstream-refused.js';
import upstreamUnreachable from './upstream-unreachable.js';
import upstreamTimeout from './upstream-timeout.js';
import upstreamOverloaded from './upstream-overloaded.js';
import upstreamClosedEarly from './upstream-closed-early.js';
import upstreamInvalidResponse from './upstream-invalid-response.js';
import upstreamHeaderTooBig from './upstream-header-too-big.js';
import upstreamRequestTooBig from './upstream-request-too-big.js';
import upstreamResponseTooLarge from './upstream-response-too-large.js';
import protocolMismatch from './protocol-mismatch.js';
import keepaliveRace from './keepalive-race.js';
import upstreamDraining from './upstream-draining.js';
import upstreamDns from './upstream-dns.js';
import siteDns from './site-dns.js';
import upstreamTlsExpired from './upstream-tls-expired.js';
import upstreamTlsUntrusted from './upstream-tls-untrusted.js';
import upstreamTlsHandshake from './upstream-tls-handshake.js';
import permissionDenied from './permission-denied.js';
import firewallBlocked from './firewall-blocked.js';
import noHealthyUpstream from './no-healthy-upstream.js';
import proxyResourceExhausted from './proxy-resource-exhausted.js';
import proxyFault from './proxy-fault.js';
import cdnOriginError from './cdn-origin-error.js';
import wafBlocked from './waf-blocked.js';
import appError from './app-error.js';
import databaseUnavailable from './database-unavailable.js';
import thirdPartyFailure from './third-party-failure.js';
import clientProxy from './client-proxy.js';
import clientNetwork from './client-network.js';

/** All causes, in the order of ../shared/CONTRACT.md. */
export const causes: readonly Cause[] = [
  upstreamRefused,
  upstreamUnreachable,
  upstreamTimeout,
  upstreamOverloaded,
  upstreamClosedEarly,
  upstreamInvalidResponse,
  upstreamHeaderTooBig,
  upstreamRequestTooBig,
  upstreamResponseTooLarge,
  protocolMismatch,
  keepaliveRace,
  upstreamDraining,
  upstreamDns,
  siteDns,
  upstreamTlsExpired,
  upstreamTlsUntrusted,
  upstreamTlsHandshake,
  permissionDenied,
  firewallBlocked,
  noHealthyUpstream,
  proxyResourceExhausted,
  proxyFault,
  cdnOriginError,
  wafBlocked,
  appError,
  databaseUnavailable,
  thirdPartyFailure,
  clientProxy,
  clientNetwork,
];

const byId = new Map<string, Cause>(causes.map((c) => [c.meta.id, c]));

/** Look a cause up by id. */
export function causeById(id: string): Cause | undefined {
  return byId.get(id);
}

export type { Cause, CauseId };
/**
 * The cause catalogue, for library users.
 * @example for (const c of catalogue()) console.log(c.meta.id, c.meta.title)
 */
export function catalogue(): readonly Cause[] {
  return causes;
}
