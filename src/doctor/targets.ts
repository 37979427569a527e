/**
 * What a proxy's config names that the doctor must look at on the host: its upstream targets (normalised to
 * "unix:/path" or "host:port", upstream groups expanded to their servers) and its log files (error and access
 * logs, PHP-FPM's error log), each with the directive that names it.
 */
import { isAbsolute, join } from 'node:path';
import type { ApacheModel } from '../config/apache-config.js';
import { passTarget } from '../config/checks/util.js';
import type { HaproxyModel } from '../config/haproxy-config.js';
import { directives } from '../config/nginx-lookup.js';
import type { ConfigTree } from '../config/nginx-load.js';
import type { FpmModel } from '../config/php-fpm-config.js';
import { NGINX_DEFAULT_PREFIX, type FoundProxy } from './find.js';
import type { Sys } from './sys.js';

/** An upstream target and where the config names it. */
export interface NamedTarget {
  /** "unix:/run/php/php8.2-fpm.sock", "127.0.0.1:9000", "backend.internal:443". */
  target: string;
  file: string;
  line: number;
  /** The directive as written. */
  text: string;
  /** The protocol the proxy speaks to it (http, https, fastcgi, uwsgi, grpc…). */
  scheme: string;
}

/** A log file the config names. */
export interface NamedLog {
  path: string;
  kind: 'error' | 'access' | 'php-fpm';
  /** "nginx.conf:12 error_log", "default (-e)". */
  from: string;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, grpc: 80, grpcs: 443, ws: 80, wss: 443 };

