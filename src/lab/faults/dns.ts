/** DNS faults: the upstream's name does not resolve — at start-up, or at request time from a resolver that fails. */
import { startDns, type DnsMode } from '../dns-server.js';
import { freePort } from '../ports.js';
import { staticUpstream, type Fault } from './types.js';

const SYSTEM_RESOLVER = 'not applicable: it resolves upstream names with the system resolver, which the lab does not replace';

function resolverFault(name: string, mode: Exclude<DnsMode, { a: string }>, what: string): Fault {
  return {
    name,
    title: `the proxy resolves the upstream name at request time; its DNS server ${what}`,
    cause: 'upstream-dns',
    async start() {
      const dns = await startDns(mode);
      return { target: { scheme: 'http', servers: [`127.0.0.1:${await freePort()}`], hostName: 'app.lab.test', resolver: dns.address }, stop: dns.stop };
    },
    notFor: { apache: SYSTEM_RESOLVER, caddy: SYSTEM_RESOLVER },
    expectFor: {
      haproxy: {
        cause: 'no-healthy-upstream',
        why: 'HAProxy logs no line when its resolvers fail: the server stays without an address and requests get 503 <NOSRV> (no server available)',
      },
    },
  };
}

export const dnsNxdomain = resolverFault('dns-nxdomain', 'nxdomain', 'answers NXDOMAIN (no such name)');
export const dnsServfail = resolverFault('dns-servfail', 'servfail', 'answers SERVFAIL');
export const dnsSilent = resolverFault('dns-silent', 'silent', 'does not answer');

export const dnsUnresolvable: Fault = {
  name: 'dns-unresolvable',
  title: 'the upstream is given by a host name that does not exist (app.lab.invalid)',
  cause: 'upstream-dns',
  start: async () => staticUpstream({ scheme: 'http', servers: [`127.0.0.1:${await freePort()}`], hostName: 'app.lab.invalid' }),
};
