/** upstream-refused: nothing accepts connections at the upstream address. */
import { defineCause } from './types.js';
import { accessFact, cdnCode, claim, hasOtherMechanism, lastOf, near, own, withErrno, targetUrl } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-refused',
    title: 'The upstream refused the connection: nothing is listening there',
    seedCategory: 'Server Downtime',
    summary: 'The proxy tried to connect to the application server and the operating system answered "connection refused" (or the unix socket file does not exist): the application is not running, or listens on another port or socket.',
    explanation:
      'A refused connection means the packet reached the upstream host and no process was listening on that port, or the unix socket path named in the proxy configuration does not exist. The usual reasons: the application (PHP-FPM, Node, gunicorn, a container) crashed or was stopped, it is still starting, it listens on a different port or address (127.0.0.1 vs ::1 vs 0.0.0.0), or the socket path changed after an upgrade (php8.1-fpm.sock → php8.2-fpm.sock). The proxy cannot forward the request and answers 502 (nginx, HAProxy, Caddy, Traefik) or 503 (Apache, Envoy); Cloudflare shows 521.',
    statuses: [502, 503, 521],
    signals: [
      'nginx: connect() failed (111: Connection refused) while connecting to upstream',
      'nginx: connect() to unix:/run/php/php8.2-fpm.sock failed (2: No such file or directory)',
      'Apache: AH00957: HTTP: attempt to connect to 127.0.0.1:8080 failed / AH01114 failed to make connection to backend',
      'HAProxy: termination state SC-- with a 503, Envoy: UF / "reset reason: connection failure"',
      'Cloudflare 521 "Web server is down"; curl: (7) Failed to connect ... Connection refused',
      'probe: TCP connect refused (ECONNREFUSED)',
    ],
    facts: ['connect-failed', 'cdn-edge-error', 'gateway-status', 'service-down'],
    fixes: {
      owner: [
        'Check that the application runs and listens where the proxy points: `ss -ltnp | grep :8080` (TCP) or `ls -l /run/php/` (unix socket).',
        'Start it and make it start at boot: `systemctl restart php8.2-fpm` (or your app\'s unit: `systemctl restart myapp`), then `systemctl enable` it; look at `journalctl -u <unit> -n 50` for why it stopped.',
        'Make the proxy target match the listener: nginx `proxy_pass http://127.0.0.1:8080;` / `fastcgi_pass unix:/run/php/php8.2-fpm.sock;` must equal the app\'s `listen` (PHP-FPM pool `listen = /run/php/php8.2-fpm.sock`). Mind 127.0.0.1 vs ::1 when the name is "localhost".',
        'For containers: the app must listen on 0.0.0.0 inside the container, and the proxy must use the published port or the service name on the same network.',
        'Add a process supervisor restart policy (systemd `Restart=on-failure`, Docker `--restart unless-stopped`) so a crash does not leave the site down.',
      ],
      visitor: [
        'This is a fault on the website\'s server, not your browser or connection: reloading will not help until the site\'s application is started again.',
        'Try again in a few minutes; if it persists, tell the site owner "the proxy gets connection refused from its backend" and attach this report.',
      ],
    },
    related: ['upstream-overloaded', 'permission-denied', 'firewall-blocked', 'no-healthy-upstream'],
    lab: { faults: ['refuse', 'socket-missing'] },
    messages: {
      refused: '{count} request(s) failed: connection refused by {upstream}: nothing listens there.',
      socketMissing: '{count} request(s) failed: the unix socket {upstream} does not exist (the application is down or listens elsewhere).',
      neverConnected: '{count} request(s) failed before a connection to {upstream} was established ($upstream_connect_time "-"); the error log says exactly why.',
      cdn521: 'The CDN edge reports the origin refused the connection (Cloudflare 521).',
      serviceDown: '{count} request(s) failed: {upstream} refused connections while its service was down ({detail}).',
      connectFailed: '{count} request(s) failed: the proxy could not connect to {upstream} ({detail}); its error log names the exact reason.',
      serviceDownOnly: 'A service behind the proxy stopped or failed to start ({detail}); connections to it are refused until it runs again.',
    },
  },
  checks(t) {
    if (t.kind === 'unix') return [`Is the socket there, and who serves it: \`ls -l ${t.path}\` and \`ss -xlp | grep '${t.path}'\`; PHP-FPM: \`systemctl status 'php*-fpm'\`.`];
    if (t.kind === 'tcp') return [`Is anything listening on ${t.host}:${t.port}: \`ss -ltnp 'sport = :${t.port}'\` on that host, and from the proxy host \`curl -sv ${targetUrl(t)} -o /dev/null\`.`];
    return [];
  },
  detect(i) {
    const down = [...own(i, 'service-down'), ...near(i, 'service-down')][0];
    const refused = withErrno(i, 'connect-failed', ['ECONNREFUSED']);
    if (refused) return claim(down ? 0.95 : 0.92, down ? 'serviceDown' : 'refused', down ? [refused, down] : [refused], down?.detail);
    const missing = withErrno(i, 'connect-failed', ['ENOENT']);
    if (missing) return claim(down ? 0.95 : 0.9, down ? 'serviceDown' : 'socketMissing', down ? [missing, down] : [missing], down?.detail);
    if (down && i.facts.every((f) => f.kind === 'service-down')) return claim(0.5, 'serviceDownOnly', [down], down.detail);
    const cf = cdnCode(i, ['521']);
    if (cf) return claim(0.8, 'cdn521', [cf]);
    // "Connection failure" without the OS error (HAProxy SC, Envoy UF, Apache AH01114): refused is by far the
    // most common reason, but unreachable or filtered hosts say the same.
    const failed = i.facts.find((f) => f.kind === 'connect-failed' && f.errno === undefined);
    if (failed) return claim(0.6, 'connectFailed', [failed], failed.detail ?? failed.software ?? 'connect');
    // Access log only: nginx writes $upstream_connect_time "-" when no connection was made.
    const acc = accessFact(i);
    if (acc && acc.kind === 'gateway-status' && acc.status === 502 && !hasOtherMechanism(i, [])) {
      const connect = lastOf(acc.timing?.connect);
      if (acc.timing?.connect && connect === null && acc.upstream) return claim(0.3, 'neverConnected', [acc]);
    }
    return null;
  },
});
