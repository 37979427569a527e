/** upstream-overloaded: the upstream's own capacity is full (backlog, EAGAIN, worker pool). */
import { defineCause } from './types.js';
import { claim, near, own, sameBackend, withErrno } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-overloaded',
    title: 'The upstream is overloaded: its worker pool or accept queue is full',
    seedCategory: 'Server Overload',
    summary: 'The application server is running but has no free worker to take the request: all PHP-FPM children / gunicorn workers are busy and its listen queue is full.',
    explanation:
      'Application servers handle a fixed number of requests at once (PHP-FPM `pm.max_children`, gunicorn/uWSGI workers, a Node process\'s event loop). When all are busy, new connections wait in the socket\'s listen backlog; when that is full too, Linux refuses unix-socket connections with EAGAIN ("Resource temporarily unavailable") and drops TCP SYNs, so the proxy fails at once (502) or times out (504). PHP-FPM says so in its own log: "server reached pm.max_children setting". Causes are traffic spikes, bots, slow requests that hold workers (a slow database or API), or a pool sized too small.',
    statuses: [502, 504, 503],
    signals: [
      'nginx: connect() to unix:/run/php/php8.2-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream',
      'PHP-FPM: WARNING: [pool www] server reached pm.max_children setting (5), consider raising it',
      'PHP-FPM: WARNING: [pool www] seems busy (you may need to increase pm.start_servers, or pm.min/max_spare_servers)',
      'HAProxy: sQ-- (too long in queue); gunicorn: [CRITICAL] WORKER TIMEOUT under load',
      'bursts of 502/504 at the same seconds as the capacity warnings',
    ],
    facts: ['connect-failed', 'upstream-capacity', 'timeout'],
    explains: ['upstream-timeout', 'upstream-refused'],
    fixes: {
      owner: [
        'Size the pool to memory: `pm.max_children = (RAM for PHP) / (average PHP process RSS)`; measure RSS with `ps -ylC php-fpm8.2 --sort:rss`. Raise `pm.max_children` in /etc/php/8.2/fpm/pool.d/www.conf, then `systemctl reload php8.2-fpm`.',
        'Find what holds workers: enable `slowlog = /var/log/php-fpm-slow.log` and `request_slowlog_timeout = 5s`; look at `pm.status_path` output for "listen queue" and "max children reached".',
        'Raise the accept backlog so short bursts wait instead of failing: PHP-FPM `listen.backlog = 511` and `sysctl net.core.somaxconn=1024`.',
        'For gunicorn/uWSGI: more workers (`--workers 2*CPU+1`) or async workers for I/O-bound apps; for Node: cluster mode or more replicas.',
        'Shed abusive traffic before it reaches the app: nginx `limit_req`, caching of anonymous pages (`fastcgi_cache`), a CDN.',
      ],
      visitor: [
        'The site is busier than it can handle right now. Wait a minute and retry; reloading repeatedly makes it worse.',
        'Nothing is wrong with your browser or connection.',
      ],
    },
    related: ['upstream-timeout', 'upstream-refused', 'database-unavailable', 'proxy-resource-exhausted'],
    lab: { faults: ['overload'] },
    messages: {
      eagain: '{count} request(s) failed: {upstream} accept queue is full (EAGAIN): every worker is busy.',
      poolFull: '{count} request(s) failed while the upstream reported its worker pool full ({detail}).',
      capacityOnly: 'The upstream reported its worker pool full ({detail}).',
    },
  },
  checks(t) {
    if (t.kind === 'unix') return [`See the pool's queue: \`ss -xl | grep '${t.path}'\` (Recv-Q = connections waiting; Send-Q = backlog), and the FPM status page (\`pm.status_path = /status\`).`];
    if (t.kind === 'tcp') return [`See the listen queue of ${t.host}:${t.port} on its host: \`ss -ltn 'sport = :${t.port}'\` (Recv-Q near Send-Q = backlog full), and \`nstat -az TcpExtListenOverflows\`.`];
    return [];
  },
  detect(i) {
    const capacity = [...own(i, 'upstream-capacity'), ...near(i, 'upstream-capacity').filter((c) => sameBackend(c, i))];
    const eagain = withErrno(i, 'connect-failed', ['EAGAIN']);
    const timeout = own(i, 'timeout')[0];
    const cap = capacity[0];
    if (cap && (eagain || timeout)) return claim(0.93, 'poolFull', [cap, ...(eagain ? [eagain] : []), ...(timeout ? [timeout] : [])], cap.detail);
    if (eagain) return claim(0.88, 'eagain', [eagain]);
    if (cap && i.facts.every((f) => f.kind === 'upstream-capacity')) return claim(0.8, 'capacityOnly', [cap], cap.detail);
    return null;
  },
});
