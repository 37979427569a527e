/**
 * The kernel's OOM killer as `dmesg`, `dmesg -T` and journald/syslog print it. One OOM event is logged as
 * several lines ("X invoked oom-killer", "oom-kill:constraint=...", "Out of memory: Killed process N (name)",
 * "oom_reaper: reaped process N"); only the "Killed process" line becomes a fact, so one kill counts once.
 * Kernels before 4.19 log the choice ("Kill process N (x) score S or sacrifice child") and then the kill
 * ("Killed process M (y)"): again the kill is the fact. Texts: Linux mm/oom_kill.c.
 */
import { wallToUtc } from '../time.js';
import { MONTHS, sideFact, stripEnvelope, type Meaning } from './line-envelope.js';
import type { LogFormat, ParseContext } from './types.js';

// Before the message: a console level "<3>", then the uptime "[ 2170.372798] ", a relative "[  +0.000082] "
// (dmesg -H) or the wall time of `dmesg -T` "[Sat Jan 21 20:25:45 2017] ".
const DMESG = /^(?:<\d>)?\[(?: *[+]?\d+\.\d+|[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}))\] ?(.*)$/;

const KILLED_OOM = /^(Out of memory|Memory cgroup out of memory): Killed process (\d+) \(([^)]+)\)/;
const KILLED = /^Killed process (\d+),? (?:UID \d+, )?\(([^)]+)\)/;
// The same event's other lines: recognised, no fact of their own.
const OOM_OTHER =
  /^(?:(?:Out of memory|Memory cgroup out of memory): Kill process \d+ \(|\S+ invoked oom-killer: |oom-kill:constraint=|oom_reaper: reaped process |Memory cgroup stats for |Tasks state \(memory values in pages\)|Out of memory and no killable processes|memory: usage \d+kB, limit \d+kB, failcnt)/;

interface Read {
  message: string;
  time: number | null;
}

function dmesgPart(text: string, zone: ParseContext['zone'], time: number | null): Read {
  const d = DMESG.exec(text);
  if (!d) return { message: text, time };
  if (d[1] !== undefined) {
    const mon = MONTHS[d[1]];
    const wall = mon === undefined ? NaN : Date.UTC(Number(d[6]), mon, Number(d[2]), Number(d[3]), Number(d[4]), Number(d[5]));
    return { message: d[7] ?? '', time: Number.isNaN(wall) ? time : wallToUtc(wall, zone) };
  }
  // Seconds since boot: not a time of day.
  return { message: d[7] ?? '', time };
}

function read(line: string, zone: ParseContext['zone']): Read | null {
  const direct = dmesgPart(line, zone, null);
  if (meaningOf(direct.message) !== undefined) return direct;
  const env = stripEnvelope(line);
  if (!env.wrapped || (env.program !== undefined && env.program !== 'kernel')) return null;
  const inner = dmesgPart(env.text, zone, env.time);
  return meaningOf(inner.message) !== undefined ? inner : null;
}

/** What an OOM line means: a fact for the kill, null for the event's other lines, undefined for other text. */
function meaningOf(msg: string): Meaning | null | undefined {
  let m = KILLED_OOM.exec(msg);
  if (m) return { kind: 'oom-kill', detail: `${m[1] === 'Out of memory' ? 'OOM' : 'cgroup OOM'} killed ${m[3] ?? ''} (pid ${m[2] ?? ''})` };
  m = KILLED.exec(msg);
  if (m) return { kind: 'oom-kill', detail: `OOM killed ${m[2] ?? ''} (pid ${m[1] ?? ''})` };
  return OOM_OTHER.test(msg) ? null : undefined;
}

export const kernelLog: LogFormat = {
  id: 'kernel',
  title: 'Kernel log: the OOM killer (dmesg, dmesg -T, journald)',
  software: 'kernel',
  role: 'system',
  wallClock: true,
  sniff(line) {
    const r = read(line, { kind: 'offset', minutes: 0 });
    if (!r) return 0;
    return meaningOf(r.message) ? 0.9 : 0.7;
  },
  parse(line, ctx) {
    const r = read(line, ctx.zone);
    if (!r) return false;
    const m = meaningOf(r.message);
    if (m) ctx.emit(sideFact(m, ctx, line, r.time, 'kernel', 'kernel'));
    return true;
  },
  samples: [
    {
      line: 'Aug 31 05:43:05 UBU20MP-1 kernel: [60949.262923] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice/user-1000.slice/session-22.scope,task=simplescreenrec,pid=140113,uid=1000',
      source: 'https://github.com/MaartenBaert/ssr/issues/821 (first line of one OOM event)',
      expect: null,
    },
    {
      line: 'Aug 31 05:43:05 UBU20MP-1 kernel: [60949.263055] Out of memory: Killed process 140113 (simplescreenrec) total-vm:3759660kB, anon-rss:2511944kB, file-rss:0kB, shmem-rss:9920kB, UID:1000 pgtables:5624kB oom_score_adj:0',
      source: 'https://github.com/MaartenBaert/ssr/issues/821 (the kill: the one fact of the event)',
      expect: { kind: 'oom-kill', detail: 'OOM killed simplescreenrec (pid 140113)' },
    },
    {
      line: 'Aug 31 05:43:07 UBU20MP-1 kernel: [60951.105852] oom_reaper: reaped process 140113 (simplescreenrec), now anon-rss:16kB, file-rss:0kB, shmem-rss:9920kB',
      source: 'https://github.com/MaartenBaert/ssr/issues/821 (last line of the event)',
      expect: null,
    },
    {
      line: '[ 2170.372798] Out of memory: Killed process 1154 (php) total-vm:120284kB, anon-rss:19156kB, file-rss:3592kB, shmem-rss:0kB, UID:1002 pgtables:220kB oom_score_adj:0',
      source: 'https://github.com/cipi-sh/cipi/issues/190 (dmesg: seconds since boot, no time of day)',
      expect: { kind: 'oom-kill', detail: 'OOM killed php (pid 1154)' },
    },
    {
      line: 'Nov 15 06:46:39 ip-172-31-23-209 kernel: [65267.037327] Memory cgroup out of memory: Kill process 22232 (nginx) score 1182 or sacrifice child',
      source: 'https://github.com/kontena/pharos-cluster/issues/1508 (pre-4.19 kernels: the choice, then the kill)',
      expect: null,
    },
    {
      line: 'Nov 15 06:46:39 ip-172-31-23-209 kernel: [65267.042541] Killed process 22964 (nginx) total-vm:14136kB, anon-rss:844kB, file-rss:4kB, shmem-rss:0kB',
      source: 'https://github.com/kontena/pharos-cluster/issues/1508',
      expect: { kind: 'oom-kill', detail: 'OOM killed nginx (pid 22964)' },
    },
    {
      line: '[  +0.000003] Killed process 16556 (mysqld) total-vm:16816660kB, anon-rss:4469476kB, file-rss:4kB, shmem-rss:0kB',
      source: 'https://github.com/kubernetes/minikube/issues/5751 (dmesg -H relative times)',
      expect: { kind: 'oom-kill', detail: 'OOM killed mysqld (pid 16556)' },
    },
    {
      line: 'Mar  2 17:35:10 server1 kernel: [2858609.598568] Killed process 11726, UID 498, (mysqld) total-vm:7823732kB, anon-rss:2539268kB, file-rss:768kB',
      source: 'https://github.com/cPanelSSP/SSP/issues/76 (CentOS 6 kernel wording)',
      expect: { kind: 'oom-kill', detail: 'OOM killed mysqld (pid 11726)' },
    },
    {
      line: 'Nov 30 10:16:57 iZuf601dofntkxgp7lyfi9Z kernel: Killed process 799153 (node), UID 1000, total-vm:606096kB, anon-rss:68308kB, file-rss:13648kB, shmem-rss:0kB',
      source: 'https://github.com/kubernetes/kubernetes/issues/50632 (RHEL 7 kernel wording)',
      expect: { kind: 'oom-kill', detail: 'OOM killed node (pid 799153)' },
    },
    {
      line: '[Sat Jan 21 20:25:45 2017] Out of memory: Kill process 23386 (nginx) score 342 or sacrifice child',
      source: 'https://github.com/ustclug/discussions/issues/110 (dmesg -T; the choice line, its "Killed process" line follows)',
      expect: null,
    },
    {
      line: 'Apr  6 22:28:06 myserver1 kernel: [ 2170.372482] supervisord invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0',
      source: 'https://github.com/cipi-sh/cipi/issues/190',
      expect: null,
    },
  ],
};
