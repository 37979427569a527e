/** site-dns: the site's own name does not resolve, or resolvers disagree. */
import { defineCause } from './types.js';
import { claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'site-dns',
    title: 'The site\'s own name does not resolve correctly',
    seedCategory: 'DNS Issues',
    summary: 'The visitor\'s lookup of the site name fails, or different resolvers give different answers (a recent change still propagating, a broken delegation, a record pointing at an old server).',
    explanation:
      'Before any request, the browser resolves the site name. NXDOMAIN (name does not exist), SERVFAIL (broken delegation or DNSSEC), or timeouts stop the visit entirely. After a move to a new host or CDN, resolvers may still return the old address until the TTL expires, so some visitors reach an old server that answers 502 or nothing. A CDN record pointing at a wrong origin IP gives Cloudflare 522/523.',
    statuses: [502, 522, 523],
    signals: [
      'probe: NXDOMAIN / SERVFAIL / timeout from the system resolver or a --resolver',
      'probe: resolvers return different addresses for the same name',
      'browser: DNS_PROBE_FINISHED_NXDOMAIN / ERR_NAME_NOT_RESOLVED; curl: (6) Could not resolve host',
    ],
    facts: ['site-lookup-failed'],
    fixes: {
      owner: [
        'Check the records from several resolvers: `dig +short example.com @1.1.1.1`, `@8.8.8.8`, and your authoritative server (`dig NS example.com`, then `dig @ns1... example.com`).',
        'Fix the delegation: the registrar\'s NS records must match the zone\'s NS records; check DNSSEC with `dig +dnssec` / `delv`.',
        'After moving servers, keep the old server answering (or redirecting) until the old record\'s TTL has passed; lower TTLs (300 s) before planned moves.',
      ],
      visitor: [
        'Try another DNS resolver (e.g. switch your device or router to 1.1.1.1 or 8.8.8.8) and flush the local DNS cache (`ipconfig /flushdns` on Windows, `sudo resolvectl flush-caches` on Linux).',
        'If the site moved recently, wait for DNS to update (up to the record\'s TTL, often an hour).',
      ],
    },
    related: ['upstream-dns', 'client-network', 'cdn-origin-error'],
    lab: { none: 'A visitor-side lookup of a public name; the probe tests it against a loopback DNS server instead of a proxy scenario.' },
    messages: {
      failed: 'The site name did not resolve ({detail}).',
    },
  },
  detect(i) {
    const f = own(i, 'site-lookup-failed')[0];
    return f ? claim(0.9, 'failed', [f], f.detail ?? 'lookup failed') : null;
  },
});
