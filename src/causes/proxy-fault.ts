/** proxy-fault: the proxy itself misbehaves (crash, bug, bad reload). */
import { defineCause } from './types.js';
import { claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'proxy-fault',
    title: 'The proxy itself failed: a crash, a bug or a bad reload',
    seedCategory: 'Proxy Server Issues',
    summary: 'The reverse proxy\'s own processes crashed or could not load their configuration, so requests in flight were dropped or the proxy kept running with an old or broken state.',
    explanation:
      'A worker process killed by a signal (segfault in a third-party module, OOM) drops every request it was serving; a reload with a configuration error is refused (the old configuration keeps running, so a change you made is not live), and a start with a bad configuration leaves no proxy at all. Bugs in a specific proxy version can also produce 502s that disappear after an upgrade — check the changelog.',
    statuses: [502, 500],
    signals: [
      'nginx: [alert] worker process 1234 exited on signal 11 (core dumped)',
      'nginx: [emerg] unknown directive / invalid number of arguments (reload refused)',
      'nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)',
      'HAProxy: "Proxy ... stopped", "haproxy exited with code"; Envoy: segfault / hot restart failures',
    ],
    facts: ['proxy-crash'],
    fixes: {
      owner: [
        'Test the configuration before reloading: `nginx -t` (or `haproxy -c -f /etc/haproxy/haproxy.cfg`, `apachectl configtest`), fix the line it names, then reload.',
        'Worker crashes: `coredumpctl list`, disable recently added third-party modules, and upgrade the proxy to the latest stable release (read its CHANGES for fixed crashes).',
        'Start failures on bind: find the other listener with `ss -ltnp | grep :80` and stop it, or change the port.',
      ],
      visitor: ['The site\'s front server is failing. Retry in a few minutes.'],
    },
    related: ['proxy-resource-exhausted', 'upstream-dns'],
    lab: { none: 'Crashing a proxy on purpose needs a faulty module or build; covered by fixtures from the proxies\' source.' },
    messages: {
      crash: 'The proxy failed: {detail}.',
      bindFailed: 'The proxy could not listen on its port (address in use): it did not start — or a second copy was started while the first runs on.',
    },
  },
  detect(i) {
    // Only the proxy's own lines: a crash or a refused reload does not explain other requests' failures.
    const f = own(i, 'proxy-crash')[0];
    if (!f) return null;
    // A failed bind() is also what a second, accidental start writes while the real server runs on.
    if (f.detail === 'bind-failed') return claim(0.45, 'bindFailed', [f]);
    return claim(0.8, 'crash', [f], f.detail ?? 'crash');
  },
});
