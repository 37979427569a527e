/** upstream-unreachable: no route to the upstream host. */
import { defineCause } from './types.js';
import { cdnCode, claim, withErrno } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-unreachable',
    title: 'The upstream host is unreachable: no route to it',
    seedCategory: 'Network Issues',
    summary: 'The network between the proxy and the application server has no path to the upstream address: the host is down, the address is wrong, or a route or interface is missing.',
    explanation:
      'The kernel could not send packets to the upstream address at all: "No route to host" (EHOSTUNREACH, often an ARP failure because the host is off, or an ICMP host-unreachable from a router) or "Network is unreachable" (ENETUNREACH: no route for that network, e.g. IPv6 without IPv6 connectivity). Typical after a server or VM was moved, re-addressed or stopped, when a container network was removed, or when a VPC route is missing. The proxy answers 502; Cloudflare shows 523 "Origin is unreachable".',
    statuses: [502, 503, 523],
    signals: [
      'nginx: connect() failed (113: No route to host) / (101: Network is unreachable) while connecting to upstream',
      'HAProxy: SC-- (no route / no ARP)',
      'Cloudflare 523 "Origin is unreachable"',
      'probe: connect fails with EHOSTUNREACH / ENETUNREACH',
    ],
    facts: ['connect-failed', 'cdn-edge-error'],
    fixes: {
      owner: [
        'From the proxy host, test the path: `ping -c3 <upstream-ip>`, `ip route get <upstream-ip>`, `nc -vz <upstream-ip> <port>`.',
        'Check that the upstream host or VM is running and still has the address the proxy uses (`ip addr` on it); update the proxy\'s upstream address after re-addressing.',
        'If the name resolves to IPv6 but the network has none, point the proxy at the IPv4 address or fix IPv6 routing.',
        'In clouds, check route tables, security groups and network ACLs between the proxy subnet and the target subnet (Cloudflare 523: the origin IP in DNS must be reachable from the internet).',
      ],
      visitor: [
        'The site\'s own servers cannot reach each other; nothing on your side can fix it. Try again later.',
        'If it lasts, send this report to the site owner: it names the failing internal hop.',
      ],
    },
    related: ['firewall-blocked', 'upstream-timeout', 'upstream-refused', 'upstream-dns'],
    lab: { none: 'Routing failures need a second network namespace; the loopback-only lab cannot produce EHOSTUNREACH reliably. Covered by fixtures from nginx source and public threads.' },
    messages: {
      noRoute: '{count} request(s) failed: no route to {upstream} ({detail}).',
      cdn523: 'The CDN edge reports the origin is unreachable (Cloudflare 523).',
    },
  },
  detect(i) {
    const f = withErrno(i, 'connect-failed', ['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
    if (f) return claim(0.85, 'noRoute', [f], f.errno);
    const cf = cdnCode(i, ['523']);
    if (cf) return claim(0.8, 'cdn523', [cf]);
    return null;
  },
});
