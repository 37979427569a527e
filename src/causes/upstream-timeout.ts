/** upstream-timeout: connect or read timed out waiting for the upstream. */
import { defineCause } from './types.js';
import { accessFact, cdnCode, claim, hasOtherMechanism, own, targetUrl } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-timeout',
    title: 'The upstream did not answer in time',
    seedCategory: 'Server Overload',
    summary: 'The proxy waited for the application longer than its timeout (to connect, or for the response header) and gave up: the application is too slow, stuck, or overloaded.',
    explanation:
      'The connection was made (or was still being attempted) but no answer arrived before the proxy\'s timeout: nginx `proxy_read_timeout`/`fastcgi_read_timeout` (60 s by default) or `proxy_connect_timeout`, HAProxy `timeout server`/`timeout connect`, an ALB idle timeout, Cloudflare\'s 100 s. Slow database queries, a long report or export, a hung worker, a call to a slow external API, or a full worker pool make requests wait. nginx answers 504 Gateway Time-out; Cloudflare shows 524. A connect timeout (no SYN-ACK at all) more often means packets are dropped on the way (see firewall-blocked).',
    statuses: [504, 524, 502],
    signals: [
      'nginx: upstream timed out (110: Connection timed out) while reading response header from upstream (504)',
      'nginx: upstream timed out (110: ...) while connecting to upstream',
      'HAProxy: sH-- (timeout server before headers) / sC-- (timeout connect); Envoy: UT',
      'Cloudflare 524 "A timeout occurred"; access log: 504 with $upstream_response_time near the timeout',
      'probe: no response header within the deadline',
    ],
    facts: ['timeout', 'cdn-edge-error', 'gateway-status'],
    fixes: {
      owner: [
        'Find what is slow: the application\'s slow log (PHP-FPM `slowlog` + `request_slowlog_timeout = 5s`, database slow query log), and the requests with the largest `$upstream_response_time` in the access log.',
        'Fix the slow path (an index on the slow query, a cache, moving long jobs to a background queue) rather than only raising timeouts.',
        'If the work is legitimately long, raise the timeouts in order from inside out: app (PHP `max_execution_time`, gunicorn `--timeout`) < proxy (`proxy_read_timeout 120s;` / `fastcgi_read_timeout 120s;`) < load balancer / CDN.',
        'If workers are all busy, add capacity (more PHP-FPM children / gunicorn workers, within memory) — see upstream-overloaded.',
        'A connect timeout means no SYN-ACK: check firewalls and security groups between the hops, and that the upstream host is up.',
      ],
      visitor: [
        'The site is too slow to answer right now. Wait a minute and retry once; repeated reloads add load.',
        'If a specific action (a large upload, a report) always times out, tell the site owner which one.',
      ],
    },
    related: ['upstream-overloaded', 'database-unavailable', 'third-party-failure', 'firewall-blocked'],
    lab: { faults: ['slow-headers'] },
    messages: {
      readTimeout: '{count} request(s) timed out waiting for the response header from {upstream}.',
      connectTimeout: '{count} request(s) timed out connecting to {upstream} (no SYN-ACK: host down or packets dropped).',
      sendTimeout: '{count} request(s) timed out sending the request to {upstream}.',
      status504: '{count} request(s) answered 504 Gateway Time-out by the proxy.',
      cdn524: 'The CDN edge timed out waiting for the origin\'s answer (Cloudflare 524).',
    },
  },
  checks(t) {
    if (t.kind !== 'tcp') return [];
    return [`Time the upstream directly, bypassing the proxy: \`curl -s -o /dev/null -w 'connect %{time_connect}s  first byte %{time_starttransfer}s  total %{time_total}s\\n' ${targetUrl(t)}\` (use the failing path).`];
  },
  detect(i) {
    const t = own(i, 'timeout')[0];
    if (t) {
      const msg = t.stage === 'connect' ? 'connectTimeout' : t.stage === 'send' ? 'sendTimeout' : 'readTimeout';
      // A connect timeout is also what a firewall that drops packets looks like: less sure.
      return claim(t.stage === 'connect' ? 0.72 : 0.88, msg, [t]);
    }
    const cf = cdnCode(i, ['524']);
    if (cf) return claim(0.8, 'cdn524', [cf]);
    const acc = accessFact(i);
    if (acc && acc.kind === 'gateway-status' && acc.status === 504 && !hasOtherMechanism(i, [])) return claim(0.6, 'status504', [acc]);
    return null;
  },
});
