/** upstream-draining: traffic still sent to instances that are shutting down. */
import { defineCause } from './types.js';
import { claim, near, own } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-draining',
    title: 'Requests were sent to an upstream that was shutting down',
    seedCategory: 'Server Downtime',
    summary: 'During a deploy, scale-in or restart, the load balancer or proxy kept sending requests to an instance that was already stopping, and those requests failed.',
    explanation:
      'Rolling deploys and autoscaling stop old instances while traffic still arrives: a Kubernetes pod receives SIGTERM before the endpoint is removed from every proxy, an ALB target is deregistered while requests are in flight and the deregistration delay ends, a systemd restart closes the socket under the proxy. The failures cluster around deploy and scaling times: a short burst of 502/503, then healthy again.',
    statuses: [502, 503],
    signals: [
      'bursts of 502/503 at deploy or scale-in times, then recovery',
      'ALB: 502 after "The deregistration delay period elapsed for a request being handled by a deregistered target"',
      'Kubernetes: endpoints removed while the pod was terminating; ingress-nginx: upstream connect errors right after a rollout',
      'systemd: "Stopping ..." / "Main process exited" of the app at the same second',
    ],
    facts: ['upstream-stopping'],
    explains: ['upstream-refused', 'upstream-closed-early'],
    fixes: {
      owner: [
        'Kubernetes: add a `preStop` hook that sleeps (e.g. `sleep 10`) so endpoints are removed before the app stops, and set `terminationGracePeriodSeconds` above the longest request.',
        'Make the app drain gracefully on SIGTERM: stop accepting, finish in-flight requests, then exit.',
        'ALB: set the target group deregistration delay longer than the longest request; use readiness checks so new instances only get traffic when ready.',
        'nginx/HAProxy in front of several instances: remove a server from the pool (`down` / `disable server`) before stopping it.',
      ],
      visitor: ['The site was being updated at that moment. Retry in a minute; it should work again.'],
    },
    related: ['upstream-refused', 'keepalive-race', 'no-healthy-upstream'],
    lab: { none: 'Needs an orchestrator (deregistration, rolling deploys); covered by ALB and systemd log fixtures.' },
    messages: {
      draining: '{count} request(s) failed while {upstream} was shutting down ({detail}).',
      stopped: 'A service behind the proxy was being stopped ({detail}); requests reaching it meanwhile fail.',
    },
  },
  detect(i) {
    const f = own(i, 'upstream-stopping')[0] ?? near(i, 'upstream-stopping')[0];
    if (!f) return null;
    const symptom = i.facts.find((x) => x.kind === 'connect-failed' || x.kind === 'upstream-closed' || x.kind === 'upstream-reset');
    // A service stopping is only a cause when requests failed meanwhile (a journal holds many unrelated stops).
    if (symptom) return claim(0.8, 'draining', [f, symptom], f.detail ?? 'deregistered');
    if (own(i, 'upstream-stopping').length > 0 && i.facts.some((x) => x.kind === 'gateway-status' || x.kind === 'no-live-upstreams')) {
      return claim(0.7, 'draining', i.facts, f.detail ?? 'deregistered');
    }
    // Pasted on its own (no times, no other lines): the person pasted it for a reason, but it proves little.
    if (i.facts.length === 1 && f.time === null) return claim(0.45, 'stopped', [f], f.detail ?? 'stopping');
    return null;
  },
});
