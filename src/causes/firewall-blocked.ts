/** firewall-blocked: packets to the upstream are dropped or rejected by a firewall. */
import { defineCause } from './types.js';
import { cdnCode, claim, own, withErrno } from './util.js';

export default defineCause({
  meta: {
    id: 'firewall-blocked',
    title: 'A firewall blocks traffic between the proxy and the upstream',
    seedCategory: 'Firewall/Security Software',
    summary: 'A packet filter between (or on) the hosts drops or rejects the proxy\'s connections: a local iptables/nftables rule, a cloud security group, or an origin firewall that blocks the CDN\'s addresses.',
    explanation:
      'Firewalls show in three ways. A local rule on the proxy host that rejects outgoing traffic makes connect() fail at once with "Operation not permitted" (EPERM). A rule that drops packets silently makes the connection attempt hang until the connect timeout (504 / Cloudflare 522). A REJECT rule elsewhere returns ICMP unreachable or a TCP reset, which looks like "no route" or "connection refused". The most common case behind a CDN: the origin firewall (or a security plugin, fail2ban, a hosting provider\'s DDoS filter) blocks or rate-limits the CDN\'s IP ranges, giving Cloudflare 521/522.',
    statuses: [502, 504, 522],
    signals: [
      'nginx: connect() failed (1: Operation not permitted) while connecting to upstream (local netfilter rule)',
      'nginx: upstream timed out (110: Connection timed out) while connecting to upstream (dropped SYNs)',
      'Cloudflare 522 "Connection timed out" / 521 with the origin up; CloudFront 502 "could not connect to the origin"',
      'probe: origin reachable directly (--origin) but the edge gives 52x',
    ],
    facts: ['connect-failed', 'firewall-drop', 'timeout', 'cdn-edge-error'],
    fixes: {
      owner: [
        'On the proxy host: `iptables -S OUTPUT`, `nft list ruleset`, and test `nc -vz <upstream> <port>` — EPERM comes from a local rule.',
        'On the upstream host: allow the proxy\'s address on the app port (`ufw allow from 10.0.0.5 to any port 8080 proto tcp`), and check cloud security groups / network ACLs in both directions (ephemeral ports for the replies).',
        'Behind a CDN: allow the CDN\'s published IP ranges (Cloudflare: https://www.cloudflare.com/ips/) in the origin firewall, fail2ban and security plugins; do not rate-limit them.',
        'Check that the connect timeout is not simply too short for a distant upstream (`proxy_connect_timeout 5s;` is usually plenty on a LAN).',
      ],
      visitor: ['The site\'s own firewall blocks its servers from talking to each other. Nothing on your side can fix it; tell the site owner.'],
    },
    related: ['upstream-timeout', 'upstream-unreachable', 'upstream-refused', 'cdn-origin-error', 'waf-blocked'],
    lab: { none: 'Needs netfilter rules in a network namespace, which the lab does not create; covered by fixtures from nginx source and CDN documentation.' },
    messages: {
      eperm: '{count} request(s) failed: a local firewall rule rejected the connection to {upstream} (EPERM).',
      dropped: 'Connections to {upstream} were dropped by a packet filter ({detail}).',
      connectTimeout: '{count} connection attempt(s) to {upstream} got no answer at all, the signature of dropped packets.',
      cdn522: 'The CDN edge timed out connecting to the origin (Cloudflare 522): the origin firewall often blocks the CDN\'s addresses.',
    },
  },
  checks(t) {
    if (t.kind !== 'tcp') return [];
    return [`From the proxy host, does ${t.host}:${t.port} answer at all: \`nc -vz -w 3 ${t.host} ${t.port}\`; on the upstream host: \`nft list ruleset | grep -n ${t.port}\` / \`iptables -S | grep ${t.port}\`.`];
  },
  detect(i) {
    const eperm = withErrno(i, 'connect-failed', ['EPERM']);
    if (eperm) return claim(0.88, 'eperm', [eperm]);
    const drop = own(i, 'firewall-drop')[0];
    if (drop) return claim(0.85, 'dropped', [drop], drop.detail ?? 'filter');
    const ct = own(i, 'timeout').find((f) => f.stage === 'connect');
    if (ct) return claim(0.4, 'connectTimeout', [ct]);
    const cf = cdnCode(i, ['522']);
    if (cf) return claim(0.45, 'cdn522', [cf]);
    return null;
  },
});
