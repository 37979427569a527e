/**
 * What the host itself says about the upstreams and the proxy: who listens on each upstream target
 * (/proc/net/tcp, tcp6, unix and the owners' fds), the proxy workers' descriptor limits, memory and pressure,
 * OOM kills in the kernel log, and PHP-FPM's status page where a pool exposes one. Every reading becomes facts
 * (source 'system') or notes; nothing throws, and each command has a timeout.
 */
import { networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import { upstreamTarget } from '../causes/util.js';
import type { Fact } from '../evidence/facts.js';
import type { FpmPool } from '../config/php-fpm-config.js';
import { fastcgiGet } from './fastcgi.js';
import type { ProcInfo } from './find.js';
import type { Sys } from './sys.js';

/** A listening unix socket (/proc/net/unix, flag __SO_ACCEPTCON). */
export interface UnixListener {
  path: string;
  inode: number;
}

/** A listening TCP socket (/proc/net/tcp and tcp6, state 0A). */
export interface TcpListener {
  address: string;
  port: number;
  inode: number;
  v6: boolean;
}

export interface Listeners {
  unix: UnixListener[];
  tcp: TcpListener[];
  /** Which tables could be read. */
  read: { unix: boolean; tcp: boolean; tcp6: boolean };
}

/** A process that holds a socket. */
export interface SocketOwner {
  pid: number;
  comm: string;
  cmdline: string;
}

/** What the host says about one upstream target. */
export interface TargetState {
  /** As normalised: "unix:/run/php/php8.2-fpm.sock", "127.0.0.1:9000". */
  target: string;
  kind: 'unix' | 'tcp' | 'name';
  /**
   * up: something listens and the proxy's workers may connect; down: nothing listens (connections are refused
   * or the socket is missing); denied: something listens but the workers may not connect; unknown: not a
   * local address, or the tables could not be read.
   */
  state: 'up' | 'down' | 'denied' | 'unknown';
  errno?: 'ENOENT' | 'ECONNREFUSED' | 'EACCES';
  /** In a few words: "the socket file does not exist". */
  why: string;
  owners: SocketOwner[];
  socket?: { uid: number; gid: number; mode: number };
}

/** The user the proxy's workers run as. */
export interface WorkerIdentity {
  uid: number;
  gids: number[];
  /** For messages ("nobody"). */
  name?: string;
}

/** A proxy worker's descriptor limit and use. */
export interface FdUsage {
  pid: number;
  soft: number | null;
  hard: number | null;
  open: number | null;
}

export interface MemoryReading {
  totalKb: number | null;
  availableKb: number | null;
  /** /proc/pressure/memory: share of time stalled (avg10, avg60) for some and for all tasks. */
  pressure?: { some10: number; some60: number; full10: number; full60: number };
}

/** PHP-FPM's status page as read from a pool's socket. */
export interface FpmStatus {
  pool: string;
  target: string;
  path: string;
  ok: boolean;
  /** The numbers that matter for 502/504 (PHP-FPM's own names). */
  values?: Record<string, number | string>;
  error?: string;
}

/** One host reading's outcome for the report: facts for the causes, notes for the owner. */
export interface HostReading {
  facts: Fact[];
  notes: string[];
}

/** The facts' producer name. */
export const PRODUCER = 'doctor-host';

/**
 * Listening sockets of this host.
 * @example readListeners(makeSys()).unix.find((l) => l.path === '/run/php/php8.2-fpm.sock')
 */
export function readListeners(sys: Sys): Listeners {
  const unixText = sys.read('/proc/net/unix', 32 * 1024 * 1024);
  const tcpText = sys.read('/proc/net/tcp', 32 * 1024 * 1024);
  const tcp6Text = sys.read('/proc/net/tcp6', 32 * 1024 * 1024);
  const unix: UnixListener[] = [];
  for (const line of (unixText ?? '').split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = parseInt(f[3] ?? '0', 16);
    const path = f.slice(7).join(' ');
    if ((flags & 0x10000) === 0 || !path.startsWith('/')) continue;
    unix.push({ path, inode: Number(f[6]) });
  }
  const tcp: TcpListener[] = [];
  for (const [text, v6] of [[tcpText, false], [tcp6Text, true]] as const) {
    for (const line of (text ?? '').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      const [addrHex, portHex] = (f[1] ?? '').split(':');
      if (!addrHex || !portHex) continue;
      tcp.push({ address: v6 ? hexToIpv6(addrHex) : hexToIpv4(addrHex), port: parseInt(portHex, 16), inode: Number(f[9]), v6 });
    }
  }
  return { unix, tcp, read: { unix: unixText !== null, tcp: tcpText !== null, tcp6: tcp6Text !== null } };
}

/** "0100007F" (little-endian) → "127.0.0.1". */
export function hexToIpv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

/** /proc/net/tcp6's 32 hex digits (four little-endian words) → "::1", "::ffff:127.0.0.1", "fe80::…". */
export function hexToIpv6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // Compress the longest run of zero groups.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/**
 * The processes holding these socket inodes (/proc/<pid>/fd/* → "socket:[inode]"). Other users' processes
 * are only visible to root.
 */
export function socketOwners(sys: Sys, inodes: ReadonlySet<number>, procs: readonly ProcInfo[]): Map<number, SocketOwner[]> {
  const out = new Map<number, SocketOwner[]>();
  if (inodes.size === 0) return out;
  for (const p of procs) {
    for (const fd of sys.list(`/proc/${p.pid}/fd`)) {
      const l = sys.link(`/proc/${p.pid}/fd/${fd}`);
      const m = l ? /^socket:\[(\d+)\]$/.exec(l) : null;
      if (!m) continue;
      const inode = Number(m[1]);
      if (!inodes.has(inode)) continue;
      const list = out.get(inode) ?? [];
      if (!list.some((o) => o.pid === p.pid)) list.push({ pid: p.pid, comm: p.comm, cmdline: p.title });
      out.set(inode, list);
    }
  }
  return out;
}

const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|::1|localhost|0\.0\.0\.0|::|\*)$/i;

/** Addresses of this host's interfaces (only for the real host: a copied root has none to ask). */
function localAddresses(sys: Sys): Set<string> {
  const out = new Set<string>();
  if (sys.root !== '/') return out;
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/** Whether a listener on `address` accepts connections to `host`. */
function listensFor(l: TcpListener, host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (l.address === '0.0.0.0' || l.address === '::') return l.address === '::' || !h.includes(':') || h === '::ffff:127.0.0.1';
  if (h === 'localhost') return l.address === '127.0.0.1' || l.address === '::1' || l.address === '::ffff:127.0.0.1';
  return l.address === h || l.address === `::ffff:${h}`;
}

/**
 * What this host says about each upstream target: listening or not, and whether the proxy's workers may
 * connect to a unix socket.
 * @example targetStates(sys, ['unix:/run/php/php8.2-fpm.sock'], { uid: 33, gids: [33] }, procs)[0]?.state // 'down'
 */
export function targetStates(sys: Sys, targets: readonly string[], worker: WorkerIdentity | null, procs: readonly ProcInfo[], listeners: Listeners = readListeners(sys)): TargetState[] {
  const local = localAddresses(sys);
  const states: TargetState[] = [];
  const wanted = new Set<number>();
  const pending: { state: TargetState; inodes: number[] }[] = [];
  for (const raw of [...new Set(targets)]) {
    const t = upstreamTarget(raw);
    if (t.kind === 'unix') {
      const st = sys.stat(t.path);
      const lst = sys.lstat(t.path);
      if (!lst) {
        // Missing, or a directory on the way we may not search: tell them apart for the message.
        const dirReadable = sys.stat(dirname(t.path)) !== null;
        states.push({ target: raw, kind: 'unix', state: dirReadable ? 'down' : 'unknown', errno: 'ENOENT', why: dirReadable ? 'the socket file does not exist' : `${dirname(t.path)} cannot be read here`, owners: [] });
        continue;
      }
      const matching = listeners.unix.filter((l) => l.path === t.path);
      const socket = st ? { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 } : undefined;
      if (st && !st.isSocket()) {
        states.push({ target: raw, kind: 'unix', state: 'down', errno: 'ECONNREFUSED', why: 'the path exists but is not a socket', owners: [], ...(socket ? { socket } : {}) });
        continue;
      }
      if (matching.length === 0 && listeners.read.unix) {
        states.push({ target: raw, kind: 'unix', state: 'down', errno: 'ECONNREFUSED', why: 'the socket file exists but no process listens on it (a stale socket left by a process that died)', owners: [], ...(socket ? { socket } : {}) });
        continue;
      }
      const denied = worker && socket ? !mayConnect(sys, t.path, socket, worker) : false;
      const state: TargetState = denied
        ? { target: raw, kind: 'unix', state: 'denied', errno: 'EACCES', why: `the socket is ${ownerText(sys, socket)} and the proxy's workers run as ${worker?.name ?? `uid ${worker?.uid ?? '?'}`}`, owners: [], ...(socket ? { socket } : {}) }
        : { target: raw, kind: 'unix', state: listeners.read.unix ? 'up' : 'unknown', why: listeners.read.unix ? 'listening' : '/proc/net/unix cannot be read', owners: [], ...(socket ? { socket } : {}) };
      states.push(state);
      pending.push({ state, inodes: matching.map((l) => l.inode) });
      for (const l of matching) wanted.add(l.inode);
      continue;
    }
    if (t.kind === 'tcp') {
      const host = t.host.replace(/^\[|\]$/g, '');
      const isLocal = LOOPBACK.test(host) || local.has(host);
      if (!isLocal) {
        states.push({ target: raw, kind: 'tcp', state: 'unknown', why: 'not an address of this host (the live check probes it)', owners: [] });
        continue;
      }
      if (!listeners.read.tcp && !listeners.read.tcp6) {
        states.push({ target: raw, kind: 'tcp', state: 'unknown', why: '/proc/net/tcp cannot be read', owners: [] });
        continue;
      }
      const matching = listeners.tcp.filter((l) => l.port === t.port && listensFor(l, host));
      if (matching.length === 0) {
        states.push({ target: raw, kind: 'tcp', state: 'down', errno: 'ECONNREFUSED', why: `nothing listens on ${t.host}:${t.port}`, owners: [] });
        continue;
      }
      const state: TargetState = { target: raw, kind: 'tcp', state: 'up', why: `listening on ${matching.map((l) => `${l.v6 ? `[${l.address}]` : l.address}:${l.port}`).join(', ')}`, owners: [] };
      states.push(state);
      pending.push({ state, inodes: matching.map((l) => l.inode) });
      for (const l of matching) wanted.add(l.inode);
      continue;
    }
    states.push({ target: raw, kind: 'name', state: 'unknown', why: 'a name: resolved by the proxy (the live check probes it)', owners: [] });
  }
  const owners = socketOwners(sys, wanted, procs);
  for (const p of pending) {
    const seen = new Set<number>();
    for (const i of p.inodes) {
      for (const o of owners.get(i) ?? []) {
        if (seen.has(o.pid)) continue;
        seen.add(o.pid);
        p.state.owners.push(o);
      }
    }
  }
  return states;
}

function ownerText(sys: Sys, s: { uid: number; gid: number; mode: number } | undefined): string {
  return s ? `${userName(sys, s.uid) ?? `uid ${s.uid}`}:${groupName(sys, s.gid) ?? `gid ${s.gid}`} mode ${s.mode.toString(8).padStart(4, '0')}` : 'unreadable';
}

/** Whether a worker may connect to a unix socket: search on every directory, write on the socket. */
function mayConnect(sys: Sys, path: string, socket: { uid: number; gid: number; mode: number }, w: WorkerIdentity): boolean {
  if (w.uid === 0) return true;
  const allowed = (st: { uid: number; gid: number; mode: number }, bit: number): boolean =>
    st.uid === w.uid ? (st.mode & (bit << 6)) !== 0 : w.gids.includes(st.gid) ? (st.mode & (bit << 3)) !== 0 : (st.mode & bit) !== 0;
  for (let d = dirname(path); ; d = dirname(d)) {
    const st = sys.stat(d);
    if (st && !allowed({ uid: st.uid, gid: st.gid, mode: st.mode }, 0o1)) return false;
    if (d === '/' || d === '.') break;
  }
  return allowed(socket, 0o2);
}

/** The facts a target's state gives: down → the connect failure the proxy meets; denied → EACCES. */
export function targetFacts(s: TargetState, now: number, service?: string): Fact[] {
  if (s.state !== 'down' && s.state !== 'denied') return [];
  const where = s.kind === 'unix' ? s.target.replace(/^unix:/, '') : s.target;
  const text = `${where}: ${s.why}${s.owners.length > 0 ? ` (held by ${s.owners.map((o) => `pid ${o.pid} ${o.comm}`).join(', ')})` : ''}`;
  const base = { producer: PRODUCER, time: now, upstream: s.target, software: 'host' } as const;
  const out: Fact[] = [
    { ...base, kind: 'connect-failed', stage: 'connect', errno: s.errno ?? (s.state === 'denied' ? 'EACCES' : 'ECONNREFUSED'), ref: { source: 'system', file: s.kind === 'unix' ? where : '/proc/net/tcp', text } },
  ];
  if (s.state === 'down') out.push({ ...base, kind: 'service-down', detail: service ? `${service} is not running` : 'nothing listens there', ref: { source: 'system', text: service ? `${service} is not running: ${text}` : text } });
  return out;
}

/**
 * Descriptor limits and use of these processes (/proc/<pid>/limits "Max open files", /proc/<pid>/fd).
 * @example fdUsage(sys, [1234])[0]?.soft // 1024
 */
export function fdUsage(sys: Sys, pids: readonly number[]): FdUsage[] {
  return pids.map((pid) => {
    const limits = sys.read(`/proc/${pid}/limits`, 16 * 1024);
    const m = limits ? /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits) : null;
    const num = (v: string | undefined): number | null => (v === undefined ? null : v === 'unlimited' ? Infinity : Number.isFinite(Number(v)) ? Number(v) : null);
    const fds = sys.list(`/proc/${pid}/fd`);
    return { pid, soft: num(m?.[1]), hard: num(m?.[2]), open: fds.length > 0 ? fds.length : null };
  });
}

/** Facts from descriptor use: a worker at 90% of its soft limit is about to fail "Too many open files". */
export function fdFacts(usage: readonly FdUsage[], now: number, software: string): HostReading {
  const facts: Fact[] = [];
  const notes: string[] = [];
  for (const u of usage) {
    if (u.soft === null) {
      notes.push(`pid ${u.pid}: /proc/${u.pid}/limits cannot be read (run as root to see the workers' limits)`);
      continue;
    }
    const soft = u.soft === Infinity ? 'unlimited' : String(u.soft);
    notes.push(`${software} worker ${u.pid}: open-files limit ${soft}${u.open !== null ? `, ${u.open} open` : ''}`);
    if (u.open !== null && u.soft !== Infinity && u.open >= 0.9 * u.soft) {
      facts.push({
        kind: 'proxy-resource',
        producer: PRODUCER,
        time: now,
        detail: 'file descriptors',
        software,
        ref: { source: 'system', file: `/proc/${u.pid}/limits`, text: `${software} worker ${u.pid} holds ${u.open} descriptors of its limit of ${soft} (Max open files)` },
      });
    }
  }
  return { facts, notes };
}

/**
 * Memory: /proc/meminfo MemTotal and MemAvailable, /proc/pressure/memory when the kernel has PSI.
 * @example readMemory(sys).availableKb
 */
export function readMemory(sys: Sys): MemoryReading {
  const info = sys.read('/proc/meminfo', 64 * 1024) ?? '';
  const kb = (k: string): number | null => {
    const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(info);
    return m ? Number(m[1]) : null;
  };
  const out: MemoryReading = { totalKb: kb('MemTotal'), availableKb: kb('MemAvailable') };
  const psi = sys.read('/proc/pressure/memory', 4096);
  if (psi) {
    const v = (kind: string, k: string): number => Number(new RegExp(`^${kind} .*\\b${k}=([\\d.]+)`, 'm').exec(psi)?.[1] ?? '0');
    out.pressure = { some10: v('some', 'avg10'), some60: v('some', 'avg60'), full10: v('full', 'avg10'), full60: v('full', 'avg60') };
  }
  return out;
}

/** Facts from memory: almost nothing available, or tasks stalled on memory a large share of the time. */
export function memoryFacts(m: MemoryReading, now: number): HostReading {
  const notes: string[] = [];
  const facts: Fact[] = [];
  if (m.totalKb !== null && m.availableKb !== null) {
    const pct = (100 * m.availableKb) / m.totalKb;
    notes.push(`memory: ${Math.round(m.availableKb / 1024)} MiB available of ${Math.round(m.totalKb / 1024)} MiB (${pct.toFixed(1)}%)`);
    if (m.pressure) notes.push(`memory pressure (PSI): some avg10=${m.pressure.some10} avg60=${m.pressure.some60}, full avg10=${m.pressure.full10} avg60=${m.pressure.full60}`);
    const starving = pct < 3 || (m.pressure !== undefined && m.pressure.full10 >= 20);
    if (starving) {
      facts.push({
        kind: 'proxy-resource',
        producer: PRODUCER,
        time: now,
        detail: 'memory',
        software: 'host',
        ref: { source: 'system', file: m.pressure && m.pressure.full10 >= 20 ? '/proc/pressure/memory' : '/proc/meminfo', text: `MemAvailable ${m.availableKb} kB of ${m.totalKb} kB${m.pressure ? `; PSI full avg10=${m.pressure.full10}` : ''}` },
      });
    }
  } else {
    notes.push('memory: /proc/meminfo cannot be read');
  }
  return { facts, notes };
}

const OOM_KILLED = /(?:(Out of memory|Memory cgroup out of memory): )?Killed process (\d+),? (?:UID \d+, )?\(([^)]+)\)/;

