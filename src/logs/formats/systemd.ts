/**
 * systemd's own journal lines about units ("Dec 01 10:00:00 web systemd[1]: php8.2-fpm.service: Main process
 * exited, code=killed, status=9/KILL"): a service killed, stopped, failed or unable to start, the OOM killer
 * hitting a unit. Texts: systemd src/core/service.c, unit.c, job.c. Lines as `journalctl` prints them (short
 * and short-iso), or the unit message alone when pasted.
 */
import { recogniseSystemMessage } from '../messages/system.js';
import { sideFact, stripEnvelope, type Meaning } from './line-envelope.js';
import type { LogFormat } from './types.js';

const UNIT = /^(\S+?)\.(service|socket|scope|slice|mount|timer|target|path|swap|device|automount): (.+)$/;
// Units that never serve requests: their failures say nothing about a 5xx.
const NOT_SERVING = new Set(['mount', 'timer', 'target', 'path', 'swap', 'device', 'automount']);
// Unit messages recognised without a fact: restarts scheduled, clean stops, accounting, the kill sequence of a stop.
const UNIT_QUIET =
  /^(?:Scheduled restart job|Deactivated successfully|Succeeded\.|Consumed |Unit entered failed state|Killing process \d+ |State '[\w-]+' timed out\. (?:Killing|Terminating)|Main process exited, code=exited, status=0\/SUCCESS|Control process exited|Changed |Found left-over process|Service RestartSec=|Triggering OnFailure= dependencies|Failed to kill control group|Sent signal |Current command vanished|Referenced but unset)/;

/** What a unit message means; null when it carries no evidence; undefined when it is not a known one. */
function unitMeaning(unit: string, type: string, rest: string): Meaning | null | undefined {
  // Services by their name alone, as system.ts words them ("php8.2-fpm main process killed"); others in full.
  const name = type === 'service' ? unit : `${unit}.${type}`;
  const serving = !NOT_SERVING.has(type);
  if (/^A process of this unit has been killed by the OOM killer/.test(rest)) return { kind: 'oom-kill', detail: `${name} OOM kill` };
  let m = /^systemd-oomd killed (\d+) process\(es\) in this unit/.exec(rest);
  if (m) return { kind: 'oom-kill', detail: `${name}: systemd-oomd killed ${m[1] ?? ''} process(es)` };
  if (/^Main process exited, /.test(rest)) {
    // system.ts knows "code=killed/dumped" (a kill) and "code=exited, status=N" (an exit with an error).
    // Cut: system.ts has rules that scan in quadratic time, and these lines are short.
    const sys = recogniseSystemMessage(`${unit}.${type}: ${rest.slice(0, 512)}`);
    if (!sys || !serving) return null;
    return { kind: sys.kind, detail: sys.detail };
  }
  // The unit is now failed: down until something starts it again. The OOM kill itself is the line above
  // ("A process of this unit ..."), so 'oom-kill' here is the service's state, not a second kill.
  m = /^Failed with result '([\w-]+)'/.exec(rest);
  if (m) return serving ? { kind: 'service-down', detail: `${name} failed (${m[1] ?? ''})` } : null;
  if (/^Start request repeated too quickly/.test(rest)) return serving ? { kind: 'service-down', detail: `${name} restart limit hit` } : null;
  if (/^Start operation timed out/.test(rest)) return serving ? { kind: 'service-down', detail: `${name} start timed out` } : null;
  return UNIT_QUIET.test(rest) ? null : undefined;
}

/** What a systemd message means (null: recognised, no evidence; undefined: not a systemd message). */
function meaningOf(msg: string, fromSystemd: boolean): Meaning | null | undefined {
  const u = UNIT.exec(msg);
  if (u) {
    const m = unitMeaning(u[1] ?? '', u[2] ?? '', u[3] ?? '');
    return m === undefined && fromSystemd ? null : m;
  }
  if (!fromSystemd) return undefined;
  if (/^Failed to start |^Stopping .+\.\.\.$|^Stopping \S+\.service\b/.test(msg)) {
    const sys = recogniseSystemMessage(msg.slice(0, 1024));
    return sys ? { kind: sys.kind, detail: sys.detail } : null;
  }
  const dep = /^Dependency failed for (.+?)\.?$/.exec(msg);
  if (dep) return { kind: 'service-down', detail: `dependency failed for ${dep[1] ?? ''}` };
  // Everything else systemd itself writes is recognised without a fact (starting, started, targets, slices).
  return null;
}

interface Read {
  message: string;
  time: number | null;
  fromSystemd: boolean;
}

function read(line: string): Read | null {
  const env = stripEnvelope(line);
  if (env.wrapped && env.program !== undefined) {
    if (env.program !== 'systemd') return null;
    return { message: env.text, time: env.time, fromSystemd: true };
  }
  // A unit message pasted alone: only the unit messages known above.
  const text = env.text;
  return meaningOf(text, false) !== undefined ? { message: text, time: env.time, fromSystemd: false } : null;
}

