/**
 * Recognises host-side messages that explain upstream failures: the kernel OOM killer, systemd stopping or losing
 * a service, PHP-FPM pool warnings, gunicorn worker timeouts, uWSGI request-size rejections. Texts as the
 * programs print them (Linux mm/oom_kill.c; systemd src/core/service.c; php-src sapi/fpm; gunicorn arbiter.py;
 * uWSGI core/protocol.c).
 */
import type { FactKind } from '../../evidence/facts.js';

export interface SystemMessage {
  kind: FactKind;
  detail: string;
  software: string;
}

const RULES: [RegExp, (m: RegExpExecArray) => SystemMessage][] = [
  // Linux: "Out of memory: Killed process 1234 (php-fpm8.2) total-vm:..." and older "Out of memory: Kill process 1234 (...)".
  [/Out of memory: Kill(?:ed)? process (\d+) \(([^)]+)\)/, (m) => ({ kind: 'oom-kill', detail: `OOM killed ${m[2]} (pid ${m[1]})`, software: 'kernel' })],
  [/Memory cgroup out of memory: Kill(?:ed)? process (\d+) \(([^)]+)\)/, (m) => ({ kind: 'oom-kill', detail: `cgroup OOM killed ${m[2]} (pid ${m[1]})`, software: 'kernel' })],
  [/\b(\S+)\.service: Main process exited, code=(killed|dumped), status=(\S+)/, (m) => ({ kind: 'upstream-worker-killed', detail: `${m[1]} main process ${m[2]} (${m[3]})`, software: 'systemd' })],
  [/\b(\S+)\.service: Main process exited, code=exited, status=([1-9]\d*)\S*/, (m) => ({ kind: 'service-down', detail: `${m[1]} exited with status ${m[2]}`, software: 'systemd' })],
  [/^Failed to start (.+?)\.?$/, (m) => ({ kind: 'service-down', detail: `failed to start ${m[1]}`, software: 'systemd' })],
  [/\b(\S+)\.service: (?:A process of this unit has been killed by the OOM killer|Failed with result 'oom-kill')/, (m) => ({ kind: 'oom-kill', detail: `${m[1]} OOM kill`, software: 'systemd' })],
  [/^Stopping (.+?)\.\.\.$|\bStopping (\S+\.service)\b/, (m) => ({ kind: 'upstream-stopping', detail: `stopping ${m[1] ?? m[2]}`, software: 'systemd' })],
  // PHP-FPM (sapi/fpm/fpm/fpm_process_ctl.c, fpm_children.c, fpm_request.c).
  [/\[pool ([^\]]+)\] server reached (?:pm\.)?max_children setting \((\d+)\)/, (m) => ({ kind: 'upstream-capacity', detail: `php-fpm pool ${m[1]} reached pm.max_children (${m[2]})`, software: 'php-fpm' })],
  [/\[pool ([^\]]+)\] seems busy/, (m) => ({ kind: 'upstream-capacity', detail: `php-fpm pool ${m[1]} seems busy`, software: 'php-fpm' })],
  [/\[pool ([^\]]+)\] child (\d+) exited on signal (\d+) \((\w+)\)/, (m) => ({ kind: 'upstream-worker-killed', detail: `php-fpm child ${m[2]} exited on signal ${m[3]} (${m[4]})`, software: 'php-fpm' })],
  [/\[pool ([^\]]+)\] child (\d+), script '([^']*)' \(request: "([^"]*)"\) execution timed out/, (m) => ({ kind: 'upstream-worker-killed', detail: `php-fpm killed ${m[3]} after request_terminate_timeout`, software: 'php-fpm' })],
  [/unable to bind listening socket for address '([^']+)': Address already in use/, (m) => ({ kind: 'proxy-crash', detail: `php-fpm cannot bind ${m[1]}`, software: 'php-fpm' })],
  // gunicorn arbiter.
  [/\[CRITICAL\] WORKER TIMEOUT \(pid:(\d+)\)/, (m) => ({ kind: 'upstream-worker-killed', detail: `gunicorn worker ${m[1]} timed out`, software: 'gunicorn' })],
  [/Worker with pid (\d+) was terminated due to signal (\d+)/, (m) => ({ kind: 'upstream-worker-killed', detail: `gunicorn worker ${m[1]} killed by signal ${m[2]}`, software: 'gunicorn' })],
  [/Worker \(pid:(\d+)\) was sent SIGKILL! Perhaps out of memory\?/, (m) => ({ kind: 'upstream-worker-killed', detail: `gunicorn worker ${m[1]} SIGKILLed (out of memory?)`, software: 'gunicorn' })],
  // uWSGI.
  [/invalid request block size: (\d+) \(max (\d+)\)/, (m) => ({ kind: 'request-too-big', detail: `uWSGI request block ${m[1]} > buffer-size ${m[2]}`, software: 'uwsgi' })],
  [/uWSGI listen queue of socket "([^"]+)" \(fd: \d+\) full !!!/, (m) => ({ kind: 'upstream-capacity', detail: `uWSGI listen queue of ${m[1]} full`, software: 'uwsgi' })],
];

/**
 * Recognise a host-side message.
 * @example recogniseSystemMessage('WARNING: [pool www] server reached pm.max_children setting (5), consider raising it')
 */
export function recogniseSystemMessage(text: string): SystemMessage | null {
  for (const [re, map] of RULES) {
    const m = re.exec(text);
    if (m) return map(m);
  }
  return null;
}
