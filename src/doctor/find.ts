/**
 * Finds what serves the site on this host, from /proc: the proxies running (nginx master, apache2/httpd,
 * haproxy, caddy) with the config each was started with, and the PHP-FPM masters with theirs. Reads only.
 */
import { dirname, isAbsolute, join } from 'node:path';
import type { Sys } from './sys.js';

/** One process as /proc shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** /proc/<pid>/comm: the program name, at most 15 characters. */
  comm: string;
  /** /proc/<pid>/cmdline split into words (a rewritten process title is split on spaces). */
  argv: string[];
  /** The raw command line with NULs as spaces (a process title as it shows in ps). */
  title: string;
  uid: number | null;
  gid: number | null;
  groups: number[];
  /** /proc/<pid>/exe when it can be read (root, or our own processes), without " (deleted)". */
  exe: string | null;
}

export type DoctorProxyKind = 'nginx' | 'apache' | 'haproxy' | 'caddy';

/** A proxy found running. Paths are the host's. */
export interface FoundProxy {
  kind: DoctorProxyKind;
  /** The master (or only) process. */
  pid: number;
  /** Its workers (children of the same program), whose limits and user matter for connections. */
  workers: number[];
  binary: string | null;
  /** The main config file (apache: the file given to -f, resolved; haproxy: the first -f). */
  configPath: string | null;
  /** HAProxy may take several -f; the others list only the main one. */
  configPaths: string[];
  /** How the config path was found: "-c", "default", "-f"… */
  configFrom: string;
  /** nginx -p / apache -d: the prefix relative paths resolve against. */
  prefix: string | null;
  /** nginx -e: the error log in effect before the config's own error_log. */
  errorLog: string | null;
  /** apache -D names. */
  defines: string[];
  /** Caddy: the adapter given (--adapter caddyfile). */
  adapter: string | null;
  cmdline: string;
  uid: number | null;
}

/** A PHP-FPM master found running. */
export interface FoundFpm {
  pid: number;
  workers: number[];
  binary: string | null;
  configPath: string | null;
  /** "php8.2-fpm"-like version from the program name, when it has one. */
  version: string | null;
  cmdline: string;
}

/** Which proxies to consider: all (default), or those with these master pids, config path or kind. */
export interface FindFilter {
  pids?: readonly number[];
  configPath?: string;
  kind?: DoctorProxyKind;
}

/** Debian's compiled-in defaults (nginx -V: --conf-path, --prefix). */
export const NGINX_DEFAULT_CONF = '/etc/nginx/nginx.conf';
export const NGINX_DEFAULT_PREFIX = '/usr/share/nginx';
const APACHE_DEFAULT_CONFS = ['/etc/apache2/apache2.conf', '/etc/httpd/conf/httpd.conf', '/usr/local/apache2/conf/httpd.conf'];
const HAPROXY_DEFAULT_CONF = '/etc/haproxy/haproxy.cfg';
const CADDY_DEFAULT_CONF = '/etc/caddy/Caddyfile';

/**
 * Every process of this host (those whose /proc entries can be read).
 * @example listProcesses(makeSys()).filter((p) => p.comm === 'nginx')
 */
export function listProcesses(sys: Sys): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of sys.list('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProcess(sys, Number(name));
    if (p) out.push(p);
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/** One process, or null when it is gone or unreadable. */
export function readProcess(sys: Sys, pid: number): ProcInfo | null {
  const status = sys.read(`/proc/${pid}/status`, 64 * 1024);
  if (status === null) return null;
  const field = (k: string): string | undefined => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(status)?.[1];
  const comm = (sys.read(`/proc/${pid}/comm`, 256) ?? field('Name') ?? '').trim();
  const raw = sys.read(`/proc/${pid}/cmdline`, 64 * 1024) ?? '';
  const words = raw.split('\0');
  while (words.length > 0 && words[words.length - 1] === '') words.pop();
  const title = words.join(' ').trim();
  // A program that rewrote its title (nginx, php-fpm) leaves one word with spaces, or the title and NUL padding.
  const argv = words.length === 1 && (words[0] ?? '').includes(' ') ? (words[0] ?? '').trim().split(/\s+/) : words.filter((w, i) => w !== '' || i === 0);
  const ids = (k: string): number[] => (field(k) ?? '').trim().split(/\s+/).filter(Boolean).map(Number).filter(Number.isFinite);
  const exe = sys.link(`/proc/${pid}/exe`);
  return {
    pid,
    ppid: Number(field('PPid') ?? '0'),
    comm,
    argv,
    title,
    uid: ids('Uid')[0] ?? null,
    gid: ids('Gid')[0] ?? null,
    groups: ids('Groups'),
    exe: exe ? exe.replace(/ \(deleted\)$/, '') : null,
  };
}

function kindOf(p: ProcInfo): DoctorProxyKind | null {
  const c = p.comm;
  if (c === 'nginx' || /^nginx: /.test(p.title)) return 'nginx';
  if (c === 'apache2' || c === 'httpd') return 'apache';
  if (c === 'haproxy') return 'haproxy';
  if (c === 'caddy') return 'caddy';
  return null;
}

/** The value after a flag: "-c path" or "-cpath" (nginx accepts both), or "--config=path". */
function flagValue(argv: readonly string[], ...flags: string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    for (const f of flags) {
      if (a === f) return argv[i + 1] ?? null;
      if (f.startsWith('--') && a.startsWith(`${f}=`)) return a.slice(f.length + 1);
      if (!f.startsWith('--') && a.startsWith(f) && a.length > f.length && f.length === 2) return a.slice(2);
    }
  }
  return null;
}

