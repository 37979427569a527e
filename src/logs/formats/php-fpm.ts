/**
 * PHP-FPM's own log (`error_log` of php-fpm.conf): "[01-Dec-2026 14:35:08] WARNING: [pool www] ...". Its
 * warnings say when the pool is full, when a child died or was killed for a slow request, and what PHP wrote to
 * stderr ("child N said into stderr"). Texts: php-src sapi/fpm/fpm (fpm_children.c, fpm_process_ctl.c,
 * fpm_request.c, fpm_sockets.c, fpm_stdio.c). Also the syslog form ("php-fpm: [WARNING] fpm_children_bury(),
 * line 252: ...") and bare lines from `docker logs` ("WARNING: [pool www] ...", "NOTICE: PHP message: ...").
 * Times are wall clock without a zone.
 */
import { recogniseAppMessage } from '../messages/app.js';
import { recogniseSystemMessage } from '../messages/system.js';
import { wallToUtc } from '../time.js';
import { MONTHS, fractionMs, sideFact, stripEnvelope, type Meaning } from './line-envelope.js';
import type { LogFormat, ParseContext } from './types.js';

const LEVELS = 'DEBUG|NOTICE|WARNING|ERROR|ALERT';
// zlog's own prefix: "[01-Dec-2026 14:35:08] WARNING: " (microseconds with log_level = debug on some builds).
const FPM_LINE = new RegExp(`^\\[(\\d{2})-([A-Z][a-z]{2})-(\\d{4}) (\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?\\] (${LEVELS}): (.*)$`);
// With `error_log = syslog`: "[WARNING] fpm_children_bury(), line 252: [pool www] ..." after the syslog prefix.
const FPM_SYSLOG = new RegExp(`^\\s*\\[(${LEVELS})\\] (?:\\w+\\(\\), line \\d+: )?(.*)$`);
// No time at all (docker logs of the official image, a pasted message).
const FPM_BARE = new RegExp(`^(${LEVELS}): (.*)$`);
// log_level = debug puts the writer before the message: "pid 123, fpm_children_bury(), line 252: ".
const DEBUG_WHERE = /^pid \d+, \w+\(\), line \d+: /;
// Messages only FPM writes, so that a bare "WARNING: ..." is taken for FPM's only when it is one of them.
const FPM_MESSAGE =
  /^(?:\[pool [^\]]+\] |PHP message: |fpm is running|ready to handle connections|Terminating \.\.\.|Finishing \.\.\.|exiting, bye-bye|unable to bind listening socket|FPM initialization failed|failed to post process the configuration|systemd monitor interval|Reloading in progress|reloading: |using inherited socket|Another FPM instance)/;

// Longer than any pool warning (a timed-out request names its script and URI).
const MAX_MESSAGE = 4096;
const SAID = /^\[pool ([^\]]+)\] child (\d+) said into std(?:err|out): "(.*?)"?(?:, pipe is closed)?$/;
const SIGTERM_EXIT = /^\[pool [^\]]+\] child \d+ exited on signal 15 \(SIGTERM\)/;
const CODE_EXIT = /^\[pool ([^\]]+)\] child (\d+) exited with code (\d+)/;
const BIND = /^unable to bind listening socket for address '([^']+)': (.+?)(?: \(\d+\))?$/;

interface Read {
  level: string;
  message: string;
  time: number | null;
}

function wallOf(m: RegExpExecArray, zone: ParseContext['zone']): number | null {
  const mon = MONTHS[m[2] ?? ''];
  if (mon === undefined) return null;
  const wall = Date.UTC(Number(m[3]), mon, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), fractionMs(m[7]));
  return Number.isNaN(wall) ? null : wallToUtc(wall, zone);
}

/** The level, message and time of a PHP-FPM line, or null when it is not one. */
function read(line: string, zone: ParseContext['zone']): Read | null {
  let m = FPM_LINE.exec(line);
  if (m) return { level: m[8] ?? '', message: m[9] ?? '', time: wallOf(m, zone) };
  const env = stripEnvelope(line);
  if (env.wrapped) {
    m = FPM_LINE.exec(env.text);
    if (m) return { level: m[8] ?? '', message: m[9] ?? '', time: wallOf(m, zone) ?? env.time };
    // The syslog form has no time of its own and a shape others could share: only from a php-fpm program.
    if (env.program !== undefined && /^php/i.test(env.program)) {
      m = FPM_SYSLOG.exec(env.text);
      if (m) return { level: m[1] ?? '', message: m[2] ?? '', time: env.time };
    }
  }
  m = FPM_BARE.exec(env.text);
  if (m && FPM_MESSAGE.test((m[2] ?? '').replace(DEBUG_WHERE, ''))) return { level: m[1] ?? '', message: m[2] ?? '', time: env.time };
  return null;
}

