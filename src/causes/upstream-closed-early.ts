/** upstream-closed-early: the upstream closed or reset the connection before a complete response. */
import { defineCause } from './types.js';
import { accessFact, claim, hasOtherMechanism, lastOf, near, own, sameBackend, targetUrl } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-closed-early',
    title: 'The upstream closed the connection before a complete response',
    seedCategory: 'Software Bugs or Errors',
    summary: 'The application accepted the request and then closed or reset the connection without sending a full response: it crashed, a worker was killed (OOM, timeout), or it hit an internal limit.',
    explanation:
      'The proxy connected and sent the request, then the connection ended (FIN: "prematurely closed"; RST: "Connection reset by peer") before a valid response header arrived. The usual reasons: the worker process crashed (segfault, fatal error, uncaught exception), was killed by the kernel\'s OOM killer or by the app server\'s own timeout (PHP-FPM `request_terminate_timeout`, gunicorn `--timeout`), or a limit on the app side rejected the request without a reply. If this happens after the header was sent, the client gets a truncated response with the original status instead of a 502. When the failures come only on reused keep-alive connections, see keepalive-race instead.',
    statuses: [502],
    signals: [
      'nginx: upstream prematurely closed connection while reading response header from upstream',
      'nginx: recv() failed (104: Connection reset by peer) while reading response header from upstream',
      'PHP-FPM: WARNING: [pool www] child 1234 exited on signal 9 (SIGKILL) / 11 (SIGSEGV)',
      'kernel: Out of memory: Killed process 1234 (php-fpm8.2); gunicorn: [CRITICAL] WORKER TIMEOUT',
      'HAProxy: SH-- ; Envoy: UR / "reset reason: remote reset"; curl: (52) Empty reply from server',
    ],
    facts: ['upstream-closed', 'upstream-reset', 'upstream-worker-killed', 'oom-kill', 'gateway-status'],
    fixes: {
      owner: [
        'Look at the application\'s own log at the same second for the crash: PHP-FPM log (`/var/log/php8.2-fpm.log`), `journalctl -u <app> --since "10 min ago"`, the app\'s stderr.',
        'Check for OOM kills: `dmesg -T | grep -i -E "out of memory|killed process"`; lower per-worker memory or the worker count, or add RAM.',
        'If workers are killed by a timeout (PHP-FPM `request_terminate_timeout`, gunicorn `--timeout 30`), make the slow request faster or raise that timeout above the proxy\'s read timeout.',
        'Check limits on the app side that close connections silently: uWSGI `buffer-size` (request headers), body size limits, a WAF module.',
        'If failures are intermittent and only on keep-alive upstreams, see keepalive-race.',
      ],
      visitor: [
        'The site\'s application crashed while handling your request. Retry once; if the same page always fails, tell the site owner which URL and when.',
      ],
    },
    related: ['keepalive-race', 'app-error', 'upstream-invalid-response', 'upstream-timeout'],
    lab: { faults: ['close-before-response', 'reset-before-response', 'close-mid-body'] },
    messages: {
      closed: '{count} request(s) failed: {upstream} closed the connection before sending a response header.',
      reset: '{count} request(s) failed: {upstream} reset the connection ({detail}).',
      truncated: '{count} response(s) were cut off: {upstream} closed the connection in the middle of the body.',
      killed: '{count} request(s) failed: {upstream} dropped the connection when its worker died ({detail}).',
      killedOnly: 'An upstream worker died ({detail}); requests it was serving got a 502.',
      noHeader: '{count} request(s) failed after connecting to {upstream}: no valid response header arrived ($upstream_header_time "-"); the error log says why.',
    },
  },
  checks(t) {
    if (t.kind !== 'tcp') return [];
    return [`See the answer as the upstream sends it, bypassing the proxy: \`curl -sv --raw ${targetUrl(t)} -o /dev/null\` (use the failing path), and look at the app's own log at the same second.`];
  },
  detect(i) {
    const killed = [...own(i, 'upstream-worker-killed', 'oom-kill'), ...near(i, 'upstream-worker-killed', 'oom-kill').filter((c) => sameBackend(c, i))];
    const closed = own(i, 'upstream-closed', 'upstream-reset')[0];
    if (closed && killed[0]) return claim(0.9, 'killed', [killed[0], closed], killed[0].detail ?? killed[0].kind);
    if (closed) {
      if (closed.stage === 'body') return claim(0.75, 'truncated', [closed]);
      if (closed.kind === 'upstream-reset') return claim(0.78, 'reset', [closed], closed.errno ?? closed.detail ?? 'reset');
      return claim(0.8, 'closed', [closed]);
    }
    if (killed[0] && i.facts.every((f) => f.kind === 'upstream-worker-killed' || f.kind === 'oom-kill')) {
      return claim(0.7, 'killedOnly', [killed[0]], killed[0].detail ?? killed[0].kind);
    }
    const acc = accessFact(i);
    if (acc && acc.kind === 'gateway-status' && acc.status === 502 && !hasOtherMechanism(i, [])) {
      const connect = lastOf(acc.timing?.connect);
      const header = lastOf(acc.timing?.header);
      if (connect !== undefined && connect !== null && acc.timing?.header && header === null) return claim(0.3, 'noHeader', [acc]);
    }
    return null;
  },
});