function allFlagValues(argv: readonly string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === flag && argv[i + 1] !== undefined) out.push(argv[++i] ?? '');
    else if (a.startsWith(flag) && a.length > flag.length && !a.startsWith('--')) out.push(a.slice(flag.length));
  }
  return out;
}

/** The process's working directory, for relative paths on its command line. */
function cwdOf(sys: Sys, pid: number): string | null {
  return sys.link(`/proc/${pid}/cwd`);
}

function resolveFrom(base: string | null, p: string): string {
  return isAbsolute(p) || base === null ? p : join(base, p);
}

/** Words after the program: "nginx: master process /usr/sbin/nginx -c x" → ["/usr/sbin/nginx", "-c", "x"]. */
function programArgv(p: ProcInfo): string[] {
  const m = /^nginx: master process (.*)$/.exec(p.title);
  if (m?.[1]) return m[1].trim().split(/\s+/);
  return p.argv;
}

function describeNginx(sys: Sys, p: ProcInfo): Omit<FoundProxy, 'workers'> {
  const argv = programArgv(p);
  const prefixArg = flagValue(argv, '-p');
  const cwd = cwdOf(sys, p.pid);
  const prefix = prefixArg ? resolveFrom(cwd, prefixArg).replace(/\/$/, '') || '/' : null;
  const conf = flagValue(argv, '-c');
  const errorLog = flagValue(argv, '-e');
  // nginx resolves -c against the prefix (-p, else the compiled-in one).
  const configPath = conf ? resolveFrom(prefix ?? NGINX_DEFAULT_PREFIX, conf) : NGINX_DEFAULT_CONF;
  return {
    kind: 'nginx',
    pid: p.pid,
    binary: p.exe ?? (argv[0]?.startsWith('/') ? argv[0] : sys.which('nginx')),
    configPath,
    configPaths: [configPath],
    configFrom: conf ? '-c' : 'default',
    prefix,
    errorLog: errorLog && errorLog !== 'stderr' ? resolveFrom(prefix ?? NGINX_DEFAULT_PREFIX, errorLog) : null,
    defines: [],
    adapter: null,
    cmdline: p.title,
    uid: p.uid,
  };
}

function describeApache(sys: Sys, p: ProcInfo): Omit<FoundProxy, 'workers'> {
  const argv = p.argv;
  const d = flagValue(argv, '-d');
  const f = flagValue(argv, '-f');
  const cwd = cwdOf(sys, p.pid);
  const serverRoot = d ? resolveFrom(cwd, d) : null;
  let configPath: string | null = null;
  let from = '-f';
  if (f) configPath = resolveFrom(serverRoot ?? (p.comm === 'httpd' ? '/etc/httpd' : '/etc/apache2'), f);
  else {
    from = 'default';
    configPath = sys.firstExisting(serverRoot ? [join(serverRoot, 'apache2.conf'), join(serverRoot, 'conf/httpd.conf'), ...APACHE_DEFAULT_CONFS] : APACHE_DEFAULT_CONFS);
  }
  return {
    kind: 'apache',
    pid: p.pid,
    binary: p.exe ?? (argv[0]?.startsWith('/') ? argv[0] : sys.which(p.comm)),
    configPath,
    configPaths: configPath ? [configPath] : [],
    configFrom: from,
    prefix: serverRoot,
    errorLog: null,
    defines: allFlagValues(argv, '-D'),
    adapter: null,
    cmdline: p.title,
    uid: p.uid,
  };
}

function describeHaproxy(sys: Sys, p: ProcInfo): Omit<FoundProxy, 'workers'> {
  const cwd = cwdOf(sys, p.pid);
  const files = allFlagValues(p.argv, '-f').map((f) => resolveFrom(cwd, f));
  const configPaths = files.length > 0 ? files : sys.exists(HAPROXY_DEFAULT_CONF) ? [HAPROXY_DEFAULT_CONF] : [];
  return {
    kind: 'haproxy',
    pid: p.pid,
    binary: p.exe ?? (p.argv[0]?.startsWith('/') ? p.argv[0] : sys.which('haproxy')),
    configPath: configPaths[0] ?? null,
    configPaths,
    configFrom: files.length > 0 ? '-f' : 'default',
    prefix: null,
    errorLog: null,
    defines: [],
    adapter: null,
    cmdline: p.title,
    uid: p.uid,
  };
}