/** The upstream a listen address names, as nginx writes it ("127.0.0.1:9000", "unix:/run/php/fpm.sock"). */
function listenUpstream(addr: string): string {
  return addr.startsWith('/') ? `unix:${addr}` : addr.replace(/^\*:/, '0.0.0.0:');
}

/** What one message means; null when it is recognised but carries no 5xx evidence. */
function meaningOf(level: string, raw: string): Meaning | null {
  const msg = raw.replace(DEBUG_WHERE, '');
  // What PHP wrote to stderr: its fatal errors, failed database and HTTP calls.
  const said = SAID.exec(msg);
  if (said || msg.startsWith('PHP message: ')) {
    const app = recogniseAppMessage(said ? said[3] ?? '' : msg);
    return app ? { kind: app.kind, detail: app.detail } : null;
  }
  // Start, reload and stop notices, children started and idle children retired: no failure.
  if (level === 'NOTICE' || level === 'DEBUG') return null;
  // FPM's own SIGTERM follows "execution timed out" (request_terminate_timeout) or a shutdown: that line,
  // or the stop, is the event; counting the exit as well would count one kill twice.
  if (SIGTERM_EXIT.test(msg)) return null;
  const code = CODE_EXIT.exec(msg);
  if (code && code[3] !== '0') return { kind: 'upstream-worker-killed', detail: `php-fpm child ${code[2] ?? ''} exited with code ${code[3] ?? ''}` };
  const bind = BIND.exec(msg);
  // FPM could not take its socket, so it did not start: the service is down, not the proxy (system.ts says
  // proxy-crash for pasted text; here the writer is known to be FPM).
  if (bind) return { kind: 'service-down', detail: `php-fpm cannot bind ${bind[1] ?? ''}: ${bind[2] ?? ''}`, upstream: listenUpstream(bind[1] ?? '') };
  if (msg.startsWith('FPM initialization failed')) return { kind: 'service-down', detail: 'php-fpm failed to start' };
  // The pool's own warnings (max_children, seems busy, killed children, timeouts) all name the pool. Some of
  // system.ts's rules scan in quadratic time: a line is cut to a length no real warning reaches.
  if (!msg.startsWith('[pool ')) return null;
  const sys = recogniseSystemMessage(msg.slice(0, MAX_MESSAGE));
  if (sys && sys.software === 'php-fpm') return { kind: sys.kind, detail: sys.detail };
  return null;
}