/**
 * OOM kills since a time: `journalctl -k` when it works, else `dmesg -T`, else /var/log/kern.log.
 * @example (await oomKills(sys, Date.now() - 15 * 60_000)).facts.length
 */
export async function oomKills(sys: Sys, since: number, timeoutMs = 5000): Promise<HostReading & { source: string | null }> {
  const notes: string[] = [];
  const journalctl = sys.which('journalctl');
  // With -q journalctl says nothing when it has no journal at all and exits 1, as for "no match": look first.
  const hasJournal = ['/var/log/journal', '/run/log/journal'].some((d) => sys.list(d).length > 0);
  if (journalctl && !hasJournal) notes.push('journalctl -k: no journal files on this host (/var/log/journal, /run/log/journal)');
  if (journalctl && hasJournal && sys.canExec) {
    const args = ['-k', '--no-pager', '-q', '-o', 'short-iso', '--since', `@${Math.floor(since / 1000)}`];
    let r = await sys.exec(journalctl, [...args, '-g', 'Out of memory|oom-kill|Killed process'], timeoutMs);
    // A journalctl built without PCRE2 rejects -g: filter here instead.
    if (r && r.code !== 0 && /pattern matching|pcre/i.test(r.stderr)) r = await sys.exec(journalctl, args, timeoutMs);
    const noJournal = r !== null && /No journal files were found|No entries/i.test(r.stderr + r.stdout) && !OOM_KILLED.test(r.stdout);
    // Exit 1 with no output is "no match" under -g.
    if (r && !r.timedOut && (r.code === 0 || (r.code === 1 && r.stdout.trim() === '' && r.stderr.trim() === '')) && !noJournal) {
      return { ...parseKernelLines(r.stdout, 'journalctl -k', since, true), source: 'journalctl -k' };
    }
    notes.push(`journalctl -k: ${r === null ? 'could not run' : r.timedOut ? 'timed out' : (r.stderr.trim().split('\n')[0] ?? `exit ${r.code}`) || `exit ${r.code}`}`);
  }
  const dmesg = sys.which('dmesg');
  if (dmesg && sys.canExec) {
    const r = await sys.exec(dmesg, ['-T'], timeoutMs);
    if (r && r.code === 0 && r.stdout.trim() !== '') return { ...parseKernelLines(r.stdout, 'dmesg -T', since, false), notes, source: 'dmesg -T' };
    notes.push(`dmesg: ${r === null ? 'could not run' : (r.stderr.trim().split('\n')[0] ?? '') || `exit ${r.code ?? 'timeout'}`}`);
  }
  for (const file of ['/var/log/kern.log', '/var/log/messages']) {
    const r = sys.readWithError(file, 64 * 1024 * 1024);
    if ('text' in r) return { ...parseKernelLines(r.text, file, since, false), notes, source: file };
    if (r.code === 'EACCES') notes.push(`${file}: permission denied (run as root to read OOM kills)`);
  }
  notes.push('OOM kills: no kernel log could be read (journalctl, dmesg, /var/log/kern.log)');
  return { facts: [], notes, source: null };
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** The time of a kernel log line: ISO (journalctl short-iso, rsyslog), "[Sat Jan 21 20:25:45 2017]" (dmesg -T), or syslog's "Jan 21 20:25:45" (this year, local). */
export function kernelLineTime(line: string, year: number): number | null {
  let m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/.exec(line);
  if (m?.[1]) {
    const t = Date.parse(m[1].replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isNaN(t) ? null : t;
  }
  m = /^\[\w{3} (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})\]/.exec(line);
  if (m) {
    const mon = MONTHS[m[1] ?? ''];
    return mon === undefined ? null : new Date(Number(m[6]), mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime();
  }
  m = /^(\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) /.exec(line);
  if (m) {
    const mon = MONTHS[m[1] ?? ''];
    return mon === undefined ? null : new Date(year, mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime();
  }
  return null;
}

/** OOM kill lines as facts, those at or after `since` (lines without a readable time are kept only from a source already filtered by time). */
export function parseKernelLines(text: string, file: string, since: number, alreadyFiltered: boolean): HostReading {
  const facts: Fact[] = [];
  const year = new Date().getFullYear();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = OOM_KILLED.exec(line);
    if (!m) continue;
    const t = kernelLineTime(line, year);
    if (t === null ? !alreadyFiltered : t < since) continue;
    facts.push({
      kind: 'oom-kill',
      producer: PRODUCER,
      time: t,
      detail: `${m[1] === 'Memory cgroup out of memory' ? 'cgroup OOM' : 'OOM'} killed ${m[3] ?? ''} (pid ${m[2] ?? ''})`,
      software: 'kernel',
      ref: { source: 'system', file, line: i + 1, text: line.trim() },
    });
  }
  return { facts, notes: facts.length > 0 ? [`${facts.length} OOM kill(s) in ${file} since ${new Date(since).toISOString()}`] : [] };
}

/**
 * PHP-FPM's status page for each pool that sets pm.status_path, asked over the pool's own socket.
 * Pools without one are skipped (nothing to ask).
 * @example await fpmStatuses(pools, 3000)
 */
export async function fpmStatuses(pools: readonly FpmPool[], timeoutMs = 3000): Promise<FpmStatus[]> {
  const out: FpmStatus[] = [];
  for (const p of pools) {
    const path = p.statusPath?.value;
    const listen = p.listen?.value;
    if (!path || !listen) continue;
    const target = listen.kind === 'unix' ? `unix:${listen.path}` : `${listen.host ?? '127.0.0.1'}:${listen.port}`;
    try {
      const r = await fastcgiGet(listen.kind === 'unix' ? { path: listen.path } : { host: listen.host ?? '127.0.0.1', port: listen.port }, path, 'json', timeoutMs);
      if (r.status !== 200) {
        out.push({ pool: p.name, target, path, ok: false, error: `status ${r.status}${r.stderr ? `: ${r.stderr.trim().slice(0, 200)}` : ''}` });
        continue;
      }
      const json = JSON.parse(r.body) as Record<string, unknown>;
      const values: Record<string, number | string> = {};
      for (const [k, v] of Object.entries(json)) if (typeof v === 'number' || typeof v === 'string') values[k] = v;
      out.push({ pool: p.name, target, path, ok: true, values });
    } catch (e) {
      out.push({ pool: p.name, target, path, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

/** Facts from status pages: requests queued right now mean every child is busy (the pool is full). */
export function fpmStatusFacts(list: readonly FpmStatus[], now: number, maxChildren: (pool: string) => number | undefined): HostReading {
  const facts: Fact[] = [];
  const notes: string[] = [];
  for (const s of list) {
    if (!s.ok || !s.values) {
      notes.push(`PHP-FPM pool ${s.pool}: status page ${s.path} could not be read (${s.error ?? 'no answer'})`);
      continue;
    }
    const v = s.values;
    const num = (k: string): number => (typeof v[k] === 'number' ? v[k] : 0);
    notes.push(
      `PHP-FPM pool ${s.pool} (${s.path}): ${num('active processes')} active of ${num('total processes')}, listen queue ${num('listen queue')} (max ${num('max listen queue')}), max children reached ${num('max children reached')} time(s), slow requests ${num('slow requests')}`,
    );
    const max = maxChildren(s.pool);
    const full = num('listen queue') > 0 || (max !== undefined && num('active processes') >= max);
    if (full) {
      facts.push({
        kind: 'upstream-capacity',
        producer: PRODUCER,
        time: now,
        upstream: s.target,
        software: 'php-fpm',
        detail: `pool ${s.pool}: ${num('active processes')} of ${max ?? num('total processes')} children busy, ${num('listen queue')} request(s) queued`,
        ref: { source: 'system', file: `${s.target} ${s.path}?json`, text: JSON.stringify(v).slice(0, 400) },
      });
    }
  }
  return { facts, notes };
}

/** The uid, gids and name of a process (the proxy's first worker), from /proc/<pid>/status. */
export function workerIdentity(sys: Sys, procs: readonly ProcInfo[], pids: readonly number[]): WorkerIdentity | null {
  const p = procs.find((x) => pids.includes(x.pid));
  if (!p || p.uid === null) return null;
  const gids = [...new Set([...(p.gid !== null ? [p.gid] : []), ...p.groups])];
  const name = userName(sys, p.uid);
  return { uid: p.uid, gids, ...(name ? { name } : {}) };
}

/** A user's name from /etc/passwd, or null. */
export function userName(sys: Sys, uid: number): string | null {
  const passwd = sys.read('/etc/passwd', 1024 * 1024) ?? '';
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[2] === String(uid)) return f[0] ?? null;
  }
  return null;
}

/** A group's name from /etc/group, or null. */
export function groupName(sys: Sys, gid: number): string | null {
  const group = sys.read('/etc/group', 1024 * 1024) ?? '';
  for (const line of group.split('\n')) {
    const f = line.split(':');
    if (f[2] === String(gid)) return f[0] ?? null;
  }
  return null;
}