function describeCaddy(sys: Sys, p: ProcInfo): Omit<FoundProxy, 'workers'> {
  const cwd = cwdOf(sys, p.pid);
  const conf = flagValue(p.argv, '--config');
  // `caddy run` without --config loads ./Caddyfile from its working directory; the Debian unit passes --config.
  let configPath: string | null = conf ? resolveFrom(cwd, conf) : null;
  if (!configPath) configPath = cwd && sys.exists(join(cwd, 'Caddyfile')) ? join(cwd, 'Caddyfile') : sys.exists(CADDY_DEFAULT_CONF) ? CADDY_DEFAULT_CONF : null;
  return {
    kind: 'caddy',
    pid: p.pid,
    binary: p.exe ?? (p.argv[0]?.startsWith('/') ? p.argv[0] : sys.which('caddy')),
    configPath,
    configPaths: configPath ? [configPath] : [],
    configFrom: conf ? '--config' : 'default',
    prefix: null,
    errorLog: null,
    defines: [],
    adapter: flagValue(p.argv, '--adapter'),
    cmdline: p.title,
    uid: p.uid,
  };
}

/**
 * The proxies running on this host: one entry per master process, with its workers and its config.
 * @example findProxies(makeSys(), listProcesses(makeSys()))[0]?.configPath // '/etc/nginx/nginx.conf'
 */
export function findProxies(sys: Sys, procs: readonly ProcInfo[], filter: FindFilter = {}): FoundProxy[] {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const out: FoundProxy[] = [];
  for (const p of procs) {
    const kind = kindOf(p);
    if (!kind) continue;
    if (kind === 'nginx' && /^nginx: (worker|cache manager|cache loader) process/.test(p.title)) continue;
    // A master's children are its workers; the master is the one whose parent is not the same program.
    const parent = byPid.get(p.ppid);
    if (parent && kindOf(parent) === kind) continue;
    const base = kind === 'nginx' ? describeNginx(sys, p) : kind === 'apache' ? describeApache(sys, p) : kind === 'haproxy' ? describeHaproxy(sys, p) : describeCaddy(sys, p);
    const workers = procs.filter((c) => c.ppid === p.pid && kindOf(c) === kind).map((c) => c.pid);
    out.push({ ...base, workers });
  }
  return out.filter((x) => matches(x, filter));
}

function matches(p: FoundProxy, f: FindFilter): boolean {
  if (f.kind && p.kind !== f.kind) return false;
  if (f.pids && f.pids.length > 0 && !f.pids.includes(p.pid)) return false;
  if (f.configPath !== undefined && !p.configPaths.includes(f.configPath)) return false;
  return true;
}

/**
 * PHP-FPM masters: "php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)", with their pools' workers.
 * @example findFpmMasters(sys, procs)[0]?.configPath // '/etc/php/8.2/fpm/php-fpm.conf'
 */
export function findFpmMasters(sys: Sys, procs: readonly ProcInfo[]): FoundFpm[] {
  const out: FoundFpm[] = [];
  for (const p of procs) {
    const m = /^php-fpm(?:[\d.]+)?: master process \((.*)\)\s*$/.exec(p.title);
    if (!m) {
      // Not (yet) retitled: the program itself, when its parent is not a PHP-FPM master.
      if (!/^php-fpm/.test(p.comm) || /^php-fpm(?:[\d.]+)?: pool /.test(p.title) || !/^(?:\S*\/)?php-fpm[\d.]*$/.test(p.argv[0] ?? '')) continue;
      if (procs.some((q) => q.pid === p.ppid && /^php-fpm/.test(q.comm))) continue;
    }
    const conf = m?.[1] ?? fpmConfFromArgv(p.argv, cwdOf(sys, p.pid));
    const version = /php-fpm(\d+\.\d+)/.exec(p.comm)?.[1] ?? /php-fpm(\d+\.\d+)/.exec(p.exe ?? '')?.[1] ?? null;
    out.push({
      pid: p.pid,
      workers: procs.filter((c) => c.ppid === p.pid).map((c) => c.pid),
      binary: p.exe,
      configPath: conf,
      version,
      cmdline: p.title,
    });
  }
  return out;
}

function fpmConfFromArgv(argv: readonly string[], cwd: string | null): string | null {
  const v = flagValue(argv, '-y') ?? flagValue(argv, '--fpm-config');
  return v ? resolveFrom(cwd, v) : null;
}

/** The directory a config is in (for relative paths when nothing else says). */
export function configDir(p: FoundProxy): string | null {
  return p.configPath ? dirname(p.configPath) : null;
}