function norm(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** An nginx `server` address in an upstream block: "unix:/path", "host:port", "host" (port 80). */
function serverAddress(arg: string): string | null {
  if (arg.startsWith('unix:')) return `unix:${arg.slice(5)}`;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(arg) ?? /^([^:/\s]+)(?::(\d+))?$/.exec(arg);
  if (!m) return null;
  return norm(m[1] ?? '', m[2] ? Number(m[2]) : 80);
}

/**
 * Every upstream target of an nginx config: the *_pass directives, with upstream groups expanded to their
 * `server` lines. Targets built from variables are left to the notes.
 * @example nginxTargets(tree).targets.map((t) => t.target) // ['unix:/run/php/php8.2-fpm.sock']
 */
export function nginxTargets(tree: ConfigTree): { targets: NamedTarget[]; notes: string[] } {
  const targets: NamedTarget[] = [];
  const notes: string[] = [];
  const groups = new Map<string, { servers: { addr: string; file: string; line: number; text: string }[] }>();
  for (const { node } of directives(tree, 'upstream')) {
    const name = node.args[0];
    if (!name) continue;
    const servers = (node.block ?? [])
      .filter((n) => n.directive === 'server')
      .map((n) => ({ addr: serverAddress(n.args[0] ?? ''), file: n.file, line: n.line, text: `server ${n.args.join(' ')};` }))
      .filter((s): s is { addr: string; file: string; line: number; text: string } => s.addr !== null);
    groups.set(name, { servers });
  }
  for (const { node } of directives(tree, ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass'])) {
    const arg = node.args[0] ?? '';
    const text = `${node.directive} ${node.args.join(' ')};`;
    const t = passTarget(node.directive, arg);
    if (!t) continue;
    if (t.variable) {
      notes.push(`${node.file}:${node.line}: ${text} is built from variables: its target is only known per request`);
      continue;
    }
    if (t.unix !== null) {
      targets.push({ target: `unix:${t.unix}`, file: node.file, line: node.line, text, scheme: t.scheme });
      continue;
    }
    const group = t.port === null ? groups.get(t.host) : undefined;
    if (group) {
      for (const s of group.servers) targets.push({ target: s.addr, file: s.file, line: s.line, text: `${s.text} (upstream ${t.host}, used by ${text})`, scheme: t.scheme });
      continue;
    }
    const port = t.port ?? DEFAULT_PORTS[t.scheme];
    if (port === undefined) {
      notes.push(`${node.file}:${node.line}: ${text}: no port and no upstream block of that name`);
      continue;
    }
    targets.push({ target: norm(t.host, port), file: node.file, line: node.line, text, scheme: t.scheme });
  }
  return { targets: dedupe(targets), notes };
}

/** Apache: ProxyPass targets, balancer members, `SetHandler proxy:` handlers. */
export function apacheTargets(model: ApacheModel): { targets: NamedTarget[]; notes: string[] } {
  const targets: NamedTarget[] = [];
  const add = (t: { unixSocket: string | null; host: string; port: number | null; scheme: string; raw: string } | null, file: string, line: number, text: string): void => {
    if (!t || t.scheme === 'balancer') return;
    if (t.unixSocket !== null) targets.push({ target: `unix:${t.unixSocket}`, file, line, text, scheme: t.scheme });
    else if (t.port !== null && t.host) targets.push({ target: norm(t.host, t.port), file, line, text, scheme: t.scheme });
  };
  for (const p of model.proxyPasses) if (p.directive !== 'ProxyPassReverse') add(p.target, p.file, p.line, `${p.directive} ${p.path} ${p.target?.raw ?? '!'}`);
  for (const b of model.balancers) for (const m of b.members) add(m.target, m.file, m.line, `BalancerMember ${m.target.raw} (${b.name})`);
  for (const h of model.handlers) add(h.target, h.file, h.line, `SetHandler ${h.raw}`);
  return { targets: dedupe(targets), notes: [] };
}

/** HAProxy: every backend's servers. */
export function haproxyTargets(model: HaproxyModel): { targets: NamedTarget[]; notes: string[] } {
  const targets: NamedTarget[] = [];
  const notes: string[] = [];
  for (const b of model.backends) {
    for (const s of b.servers) {
      const text = `server ${s.name} ${s.address}${s.port !== null ? `:${s.port}` : ''} (backend ${b.name})`;
      if (s.unix !== null) targets.push({ target: `unix:${s.unix}`, file: s.file, line: s.line, text, scheme: s.options.ssl ? 'https' : 'http' });
      else if (s.port !== null) targets.push({ target: norm(s.address, s.port), file: s.file, line: s.line, text, scheme: s.options.ssl ? 'https' : 'http' });
      else notes.push(`${s.file}:${s.line}: ${text} has no port (the client's port is used)`);
    }
  }
  return { targets: dedupe(targets), notes };
}

/**
 * Caddy (a Caddyfile, read for its `reverse_proxy` and `php_fastcgi` addresses and `output file` logs; the
 * project has no Caddy config checks yet).
 */
export function caddyfileTargets(text: string, file: string): { targets: NamedTarget[]; logs: NamedLog[]; notes: string[] } {
  const targets: NamedTarget[] = [];
  const logs: NamedLog[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/#.*$/, '').trim();
    const m = /^(reverse_proxy|php_fastcgi)\s+(.*?)\s*\{?$/.exec(line);
    if (m) {
      const scheme = m[1] === 'php_fastcgi' ? 'fastcgi' : 'http';
      for (const word of (m[2] ?? '').split(/\s+/)) {
        if (word === '' || word.startsWith('/') || word.startsWith('@') || word === '*') continue;
        const t = caddyAddress(word);
        if (t) targets.push({ target: t, file, line: i + 1, text: line, scheme });
      }
    }
    const to = /^(?:to)\s+(.+)$/.exec(line);
    if (to && i > 0) for (const word of (to[1] ?? '').split(/\s+/)) {
      const t = caddyAddress(word);
      if (t) targets.push({ target: t, file, line: i + 1, text: line, scheme: 'http' });
    }
    const out = /^output\s+file\s+(\S+)/.exec(line);
    if (out?.[1]) logs.push({ path: out[1], kind: 'access', from: `${file}:${i + 1} output file` });
  }
  return { targets: dedupe(targets), logs, notes: ['Caddy: the config is read only for its upstreams and log files (no Caddy config checks yet)'] };
}

function caddyAddress(word: string): string | null {
  if (word.startsWith('unix/')) return `unix:${word.slice(5)}`;
  const m = /^(?:(https?|h2c):\/\/)?(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?$/.exec(word);
  if (!m) return null;
  const host = (m[2] ?? '').replace(/^\[|\]$/g, '');
  const port = m[3] ? Number(m[3]) : m[1] === 'https' ? 443 : 80;
  return norm(host, port);
}

function dedupe(list: NamedTarget[]): NamedTarget[] {
  const seen = new Set<string>();
  return list.filter((t) => (seen.has(t.target) ? false : (seen.add(t.target), true)));
}

/**
 * nginx's log files: every error_log and access_log (relative paths against the prefix), the -e log, and
 * Debian's defaults when the config sets none.
 */
export function nginxLogs(tree: ConfigTree, proxy: Pick<FoundProxy, 'prefix' | 'errorLog'>, sys: Sys): { logs: NamedLog[]; notes: string[] } {
  const prefix = proxy.prefix ?? NGINX_DEFAULT_PREFIX;
  const logs: NamedLog[] = [];
  const notes: string[] = [];
  const resolve = (p: string): string => (isAbsolute(p) ? p : join(prefix, p));
  for (const [name, kind] of [['error_log', 'error'], ['access_log', 'access']] as const) {
    for (const { node } of directives(tree, name)) {
      const arg = node.args[0] ?? '';
      if (arg === '' || arg === 'off' || arg === 'stderr' || arg === '/dev/null' || /^(syslog|memory):/.test(arg)) {
        if (/^syslog:/.test(arg)) notes.push(`${node.file}:${node.line}: ${name} goes to syslog (${arg}): read it from the journal or the syslog files`);
        continue;
      }
      if (arg.includes('$')) {
        notes.push(`${node.file}:${node.line}: ${name} ${arg} is built from variables: not read`);
        continue;
      }
      logs.push({ path: resolve(arg), kind, from: `${node.file}:${node.line} ${name}` });
    }
  }
  if (proxy.errorLog) logs.push({ path: proxy.errorLog, kind: 'error', from: 'nginx -e' });
  if (!logs.some((l) => l.kind === 'error')) {
    const d = sys.firstExisting(['/var/log/nginx/error.log', join(prefix, 'logs/error.log')]);
    if (d) logs.push({ path: d, kind: 'error', from: 'nginx default (no error_log in the config)' });
  }
  if (!logs.some((l) => l.kind === 'access') && !directives(tree, 'access_log').some((d) => d.node.args[0] === 'off')) {
    const d = sys.firstExisting(['/var/log/nginx/access.log', join(prefix, 'logs/access.log')]);
    if (d) logs.push({ path: d, kind: 'access', from: 'nginx default (no access_log in the config)' });
  }
  return { logs: dedupeLogs(logs), notes };
}

/** Apache's ErrorLog and CustomLog files (main server and virtual hosts). */
export function apacheLogs(model: ApacheModel): { logs: NamedLog[]; notes: string[] } {
  const logs: NamedLog[] = [];
  const notes: string[] = [];
  for (const scope of [model.server, ...model.virtualHosts]) {
    const e = scope.errorLog;
    if (e?.kind === 'file' && e.path) logs.push({ path: e.path, kind: 'error', from: `${e.file}:${e.line} ErrorLog` });
    else if (e && e.kind !== 'file') notes.push(`${e.file}:${e.line}: ErrorLog ${e.raw} is not a file: not read`);
    for (const c of scope.customLogs) {
      if (c.kind === 'file' && c.path) logs.push({ path: c.path, kind: 'access', from: `${c.file}:${c.line} CustomLog` });
    }
  }
  return { logs: dedupeLogs(logs), notes };
}

/** HAProxy logs to syslog: Debian's rsyslog rule writes /var/log/haproxy.log. */
export function haproxyLogs(model: HaproxyModel, sys: Sys): { logs: NamedLog[]; notes: string[] } {
  const logs: NamedLog[] = [];
  const notes: string[] = [];
  const targets = model.global.logs.map((l) => l.target);
  if (sys.exists('/var/log/haproxy.log')) logs.push({ path: '/var/log/haproxy.log', kind: 'access', from: `syslog (${targets.join(', ') || 'log lines'}; Debian's rsyslog rule)` });
  else notes.push(`HAProxy logs to ${targets.join(', ') || 'nowhere configured'}; no /var/log/haproxy.log here: read the journal (journalctl -u haproxy)`);
  return { logs, notes };
}

/** PHP-FPM's own error log and the pools' PHP error logs. */
export function fpmLogs(model: FpmModel): NamedLog[] {
  const logs: NamedLog[] = [];
  const g = model.global.errorLog;
  if (g.kind === 'file' && g.path) logs.push({ path: g.path, kind: 'php-fpm', from: g.isDefault ? 'php-fpm default error_log' : `${g.file}:${g.line} error_log` });
  for (const p of model.pools) if (p.errorLog) logs.push({ path: p.errorLog.value, kind: 'php-fpm', from: `${p.errorLog.file}:${p.errorLog.line} php_admin_value[error_log]` });
  return dedupeLogs(logs);
}

function dedupeLogs(list: NamedLog[]): NamedLog[] {
  const seen = new Set<string>();
  return list.filter((l) => (seen.has(l.path) ? false : (seen.add(l.path), true)));
}