export const phpFpmLog: LogFormat = {
  id: 'php-fpm',
  title: 'PHP-FPM log (pool warnings, killed children, PHP stderr)',
  software: 'php-fpm',
  role: 'app',
  wallClock: true,
  sniff(line) {
    if (FPM_LINE.test(line)) return 0.9;
    const env = stripEnvelope(line);
    if (env.wrapped && FPM_LINE.test(env.text)) return 0.85;
    if (env.program !== undefined && /^php/i.test(env.program) && FPM_SYSLOG.test(env.text)) return 0.8;
    return read(line, { kind: 'offset', minutes: 0 }) ? 0.5 : 0;
  },
  parse(line, ctx) {
    const r = read(line, ctx.zone);
    if (!r) return false;
    const m = meaningOf(r.level, r.message);
    if (m) ctx.emit(sideFact(m, ctx, line, r.time, 'php-fpm', 'php-fpm', r.level.toLowerCase()));
    return true;
  },
  samples: [
    {
      line: '[01-Dec-2026 14:02:00] WARNING: [pool www] server reached pm.max_children setting (1), consider raising it',
      source: 'lab: php-fpm 8.2 (Debian 12), fault overload',
      expect: { kind: 'upstream-capacity', detail: 'php-fpm pool www reached pm.max_children (1)', time: '2026-12-01T14:02:00Z' },
    },
    {
      line: '[01-Dec-2026 14:02:08] WARNING: [pool www] child 19894 said into stderr: "NOTICE: PHP message: PHP Fatal error:  Uncaught Error: Call to undefined function apply_coupon() in /tmp/why502-lab-nginx-php-fatal-k8Kffu/www/index.php:2"',
      source: 'lab: php-fpm 8.2 (Debian 12), fault php-fatal',
      expect: { kind: 'app-fatal', detail: 'php-fatal', time: '2026-12-01T14:02:08Z' },
    },
    {
      line: '[01-Dec-2026 14:02:08] WARNING: [pool www] child 19894 said into stderr: "Stack trace:"',
      source: 'lab: php-fpm 8.2 (Debian 12), fault php-fatal (the stack trace lines that follow the fatal error)',
      expect: null,
    },
    {
      line: '[01-Dec-2026 14:56:24] WARNING: [pool www] child 19200, script \'/tmp/why502-rec/fpm/www/slow.php\' (request: "GET ?ms=5000") execution timed out (2.472306 sec), terminating',
      source: 'recorded on this host: php-fpm 8.2.36 (Debian 12) behind nginx 1.22.1, request_terminate_timeout = 2s, a script sleeping 5 s',
      expect: { kind: 'upstream-worker-killed', detail: "php-fpm killed /tmp/why502-rec/fpm/www/slow.php after request_terminate_timeout", time: '2026-12-01T14:56:24Z' },
    },
    {
      line: '[01-Dec-2026 14:56:24] WARNING: [pool www] child 19200 exited on signal 15 (SIGTERM) after 6.004511 seconds from start',
      source: 'recorded on this host: php-fpm 8.2.36 (Debian 12), the exit logged right after the "execution timed out" line above (one kill, counted once)',
      expect: null,
    },
    {
      line: '[07-Apr-2021 12:06:02] WARNING: [pool www] child 94930 exited on signal 9 (SIGKILL) after 0.000895 seconds from start',
      source: 'https://github.com/valet-sh/valet-sh/issues/135',
      expect: { kind: 'upstream-worker-killed', detail: 'php-fpm child 94930 exited on signal 9 (SIGKILL)', time: '2021-04-07T12:06:02Z' },
    },
    {
      line: '[21-Nov-2023 20:39:06] WARNING: [pool www] seems busy (you may need to increase pm.start_servers, or pm.min/max_spare_servers), spawning 8 children, there are 0 idle, and 6 total children',
      source: 'https://github.com/ellite/Wallos/issues/63',
      expect: { kind: 'upstream-capacity', detail: 'php-fpm pool www seems busy' },
    },
    {
      line: '[26-Sep-2021 05:05:58] WARNING: [pool ***removed***.com] server reached max_children setting (8), consider raising it',
      source: 'https://github.com/oerdnj/deb.sury.org/issues/1660 (the older wording without "pm.")',
      expect: { kind: 'upstream-capacity', detail: 'php-fpm pool ***removed***.com reached pm.max_children (8)' },
    },
    {
      line: "[24-Apr-2016 13:54:09] ERROR: unable to bind listening socket for address '127.0.0.1:9000': Address already in use (98)",
      source: 'https://github.com/puphpet/puphpet/issues/2278',
      expect: { kind: 'service-down', upstream: '127.0.0.1:9000', detail: 'php-fpm cannot bind 127.0.0.1:9000: Address already in use', time: '2016-04-24T13:54:09Z' },
    },
    {
      line: "[12-Oct-2022 20:56:13] ERROR: unable to bind listening socket for address '/run/php-fpm/php-fpm.sock': No such file or directory (2)",
      source: 'https://github.com/php/php-src/issues/9736',
      expect: { kind: 'service-down', upstream: 'unix:/run/php-fpm/php-fpm.sock' },
    },
    {
      line: '[24-Apr-2016 13:54:09] ERROR: FPM initialization failed',
      source: 'https://github.com/puphpet/puphpet/issues/2278',
      expect: { kind: 'service-down', detail: 'php-fpm failed to start' },
    },
    {
      line: '[25-Oct-2021 13:18:59] NOTICE: ready to handle connections',
      source: 'https://github.com/friendica/friendica/issues/10916',
      expect: null,
    },
    {
      line: '2023-11-06T21:09:49.65381919Z stderr F [06-Nov-2023 21:09:49] WARNING: [pool www] child 132 exited on signal 9 (SIGKILL) after 214.882381 seconds from start',
      source: 'https://github.com/php/php-src/issues/12626 (Kubernetes CRI prefix)',
      expect: { kind: 'upstream-worker-killed', time: '2023-11-06T21:09:49Z' },
    },
    {
      line: 'Jun 11 09:22:42 warmshowers php-fpm:  [WARNING] fpm_children_bury(), line 252: [pool www] child 14226 exited on signal 15 (SIGTERM) after 7189.199345 seconds from start',
      source: 'https://github.com/warmshowers/Warmshowers.org/issues/562 (syslog output; SIGTERM is FPM\'s own timeout or stop signal)',
      expect: null,
    },
    {
      line: 'WARNING: [pool www] server reached pm.max_children setting (4), consider raising it',
      source: 'https://github.com/ddev/ddev/issues/1447 (ddev logs, no time)',
      expect: { kind: 'upstream-capacity' },
    },
    {
      line: 'NOTICE: PHP message: PHP Fatal error:  Maximum execution time of 1 second exceeded in /var/task/public/simple.php on line 7',
      source: 'https://github.com/brefphp/bref/pull/707 (quoted there with a Markdown "> ", removed here)',
      expect: { kind: 'app-fatal', detail: 'php-timeout' },
    },
  ],
};
