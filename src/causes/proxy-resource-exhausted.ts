/** proxy-resource-exhausted: the proxy's own limits (fds, worker_connections, ports, memory, circuit breakers). */
import { defineCause } from './types.js';
import { claim, hasOtherMechanism, near, own, withErrno } from './util.js';

export default defineCause({
  meta: {
    id: 'proxy-resource-exhausted',
    title: 'The proxy ran out of its own resources',
    seedCategory: 'Proxy Server Issues',
    summary: 'The proxy itself hit a limit: too few worker connections, no file descriptors, no free local ports, a circuit breaker or a rate limit, so it fails requests before or while reaching the upstream.',
    explanation:
      'Every proxied request uses two connections (client and upstream) and two file descriptors. nginx fails with "worker_connections are not enough" (500) or "Too many open files" when `worker_connections` or the descriptor limit (`worker_rlimit_nofile`, systemd `LimitNOFILE`) is too low for the traffic; many short upstream connections without keep-alive can use up local ports ("Cannot assign requested address", 502). HAProxy logs PC/RC termination states at `maxconn`; Envoy returns 503 UO when a circuit breaker overflows; `limit_req`/`limit_conn` deliberately answer 503.',
    statuses: [500, 502, 503],
    signals: [
      'nginx: [alert] 1024 worker_connections are not enough',
      'nginx: [alert] socket() failed (24: Too many open files) / accept4() failed (24: Too many open files)',
      'nginx: [crit] connect() to 10.0.0.5:8080 failed (99: Cannot assign requested address)',
      'nginx: limiting requests / limiting connections by zone (503)',
      'HAProxy: PC-- / RC--; Envoy: UO, "reset reason: overflow"',
    ],
    facts: ['proxy-resource', 'connect-failed'],
    fixes: {
      owner: [
        'nginx: raise `worker_connections 4096;` (events block) and the descriptor limit with it: `worker_rlimit_nofile 16384;` (≥ 2 × worker_connections), and `LimitNOFILE=65535` in the systemd unit (`systemctl edit nginx`).',
        'Use upstream keep-alive so requests reuse connections instead of using up ephemeral ports: `keepalive 32;` in the `upstream{}` block with `proxy_http_version 1.1; proxy_set_header Connection "";`; widen `net.ipv4.ip_local_port_range`.',
        'Check current use: `ls /proc/$(pgrep -o nginx)/fd | wc -l`, `ss -s`, `cat /proc/$(pgrep -n nginx)/limits`.',
        'HAProxy: raise `maxconn` (global and frontend) together with `ulimit-n`; Envoy: raise the cluster `circuit_breakers` thresholds.',
        'If `limit_req` / `limit_conn` fire on normal traffic, raise `burst` or the rate.',
      ],
      visitor: ['The site\'s front server is at its limit. Wait a minute and retry.'],
    },
    fixesByMessage: {
      rateLimit: [
        'These 503s come from your own `limit_req` / `limit_conn`. If they hit real visitors, raise the `burst` (`limit_req zone=perip burst=20 nodelay;`) or the rate of the zone, or exempt trusted clients with a `geo`/`map` key that is empty for them.',
        'Log rejections at a lower level to keep the error log readable: `limit_req_log_level warn;`.',
      ],
    },
    related: ['upstream-overloaded', 'proxy-fault'],
    lab: { faults: ['few-worker-connections'] },
    messages: {
      exhausted: '{count} request(s) failed: the proxy ran out of {detail}.',
      rateLimit: '{count} request(s) were refused by the proxy\'s own rate limit (limit_req / limit_conn): deliberate 503s, not an upstream failure.',
    },
  },
  detect(i) {
    const mine = own(i, 'proxy-resource')[0];
    // A limit reached nearby explains only failures that show no mechanism of their own.
    const r = mine ?? (hasOtherMechanism(i, []) ? undefined : near(i, 'proxy-resource')[0]);
    if (r) {
      if (r.detail === 'rate-limit') return claim(0.85, 'rateLimit', [r]);
      return claim(mine ? 0.9 : 0.6, 'exhausted', [r], r.detail ?? 'resources');
    }
    const ports = withErrno(i, 'connect-failed', ['EADDRNOTAVAIL']);
    if (ports) return claim(0.88, 'exhausted', [ports], 'local ports (EADDRNOTAVAIL)');
    const fds = withErrno(i, 'connect-failed', ['EMFILE', 'ENFILE']);
    if (fds) return claim(0.9, 'exhausted', [fds], 'file descriptors');
    return null;
  },
});