export const systemdLog: LogFormat = {
  id: 'systemd',
  title: 'systemd journal: units killed, failed, stopping (journalctl)',
  software: 'systemd',
  role: 'system',
  wallClock: true,
  sniff(line) {
    const r = read(line);
    if (!r) return 0;
    return r.fromSystemd ? 0.9 : 0.6;
  },
  parse(line, ctx) {
    const r = read(line);
    if (!r) return false;
    const m = meaningOf(r.message, r.fromSystemd);
    if (m) ctx.emit(sideFact(m, ctx, line, r.time, 'systemd', 'systemd'));
    return true;
  },
  samples: [
    {
      line: 'Jan 09 14:32:25 H systemd[34]: testsuite-55-testbloat.service: Main process exited, code=killed, status=9/KILL',
      source: 'https://github.com/systemd/systemd/pull/22032 (journald short: no year, so no time is read)',
      expect: { kind: 'upstream-worker-killed', detail: 'testsuite-55-testbloat main process killed (9/KILL)' },
    },
    {
      line: "Jan 09 14:32:25 H systemd[34]: testsuite-55-testbloat.service: Failed with result 'signal'.",
      source: 'https://github.com/systemd/systemd/pull/22032',
      expect: { kind: 'service-down', detail: 'testsuite-55-testbloat failed (signal)' },
    },
    {
      line: "Jan 12 01:01:03 off systemd[1]: apache2.service: Failed with result 'oom-kill'.",
      source: 'https://github.com/openfoodfacts/openfoodfacts-infrastructure/issues/292',
      expect: { kind: 'service-down', detail: 'apache2 failed (oom-kill)' },
    },
    {
      line: '2026-02-08T00:40:07.136757+00:00 largeweb2 systemd[1]: system-postgresql.slice: A process of this unit has been killed by the OOM killer.',
      source: 'https://github.com/bennettoxford/openprescribing/issues/5431 (rsyslog RFC 3339 times)',
      expect: { kind: 'oom-kill', detail: 'system-postgresql.slice OOM kill', time: '2026-02-08T00:40:07.136Z' },
    },
    {
      line: 'unit.service: A process of this unit has been killed by the OOM killer.',
      source: 'https://github.com/nginx/unit/issues/940 (the poster cut the journal prefix off)',
      expect: { kind: 'oom-kill', detail: 'unit OOM kill' },
    },
    {
      line: 'Sep 10 14:59:49 image systemd[1]: testsuite-55-testbloat.service: systemd-oomd killed 2 process(es) in this unit.',
      source: 'https://github.com/systemd/systemd/pull/20690',
      expect: { kind: 'oom-kill' },
    },
    {
      line: 'Sep 16 02:10:10 mailcow systemd[1]: php7.0-fpm.service: Main process exited, code=exited, status=78/n/a',
      source: 'https://github.com/mailcow/mailcow/issues/500',
      expect: { kind: 'service-down', detail: 'php7.0-fpm exited with status 78' },
    },
    {
      line: 'Sep 16 02:10:10 mailcow systemd[1]: Failed to start The PHP 7.0 FastCGI Process Manager.',
      source: 'https://github.com/mailcow/mailcow/issues/500',
      expect: { kind: 'service-down', detail: 'failed to start The PHP 7.0 FastCGI Process Manager' },
    },
    {
      line: 'Jul 18 18:47:29 cyfubuntu systemd[1]: jasmin-web.service: Start request repeated too quickly.',
      source: 'https://github.com/101t/jasmin-web-panel/issues/42',
      expect: { kind: 'service-down', detail: 'jasmin-web restart limit hit' },
    },
    {
      line: 'May 18 00:16:21 cloud systemd[1]: Stopping The PHP 8.1 FastCGI Process Manager...',
      source: 'https://github.com/nextcloud/vm/issues/2327',
      expect: { kind: 'upstream-stopping', detail: 'stopping The PHP 8.1 FastCGI Process Manager' },
    },
    {
      line: 'May 18 00:16:20 cloud systemd[1]: Started The PHP 8.1 FastCGI Process Manager.',
      source: 'https://github.com/nextcloud/vm/issues/2327',
      expect: null,
    },
    {
      line: 'May 18 00:16:21 cloud systemd[1]: php8.1-fpm.service: Deactivated successfully.',
      source: 'https://github.com/nextcloud/vm/issues/2327',
      expect: null,
    },
    {
      line: 'Sep 09 14:41:51 dried-nextcloud systemd[1]: snap.nextcloud.mysql.service: Killing process 9769 (mysqld) with signal SIGKILL.',
      source: 'https://github.com/nextcloud-snap/nextcloud-snap/issues/1836 (part of a stop that timed out)',
      expect: null,
    },
  ],
};
