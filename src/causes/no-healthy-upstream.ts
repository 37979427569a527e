/** no-healthy-upstream: every server of the group is marked down. */
import { defineCause } from './types.js';
import { claim, near, own } from './util.js';

export default defineCause({
  meta: {
    id: 'no-healthy-upstream',
    title: 'Every server of the upstream group is marked down',
    seedCategory: 'Server Downtime',
    summary: 'The proxy has no server left to try: health checks or recent failures (nginx max_fails) took every server of the group out of rotation, so requests fail without even a connection attempt.',
    explanation:
      'Load-balancing proxies remove servers that fail: nginx marks a server unavailable for `fail_timeout` (10 s) after `max_fails` (1) failures, HAProxy and Envoy after health checks fail, Caddy when `health_uri` checks fail (including a check answered 401). When all servers are out, nginx logs "no live upstreams" and answers 502; HAProxy answers 503 "No server is available to handle this request"; Envoy says "no healthy upstream" (503 UH). The real cause is whatever made each server fail first — look at the failures just before.',
    statuses: [502, 503],
    signals: [
      'nginx: no live upstreams while connecting to upstream (after "upstream server temporarily disabled")',
      'HAProxy: 503 with <NOSRV> and SC--; "Server backend/app1 is DOWN"',
      'Envoy: 503 UH, body "no healthy upstream"; Caddy: "no upstreams available"',
    ],
    facts: ['no-live-upstreams', 'upstream-disabled'],
    fixes: {
      owner: [
        'Find why each server failed first: the error lines just before "no live upstreams" (refused, timed out...) name the real cause.',
        'Do not let one blip empty the pool: nginx `server app1:8080 max_fails=3 fail_timeout=10s;` for each server, and more than one server where possible; a `backup` server for emergencies.',
        'Check health-check endpoints: they must answer 200 quickly without authentication (Caddy `health_uri`, HAProxy `option httpchk`).',
        'HAProxy: `echo "show servers state" | socat stdio /run/haproxy/admin.sock`; Envoy: `/clusters` on the admin port.',
      ],
      visitor: ['All of the site\'s application servers are unavailable. Try again in a few minutes.'],
    },
    related: ['upstream-refused', 'upstream-timeout', 'upstream-draining'],
    lab: { faults: ['all-servers-down'] },
    messages: {
      noLive: '{count} request(s) failed: no server of the group was available (all marked down after failures).',
      disabled: 'The proxy took {upstream} out of rotation after failures.',
      allFailed: '{count} request(s) failed on every server of the group: each was tried, failed and was taken out of rotation.',
    },
  },
  detect(i) {
    const nl = own(i, 'no-live-upstreams')[0];
    if (nl) {
      const disabled = [...own(i, 'upstream-disabled'), ...near(i, 'upstream-disabled')];
      return claim(disabled.length > 0 ? 0.85 : 0.8, 'noLive', disabled[0] ? [nl, disabled[0]] : [nl]);
    }
    // One request that tried every server and saw each taken out of rotation (Apache's balancer logs this per
    // request: AH00957 + AH00959 for each member): the group as a whole had no healthy server.
    const tried = i.facts.filter((f) => (f.kind === 'connect-failed' || (f.kind === 'timeout' && f.stage === 'connect')) && f.upstream);
    const disabledUps = new Set(own(i, 'upstream-disabled').map((f) => f.upstream));
    const triedUps = new Set(tried.map((f) => f.upstream));
    if (triedUps.size >= 2 && [...triedUps].every((u) => disabledUps.has(u))) {
      return claim(0.93, 'allFailed', [...tried.slice(0, 2), ...own(i, 'upstream-disabled').slice(0, 1)]);
    }
    const d = own(i, 'upstream-disabled')[0];
    if (d && i.facts.length === 1) return claim(0.5, 'disabled', [d]);
    return null;
  },
});
