/** upstream-dns: the proxy cannot resolve the upstream name, or kept a stale address. */
import { defineCause } from './types.js';
import { cdnCode, claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-dns',
    title: 'The proxy cannot resolve the upstream\'s name',
    seedCategory: 'DNS Issues',
    summary: 'The proxy has to look up the upstream by name and the lookup fails (no such name, resolver failure, timeout) or returned an address that is no longer right.',
    explanation:
      'nginx resolves names in `proxy_pass` once at start-up unless the name is in a variable and a `resolver` is configured; then it resolves at run time and fails the request with 502 when the resolver answers NXDOMAIN ("Host not found"), SERVFAIL ("Server failure") or nothing ("Operation timed out"). Without a resolver, a variable target fails with "no resolver defined". A name resolved only at start-up keeps the old address when the upstream moves (containers, cloud load balancers, Kubernetes Services), so connections go to a dead IP. Cloudflare shows 530 with error 1016 when it cannot resolve the origin.',
    statuses: [502, 530],
    signals: [
      'nginx: backend.internal could not be resolved (3: Host not found) / (2: Server failure) / (110: Operation timed out)',
      'nginx: no resolver defined to resolve backend.internal',
      'nginx at start/reload: [emerg] host not found in upstream "backend:8080"',
      'Apache: DNS lookup failure for: backend; Envoy: DF; Cloudflare: 530 / error 1016',
    ],
    facts: ['resolve-failed', 'no-resolver', 'cdn-edge-error'],
    fixes: {
      owner: [
        'Check the name from the proxy host with the resolver nginx uses: `dig @127.0.0.53 backend.internal` (or the address in `resolver`).',
        'For names that change (containers, cloud LBs, Kubernetes Services), re-resolve at run time: `resolver 127.0.0.11 valid=10s;` (Docker) / your VPC resolver, and `set $backend http://backend:8080; proxy_pass $backend;` — or `server backend:8080 resolve;` with a `zone` in the `upstream{}` block (nginx ≥ 1.27.3).',
        'Fix the record itself: NXDOMAIN means the name does not exist in the resolver\'s view (a typo, a missing private zone, a removed Service).',
        'Docker Compose: the proxy and the app must share a network for the service name to resolve.',
      ],
      visitor: ['The site\'s proxy cannot find its own backend server; only the site owner can fix this. Send them this report.'],
    },
    related: ['site-dns', 'upstream-refused', 'upstream-unreachable'],
    lab: { faults: ['dns-unresolvable', 'dns-nxdomain', 'dns-servfail', 'dns-silent', 'dns-no-resolver'] },
    messages: {
      failed: '{count} request(s) failed: the upstream name could not be resolved ({detail}).',
      noResolver: '{count} request(s) failed: nginx must resolve {upstream} at run time but has no `resolver`.',
      atStart: 'The proxy could not resolve {upstream} when it loaded its configuration: it refused to start or reload.',
      cdn1016: 'The CDN could not resolve the origin\'s name (Cloudflare 530 / error 1016).',
    },
  },
  detect(i) {
    const nr = own(i, 'no-resolver')[0];
    if (nr) return claim(0.9, 'noResolver', [nr]);
    const rf = own(i, 'resolve-failed')[0];
    if (rf) return claim(0.9, rf.detail === 'at-start' ? 'atStart' : 'failed', [rf], rf.detail ?? 'lookup failed');
    // Contract: 530 with 1016 is the origin's DNS; a bare 530 (Cloudflare pairs it with other 1xxx codes too) is not.
    const cf = cdnCode(i, ['1016']);
    if (cf) return claim(0.8, 'cdn1016', [cf]);
    return null;
  },
});
