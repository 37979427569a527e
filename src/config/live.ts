/**
 * `why502 config --live`: every upstream target of the config, probed the way nginx reaches it (same scheme,
 * SNI and verification; unix sockets connected and judged for nginx's workers; FastCGI asked a real request),
 * with the header size, the latency and the idle keep-alive close measured for the checks. Failures come back
 * as facts, one group per target, for the causes to judge.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { connect, isIP, type Socket } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { errnoFromNodeCode } from '../evidence/errno.js';
import type { ErrnoCode, Fact } from '../evidence/facts.js';
import { startBudget } from '../probe/budget.js';
import { hostPort, probeFact } from '../probe/evidence.js';
import { probeDns, type DnsFailure } from '../probe/dns.js';
import { probeFastcgi } from '../probe/fastcgi.js';
import { probeHttp } from '../probe/http.js';
import type { HttpResponse } from '../probe/http-types.js';
import { probeTcp } from '../probe/tcp.js';
import { probeTls } from '../probe/tls.js';
import type { ProbeContext } from '../probe/types.js';
import { ASSUMED_NGINX_VERSION, installedNginxVersion } from './analyze.js';
import type { LiveTarget } from './checks/types.js';
import { compareVersions, nginxMs, passTarget } from './checks/util.js';
import type { ConfigTree } from './nginx-load.js';
import { directives, effective, enclosing } from './nginx-lookup.js';
import type { ConfigNode } from './nginx-node.js';
import type { FpmParse } from './php-fpm-config.js';

export interface LiveResult {
  targets: LiveTarget[];
  /** One group of facts per target that failed (the probe of it as an incident). */
  incidents: Fact[][];
  /** What was not probed, or not fully, and why (variables, `down` servers, gRPC connect-only...). */
  notes: string[];
  /** Each probe's transcript (what was sent and received), for a verbose view. */
  probes: LiveProbe[];
}

/** One probed target: how nginx reaches it and what was seen. */
export interface LiveProbe {
  /** As the config names it ("127.0.0.1:8080", "unix:/run/php/php8.2-fpm.sock", "backend.internal"). */
  target: string;
  scheme: string;
  /** The directive that names it, "file:line". */
  where: string;
  ok: boolean;
  transcript: string[];
}

export interface LiveOptions {
  /** Overall deadline (ms, default 15 000). */
  timeoutMs?: number;
  /** How long to wait for an idle keep-alive close (ms, default: min(nginx's keepalive_timeout, 10 000)). */
  idleWaitMs?: number;
  /** The nginx version to assume (keep-alive defaults, TLS 1.3 to upstreams); default `nginx -v`, else 1.22.1. */
  nginxVersion?: string;
  /** A PHP-FPM config: a pool listening where fastcgi_pass points is asked its `ping.path` / `pm.status_path`. */
  fpm?: FpmParse;
  /** The user nginx's workers run as; default the `user` directive, else nginx's built-in default. */
  workerUser?: string;
  /** Most targets probed at once (default 16). */
  concurrency?: number;
  /** Abort the whole check. */
  signal?: AbortSignal;
}

/** What nginx speaks to a target after connecting. */
type Speech = 'http' | 'fastcgi' | 'connect';

interface TlsPlan {
  /** SNI sent; null when `*_ssl_server_name` is off (nginx's default): no SNI. */
  sni: string | null;
  /** The name the certificate is verified against (`*_ssl_name`, default the proxy_pass host). */
  name: string;
  verify: boolean;
  /** PEM of `*_ssl_trusted_certificate`. */
  ca?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  alpn: string[];
}

/** How one target is reached, as nginx would. Exported for tests and `--dump`-like views. */
export interface LivePlan {
  /** As the config names it: "host:port", "host" (default port), "unix:/path". */
  target: string;
  scheme: string;
  speech: Speech;
  unix: string | null;
  host: string;
  port: number;
  tls: TlsPlan | null;
  /** The request path: the location's (or the URI proxy_pass gives), else "/". */
  path: string;
  /** The Host header nginx sends (`proxy_set_header Host`, else the proxy_pass host). */
  hostHeader: string;
  /** An upstream{} group with keep-alive: how long nginx keeps idle connections, and whether it reuses them. */
  pool: { group: string; keepaliveTimeoutMs: number; reused: boolean } | null;
  /** The directive that names it. */
  node: ConfigNode;
  /** Notes about how it was planned (an unverifiable setting, a CA file that could not be read). */
  notes: string[];
  /**
   * A name in a pass with variables is resolved per request by nginx's own `resolver`, not at start: the
   * resolver addresses ("127.0.0.1:5353") and whether AAAA records are asked (`ipv6=off` turns them off).
   */
  resolver?: { addresses: string[]; ipv6: boolean; timeoutMs: number; node: ConfigNode };
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_IDLE_WAIT_MS = 10_000;
const DEFAULT_KEEPALIVE_TIMEOUT_MS = 60_000;
// Since 1.29.7 keep-alive is on for upstream{} blocks by default (as src/config/checks/upstream-keepalive.ts).
const KEEPALIVE_DEFAULT_SINCE = '1.29.7';
// nginx enables TLSv1.3 toward upstreams by default since 1.23.4 ("TLSv1 TLSv1.1 TLSv1.2" before).
const TLS13_DEFAULT_SINCE = '1.23.4';
/** A close this soon after the response is "no keep-alive", not an idle timeout: nginx sees it before reuse. */
const IMMEDIATE_CLOSE_MS = 150;
/** Idle gaps after which a kept connection is reused to see whether the upstream still takes a request. */
const IDLE_LADDER_MS = [1000, 2000, 5000];
/** Addresses of one name probed at most (nginx uses every address a name resolves to). */
const MAX_ADDRESSES = 4;
const PASS_DIRECTIVES = ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'grpc_pass'] as const;
const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

const ignore = (): void => undefined;

/** "1", "1.3", "60": seconds for messages. */
function secs(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** The directive as written with where it is, for fact texts. */
function origin(node: ConfigNode): string {
  return `${node.directive} ${node.args.join(' ')} (${node.file}:${node.line})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Planning: what nginx would connect to, from the parsed config alone.

interface Group {
  node: ConfigNode;
  keepalive: boolean;
  keepaliveTimeoutMs: number;
}

function groupsOf(tree: ConfigTree, version: string): Map<string, Group> {
  const byDefault = compareVersions(version, KEEPALIVE_DEFAULT_SINCE) >= 0;
  const out = new Map<string, Group>();
  for (const { node } of directives(tree, 'upstream')) {
    const body = node.block ?? [];
    const ka = body.find((n) => n.directive === 'keepalive');
    const kt = body.find((n) => n.directive === 'keepalive_timeout');
    const ms = kt ? nginxMs(kt.args[0]) : DEFAULT_KEEPALIVE_TIMEOUT_MS;
    out.set(node.args[0] ?? '', { node, keepalive: ka ? Number(ka.args[0]) > 0 : byDefault, keepaliveTimeoutMs: Number.isFinite(ms) ? ms : DEFAULT_KEEPALIVE_TIMEOUT_MS });
  }
  return out;
}

/** The request path nginx sends for this location: proxy_pass's URI when it has one, else the location's prefix. */
function requestPath(node: ConfigNode, uri: string | null): string {
  if (uri !== null && uri !== '' && !uri.includes('$')) return uri;
  const loc = enclosing(node, 'location');
  const args = loc?.args ?? [];
  const prefix = args.length === 1 ? args[0] : args.length === 2 && (args[0] === '=' || args[0] === '^~') ? args[1] : undefined;
  return prefix !== undefined && prefix.startsWith('/') && !prefix.includes('$') ? prefix : '/';
}

/** The URI part of a pass argument ("http://b:8080/v1/" → "/v1/"), or null. */
function uriOf(arg: string, unix: boolean): string | null {
  const rest = arg.replace(/^[a-z0-9]+:\/\//i, '');
  if (unix) {
    const m = /^unix:[^:]*:(.*)$/.exec(rest);
    return m?.[1] ? m[1] : null;
  }
  const slash = rest.indexOf('/');
  return slash === -1 ? null : rest.slice(slash);
}

/** The Host header nginx would send to this target. */
function hostHeaderFor(node: ConfigNode, prefix: string, proxyHost: string): string {
  if (prefix !== 'proxy') return proxyHost;
  const set = effective(node, 'proxy_set_header').filter((h) => (h.args[0] ?? '').toLowerCase() === 'host').at(-1);
  const v = set?.args[1];
  if (v === undefined || v === '$proxy_host') return proxyHost;
  if (!v.includes('$')) return v;
  if (v === '$host' || v === '$http_host' || v === '$server_name') {
    // The client's own Host: the server's first plain name stands for it.
    const server = enclosing(node, 'server');
    const name = server?.block?.find((n) => n.directive === 'server_name')?.args.find((a) => a !== '_' && a !== '' && !/[*~$]/.test(a) && !a.startsWith('.'));
    if (name) return name;
  }
  return proxyHost;
}

function tlsPlan(node: ConfigNode, prefix: string, host: string, version: string, tree: ConfigTree, notes: string[], alpn: string[]): TlsPlan {
  const last = (name: string): ConfigNode | undefined => effective(node, `${prefix}_${name}`).at(-1);
  const sniOn = last('ssl_server_name')?.args[0] === 'on';
  const nameArg = last('ssl_name')?.args[0];
  // proxy_ssl_name may carry a port; nginx strips it. Variables other than $proxy_host cannot be known here.
  let name = host;
  if (nameArg !== undefined && nameArg !== '$proxy_host') {
    if (nameArg.includes('$')) notes.push(`${prefix}_ssl_name ${nameArg} has variables: verified as "${host}" instead`);
    else name = nameArg.replace(/:\d+$/, '');
  }
  const plan: TlsPlan = { sni: sniOn ? name : null, name, verify: last('ssl_verify')?.args[0] === 'on', alpn };
  if (plan.verify) {
    const caNode = last('ssl_trusted_certificate');
    const caPath = caNode?.args[0];
    if (caPath === undefined) {
      notes.push(`${prefix}_ssl_verify on without ${prefix}_ssl_trusted_certificate: nginx refuses to load such a config; the certificate was not verified`);
      plan.verify = false;
    } else {
      const full = isAbsolute(caPath) ? caPath : join(tree.prefix, caPath);
      try {
        plan.ca = readFileSync(full, 'utf8');
      } catch (e) {
        notes.push(`${prefix}_ssl_trusted_certificate ${full} could not be read (${(e as NodeJS.ErrnoException).code ?? String(e)}): the certificate was not verified`);
        plan.verify = false;
      }
    }
  }
  const protocols = last('ssl_protocols')?.args ?? ['TLSv1', 'TLSv1.1', 'TLSv1.2', ...(compareVersions(version, TLS13_DEFAULT_SINCE) >= 0 ? ['TLSv1.3'] : [])];
  const known = TLS_VERSIONS.filter((v) => protocols.includes(v));
  if (known.length > 0) {
    plan.minVersion = known[0];
    plan.maxVersion = known[known.length - 1];
  }
  return plan;
}

/** Does this location reuse pooled connections (HTTP/1.1 without a Connection header, or the 1.29.7 defaults)? */
function reusesPool(node: ConfigNode, prefix: string, byDefault: boolean): boolean {
  if (prefix === 'fastcgi') return effective(node, 'fastcgi_keep_conn').at(-1)?.args[0] === 'on';
  if (prefix !== 'proxy') return true;
  const version = effective(node, 'proxy_http_version').at(-1)?.args[0] ?? (byDefault ? '1.1' : '1.0');
  const connection = effective(node, 'proxy_set_header').find((h) => (h.args[0] ?? '').toLowerCase() === 'connection');
  const cleared = connection !== undefined ? (connection.args[1] ?? '') === '' : byDefault;
  return version === '1.1' && cleared;
}

function speechOf(scheme: string): Speech {
  if (scheme === 'http' || scheme === 'https') return 'http';
  if (scheme === 'fastcgi') return 'fastcgi';
  return 'connect';
}

/**
 * A pass argument with its variables replaced by the literal values `set` gives them in the enclosing blocks (the
 * innermost `set` wins, as the location's rewrite phase runs after the server's); null when a variable has no
 * such value (a `map`, a request variable, a `set` inside `if`).
 * @example substituteSet(node, 'http://$backend') // 'http://app.internal:8080' after `set $backend app.internal:8080;`
 */
function substituteSet(node: ConfigNode, arg: string): string | null {
  let out = arg;
  for (const m of arg.matchAll(/\$(?:\{(\w+)\}|(\w+))/g)) {
    const name = `$${m[1] ?? m[2] ?? ''}`;
    let value: string | undefined;
    for (let list: readonly ConfigNode[] = node.siblings(), owner = node.parent; value === undefined; ) {
      value = list.filter((n) => n.directive === 'set' && n.args[0] === name).at(-1)?.args[1];
      if (!owner || owner.directive === 'http') break;
      list = owner.siblings();
      owner = owner.parent;
    }
    if (value === undefined || value.includes('$')) return null;
    out = out.replace(m[0], value);
  }
  return out;
}

/**
 * The targets nginx connects to, with the settings of the location that names each, in config order. Targets
 * behind variables cannot be known and are left out with a note.
 * @example planLiveChecks(tree).plans.map((p) => p.target) // ['127.0.0.1:8080', 'unix:/run/php/php8.2-fpm.sock']
 */
export function planLiveChecks(tree: ConfigTree, options: Pick<LiveOptions, 'nginxVersion'> = {}): { plans: LivePlan[]; notes: string[] } {
  const version = options.nginxVersion ?? installedNginxVersion() ?? ASSUMED_NGINX_VERSION;
  const byDefault = compareVersions(version, KEEPALIVE_DEFAULT_SINCE) >= 0;
  const groups = groupsOf(tree, version);
  const plans: LivePlan[] = [];
  const notes: string[] = [];
  for (const { node } of directives(tree, PASS_DIRECTIVES)) {
    const arg = node.args[0];
    if (arg === undefined || node.templated) continue;
    const where = `${node.file}:${node.line}`;
    let resolver: LivePlan['resolver'];
    let passArg = arg;
    if (arg.includes('$')) {
      const sub = substituteSet(node, arg);
      if (sub === null) {
        notes.push(`${where}: ${node.directive} ${arg}: the target is a variable, known only per request: not probed`);
        continue;
      }
      passArg = sub;
      const host = passTarget(node.directive, sub)?.host ?? '';
      if (isIP(host) === 0 && host !== '' && !groups.has(host)) {
        // nginx resolves a name in a pass with variables at request time, with its own resolver only.
        const r = effective(node, 'resolver').at(-1);
        if (!r) {
          notes.push(`${where}: ${node.directive} ${arg} (${sub}): resolved per request, and no resolver is set: every request fails (the variable-pass-no-resolver check says so): not probed`);
          continue;
        }
        const addresses = r.args.filter((a) => !a.includes('='));
        const rt = nginxMs(effective(node, 'resolver_timeout').at(-1)?.args[0] ?? '30s');
        resolver = { addresses, ipv6: !r.args.includes('ipv6=off'), timeoutMs: Number.isFinite(rt) ? rt : 30_000, node: r };
      }
    }
    const t = passTarget(node.directive, passArg);
    if (!t) {
      notes.push(`${where}: ${node.directive} ${arg}: not a target this check can read`);
      continue;
    }
    const prefix = node.directive.replace(/_pass$/, '');
    const scheme = t.scheme;
    const secure = scheme === 'https' || scheme === 'grpcs' || scheme === 'suwsgi';
    const speech = speechOf(scheme);
    const path = requestPath(node, uriOf(passArg, t.unix !== null));
    const alpn = scheme === 'grpcs' ? ['h2'] : [];
    const base = (target: string, unix: string | null, host: string, port: number, proxyHost: string, pool: LivePlan['pool'], sslHost: string): LivePlan => {
      const planNotes: string[] = [];
      return {
        target,
        scheme,
        speech,
        unix,
        host,
        port,
        tls: secure ? tlsPlan(node, prefix, sslHost, version, tree, planNotes, alpn) : null,
        path,
        hostHeader: hostHeaderFor(node, prefix, proxyHost),
        pool,
        node,
        notes: planNotes,
        ...(resolver ? { resolver } : {}),
      };
    };
    if (t.unix !== null) {
      plans.push(base(`unix:${t.unix}`, t.unix, '', 0, 'localhost', null, 'localhost'));
      continue;
    }
    const group = t.port === null ? groups.get(t.host) : undefined;
    if (group) {
      const pool = group.keepalive ? { group: t.host, keepaliveTimeoutMs: group.keepaliveTimeoutMs, reused: reusesPool(node, prefix, byDefault) } : null;
      for (const s of group.node.block ?? []) {
        if (s.directive !== 'server') continue;
        const addr = s.args[0] ?? '';
        if (s.args.includes('down')) {
          notes.push(`${s.file}:${s.line}: server ${addr} is marked down: not probed`);
          continue;
        }
        if (s.args.some((a) => a.startsWith('service='))) {
          notes.push(`${s.file}:${s.line}: server ${addr} is found by SRV lookup (service=): not probed`);
          continue;
        }
        if (addr.startsWith('unix:')) {
          plans.push(base(addr, addr.slice(5), '', 0, t.host, pool, t.host));
          continue;
        }
        const hp = passTarget('proxy_pass', addr);
        if (!hp || hp.host === '') continue;
        // A server without a port in an upstream{} block is port 80, whatever the scheme (nginx's default).
        plans.push(base(hp.host.includes(':') ? `[${hp.host}]${hp.port !== null ? `:${hp.port}` : ''}` : addr, null, hp.host, hp.port ?? 80, t.host, pool, t.host));
      }
      continue;
    }
    const dflt = secure ? 443 : scheme === 'http' || scheme === 'grpc' ? 80 : null;
    const port = t.port ?? dflt;
    if (port === null) {
      notes.push(`${where}: ${node.directive} ${arg}: no port and no upstream{} of that name (nginx: "no port in upstream"): not probed`);
      continue;
    }
    const shown = t.host.includes(':') ? `[${t.host}]` : t.host;
    const proxyHost = t.port !== null ? `${shown}:${t.port}` : shown;
    plans.push(base(t.port !== null ? `${shown}:${t.port}` : shown, null, t.host, port, proxyHost, null, t.host));
  }
  return { plans, notes };
}

// ---------------------------------------------------------------------------------------------------------------
// Who nginx's workers are, and whether they may open a unix socket.

interface WorkerIds {
  user: string;
  uid: number;
  gids: number[];
}

function idsOf(user: string, group: string | undefined): WorkerIds | null {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gids = execFileSync('id', ['-G', user], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(/\s+/).map(Number);
    if (group !== undefined) {
      const line = execFileSync('getent', ['group', group], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const gid = Number(line.split(':')[2]);
      if (Number.isFinite(gid)) gids.unshift(gid);
    }
    return Number.isFinite(uid) ? { user, uid, gids } : null;
  } catch {
    return null;
  }
}

/** nginx's built-in worker user when the config has no `user`: `--user=` of the build, else "nobody". */
function builtInUser(): string {
  for (const bin of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) {
    try {
      statSync(bin);
    } catch {
      continue;
    }
    try {
      const r = execFileSync(bin, ['-V'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
      const m = /--user=(\S+)/.exec(r);
      if (m?.[1]) return m[1];
    } catch (e) {
      const m = /--user=(\S+)/.exec((e as { stderr?: string }).stderr ?? '');
      if (m?.[1]) return m[1];
    }
    break;
  }
  return 'nobody';
}

function workerUser(tree: ConfigTree, given: string | undefined): { user: string; group?: string; from: string } {
  if (given !== undefined) return { user: given, from: 'given' };
  const u = directives(tree, 'user')[0]?.node;
  if (u?.args[0]) return { user: u.args[0], ...(u.args[1] ? { group: u.args[1] } : {}), from: `user directive at ${u.file}:${u.line}` };
  return { user: builtInUser(), from: "nginx's built-in default: no user directive" };
}

function nameOf(kind: 'user' | 'group', id: number): string {
  try {
    const out = kind === 'user' ? execFileSync('id', ['-nu', String(id)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }) : execFileSync('getent', ['group', String(id)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).split(':')[0];
    return (out ?? '').trim() || String(id);
  } catch {
    return String(id);
  }
}

/** May these ids use a file with this mode (Unix rules: the owner's bits, else the group's, else the others')? */
function permits(st: { uid: number; gid: number; mode: number }, ids: WorkerIds, bit: 1 | 2): boolean {
  if (ids.uid === 0) return true;
  if (st.uid === ids.uid) return (st.mode & (bit << 6)) !== 0;
  if (ids.gids.includes(st.gid)) return (st.mode & (bit << 3)) !== 0;
  return (st.mode & bit) !== 0;
}

/** Why the workers could not connect to the socket (search on each directory, write on the socket), or null. */
function workerDenied(path: string, ids: WorkerIds): string | null {
  const describe = (p: string, st: { uid: number; gid: number; mode: number }): string => `${p} is ${nameOf('user', st.uid)}:${nameOf('group', st.gid)} mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
  const dirs: string[] = [];
  for (let d = dirname(path); ; d = dirname(d)) {
    dirs.unshift(d);
    if (d === dirname(d)) break;
  }
  for (const d of dirs) {
    let st;
    try {
      st = statSync(d);
    } catch {
      return null;
    }
    if (!permits(st, ids, 1)) return `${describe(d, st)}: no search permission for "${ids.user}"`;
  }
  let st;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  return permits(st, ids, 2) ? null : `${describe(path, st)}: no write permission for "${ids.user}"`;
}

// ---------------------------------------------------------------------------------------------------------------
// Probing.

type Opened = { ok: true; socket: Socket; transcript: string[]; facts: Fact[] } | { ok: false; facts: Fact[]; transcript: string[] };

/** Connect to a unix socket with the deadline; ENOENT, EACCES, ECONNREFUSED and EAGAIN come back as codes. */
async function connectUnix(path: string, ctx: ProbeContext): Promise<{ ok: true; socket: Socket } | { ok: false; code: string } | { ok: false; ended: string }> {
  const budget = startBudget(ctx);
  const socket = connect({ path });
  socket.on('error', ignore);
  const r = await new Promise<{ ok: true; socket: Socket } | { ok: false; code: string } | { ok: false; ended: string }>((resolve) => {
    const done = (v: { ok: true; socket: Socket } | { ok: false; code: string } | { ok: false; ended: string }): void => {
      socket.off('connect', onConnect);
      socket.off('error', onError);
      budget.signal.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onConnect = (): void => done({ ok: true, socket });
    const onError = (e: Error & { code?: string }): void => done({ ok: false, code: e.code ?? 'EOTHER' });
    const onAbort = (): void => done({ ok: false, ended: budget.ended() ?? 'deadline' });
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (budget.signal.aborted) onAbort();
    else budget.signal.addEventListener('abort', onAbort, { once: true });
  });
  budget.dispose();
  if (!r.ok) socket.destroy();
  return r;
}

const UNIX_MEANING: Partial<Record<ErrnoCode, string>> = {
  ENOENT: 'no such file: nothing created the socket (the service is stopped, or listens elsewhere)',
  EACCES: 'permission denied',
  ECONNREFUSED: 'refused: the socket file exists but nothing listens on it (a stale socket)',
  EAGAIN: "resource temporarily unavailable: the listener's accept queue is full",
};

/** Resolve a name as nginx does at startup (getaddrinfo), within the deadline. */
async function resolveName(host: string, ctx: ProbeContext): Promise<{ ok: true; addresses: string[] } | { ok: false; code: string }> {
  if (isIP(host) !== 0) return { ok: true, addresses: [host] };
  const budget = startBudget(ctx);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<{ ok: false; code: string }>((resolve) => {
    onAbort = () => resolve({ ok: false, code: 'ETIMEDOUT' });
    if (budget.signal.aborted) onAbort();
    else budget.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      lookup(host, { all: true, verbatim: true }).then(
        (list) => ({ ok: true as const, addresses: [...new Set(list.map((a) => a.address))] }),
        (e: unknown) => ({ ok: false as const, code: (e as { code?: string }).code ?? 'EOTHER' }),
      ),
      aborted,
    ]);
  } finally {
    if (onAbort) budget.signal.removeEventListener('abort', onAbort);
    budget.dispose();
  }
}

/** nginx's words for a failed lookup by its own resolver (ngx_resolver_strerror), by our DNS prober's failure. */
const RESOLVER_WORDS: Record<DnsFailure, { errno: ErrnoCode; nginx: string; detail: string }> = {
  NXDOMAIN: { errno: 'ENOTFOUND', nginx: '3: Host not found', detail: 'NXDOMAIN' },
  NODATA: { errno: 'ENOTFOUND', nginx: '3: Host not found', detail: 'NODATA' },
  SERVFAIL: { errno: 'EAI_AGAIN', nginx: '2: Server failure', detail: 'SERVFAIL' },
  REFUSED: { errno: 'EOTHER', nginx: '5: Operation refused', detail: 'REFUSED' },
  timeout: { errno: 'ETIMEDOUT', nginx: '110: Operation timed out', detail: 'timeout' },
  unreachable: { errno: 'EOTHER', nginx: '110: Operation timed out', detail: 'unreachable' },
  error: { errno: 'EOTHER', nginx: 'resolver error', detail: 'error' },
};

/** Resolve a name with nginx's own `resolver` addresses (no system resolver, no /etc/hosts), as nginx does per request. */
async function resolveWith(host: string, resolver: NonNullable<LivePlan['resolver']>, ctx: ProbeContext, transcript: string[]): Promise<{ ok: true; addresses: string[] } | { ok: false; fact: Fact }> {
  // nginx gives up after resolver_timeout (30 s by default): so does this lookup.
  const r = await probeDns({ host }, { resolvers: resolver.addresses, system: false }, { signal: ctx.signal, deadline: Math.min(ctx.deadline, Date.now() + resolver.timeoutMs) });
  transcript.push(...r.transcript);
  const addresses = (r.value?.addresses ?? []).filter((a) => resolver.ipv6 || a.family === 4).map((a) => a.address);
  if (addresses.length > 0) return { ok: true, addresses };
  const failed = r.value?.views.find((v) => v.failure !== undefined);
  const words = RESOLVER_WORDS[failed?.failure ?? 'NXDOMAIN'];
  const text = `${host} could not be resolved (${words.nginx}) by nginx's resolver ${resolver.addresses.join(' ')} (${resolver.node.file}:${resolver.node.line}): every request to it fails`;
  transcript.push(`* ${text}`);
  return { ok: false, fact: probeFact('resolve-failed', 'dns', text, { errno: words.errno, stage: 'resolve', detail: words.detail }) };
}

/** Facts as this target's: the upstream as the config names it, the scheme, the prober's address replaced. */
function relabel(facts: Fact[], plan: LivePlan, probeWhere: string): Fact[] {
  const label = plan.unix !== null ? plan.target : probeWhere === plan.target ? plan.target : `${plan.target} (${probeWhere})`;
  return facts.map((f) => ({
    ...f,
    upstream: plan.target,
    scheme: plan.scheme,
    ref: { ...f.ref, text: `live check of ${origin(plan.node)}: ${f.ref.text.split(probeWhere).join(label)}` },
  }));
}

/** Open a connection the way nginx does: TCP or unix, then TLS with nginx's SNI, verification and versions. */
async function open(plan: LivePlan, address: string | null, ctx: ProbeContext): Promise<Opened> {
  const transcript: string[] = [];
  let socket: Socket;
  if (address === null) {
    const path = plan.unix ?? '';
    const r = await connectUnix(path, ctx);
    if (!r.ok) {
      if ('ended' in r) {
        const text = `connect to unix:${path}: no answer within the deadline`;
        transcript.push(`* ${text}`);
        return { ok: false, transcript, facts: [probeFact('timeout', 'connect', text, { stage: 'connect', detail: r.ended })] };
      }
      const errno = errnoFromNodeCode(r.code);
      const text = `connect to unix:${path}: ${r.code}${UNIX_MEANING[errno] ? ` (${UNIX_MEANING[errno]})` : ''}`;
      transcript.push(`* ${text}`);
      return { ok: false, transcript, facts: [probeFact('connect-failed', 'connect', text, { errno, stage: 'connect', detail: r.code })] };
    }
    transcript.push(`* connected to unix:${path}`);
    socket = r.socket;
  } else {
    const tcp = await probeTcp({ address, port: plan.port }, {}, ctx);
    transcript.push(...tcp.transcript);
    if (!tcp.ok) return { ok: false, transcript, facts: tcp.facts };
    socket = tcp.value.socket;
  }
  if (!plan.tls) return { ok: true, socket, transcript, facts: [] };
  const tls = plan.tls;
  const r = await probeTls(
    { host: tls.name, port: plan.port, ...(address !== null ? { address } : {}) },
    {
      socket,
      // '' sends no SNI: nginx's default (proxy_ssl_server_name off).
      servername: tls.sni ?? '',
      insecure: !tls.verify,
      alpn: tls.alpn,
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      ...(tls.minVersion ? { minVersion: tls.minVersion } : {}),
      ...(tls.maxVersion ? { maxVersion: tls.maxVersion } : {}),
    },
    ctx,
  );
  transcript.push(...r.transcript);
  if (!r.ok) return { ok: false, transcript, facts: r.facts };
  // Without proxy_ssl_verify nginx accepts any certificate: what verification would say is not a failure.
  if (r.facts.length > 0) transcript.push(`* not verified by nginx (${tls.sni === null ? 'no SNI, ' : ''}*_ssl_verify off): ${r.facts.map((f) => f.detail ?? f.kind).join(', ')}`);
  return { ok: true, socket: r.value.socket, transcript, facts: [] };
}

/** Bytes of the response header as sent (status line, header lines, blank line), assuming single spaces. */
function headerBytesOf(r: HttpResponse): number {
  let n = `HTTP/${r.httpVersion} ${r.status} ${r.reason}\r\n`.length + 2;
  for (const [k, v] of r.headers) n += k.length + 2 + Buffer.byteLength(v, 'latin1') + 2;
  return n;
}

/** "Keep-Alive: timeout=5" → 5000. */
function advertisedIdleMs(r: HttpResponse): number | null {
  const v = r.headers.find(([k]) => k.toLowerCase() === 'keep-alive')?.[1];
  const m = v ? /timeout\s*=\s*(\d+)/i.exec(v) : null;
  return m ? Number(m[1]) * 1000 : null;
}

interface Asked {
  ok: boolean;
  facts: Fact[];
  transcript: string[];
  headerBytes?: number;
  latencyMs?: number;
  /** A kept-alive HTTP connection, for the idle measurement (the caller owns it). */
  kept?: { socket: Socket; respondedAt: number; advertisedMs: number | null };
}

/** Ask what nginx would ask: a GET, a FastCGI request, or nothing beyond the connection (uwsgi, gRPC). */
async function ask(plan: LivePlan, socket: Socket, address: string | null, fastcgiPath: string | undefined, keepAlive: boolean, ctx: ProbeContext): Promise<Asked> {
  if (plan.speech === 'fastcgi') {
    const r = await probeFastcgi({ upstream: plan.target, ...(fastcgiPath !== undefined ? { path: fastcgiPath } : {}) }, { socket }, ctx);
    const out: Asked = { ok: r.ok, facts: r.facts, transcript: r.transcript };
    if (r.ok) {
      if (r.value.headerBytes !== undefined) out.headerBytes = r.value.headerBytes;
      if (r.timings.ttfb !== undefined) out.latencyMs = r.timings.ttfb;
      const status = r.value.status;
      if (status !== null && status >= 502 && status <= 504) out.facts = [probeFact('app-status', 'http', `${plan.target}: the FastCGI application answered Status: ${status}`, { status })];
    }
    return out;
  }
  if (plan.speech === 'connect') {
    socket.destroy();
    return { ok: true, facts: [], transcript: [`* ${plan.scheme}: the connection${plan.tls ? ' and TLS handshake' : ''} checked; no ${plan.scheme} request sent`] };
  }
  const r = await probeHttp(
    { host: address ?? 'localhost', port: address !== null ? plan.port : 80, path: plan.path, secure: plan.tls !== null },
    { socket, keepAlive, headers: [['Host', plan.hostHeader]], maxBody: 64 * 1024 },
    ctx,
  );
  const out: Asked = { ok: r.ok, facts: r.facts, transcript: r.transcript };
  if (!r.ok) return out;
  out.headerBytes = headerBytesOf(r.value);
  if (r.timings.ttfb !== undefined) out.latencyMs = r.timings.ttfb;
  // A 5xx the upstream itself sends is passed through by nginx; 502–504 are the ones this tool is asked about.
  out.facts = r.facts.filter((f) => f.kind !== 'gateway-status');
  const s = r.value.status;
  if (s >= 502 && s <= 504) out.facts.push(probeFact('app-status', 'http', `${hostPort(address ?? 'localhost', plan.port)}: the upstream itself answered HTTP/${r.value.httpVersion} ${s} ${r.value.reason}`.trimEnd(), { status: s }));
  if (keepAlive && r.value.reusable) out.kept = { socket, respondedAt: Date.now(), advertisedMs: advertisedIdleMs(r.value) };
  else if (keepAlive) out.transcript.push('* the upstream does not keep the connection open (HTTP/1.0 or Connection: close): nothing for nginx to reuse');
  return out;
}

type Rung = { kind: 'closed'; afterMs: number } | { kind: 'reused'; gapMs: number } | { kind: 'reuse-failed'; gapMs: number; fact: Fact } | { kind: 'inconclusive'; why: string } | { kind: 'stopped' };

/** Wait on a kept connection for the upstream to close it, up to `gapMs`; then send a request on it. */
async function rung(plan: LivePlan, address: string | null, kept: NonNullable<Asked['kept']>, gapMs: number, stop: AbortSignal, ctx: ProbeContext): Promise<Rung> {
  const { socket, respondedAt } = kept;
  const waited = await new Promise<'closed' | 'gap' | 'stopped'>((resolve) => {
    if (socket.destroyed) return resolve('closed');
    const finish = (v: 'closed' | 'gap' | 'stopped'): void => {
      clearTimeout(timer);
      socket.off('close', onClose);
      stop.removeEventListener('abort', onStop);
      ctx.signal.removeEventListener('abort', onStop);
      resolve(v);
    };
    const onClose = (): void => finish('closed');
    const onStop = (): void => finish('stopped');
    const timer = setTimeout(() => finish('gap'), Math.max(0, Math.min(respondedAt + gapMs, ctx.deadline) - Date.now()));
    socket.once('close', onClose);
    if (stop.aborted || ctx.signal.aborted) return finish('stopped');
    stop.addEventListener('abort', onStop, { once: true });
    ctx.signal.addEventListener('abort', onStop, { once: true });
  });
  if (waited === 'closed') return { kind: 'closed', afterMs: Date.now() - respondedAt };
  if (waited === 'stopped' || Date.now() >= ctx.deadline) {
    socket.destroy();
    return { kind: 'stopped' };
  }
  const signal = AbortSignal.any([ctx.signal, stop]);
  const r = await probeHttp(
    { host: address ?? 'localhost', port: address !== null ? plan.port : 80, path: plan.path, secure: plan.tls !== null },
    { socket, keepAlive: false, headers: [['Host', plan.hostHeader]], maxBody: 64 * 1024 },
    { signal, deadline: ctx.deadline },
  );
  socket.destroy();
  if (r.ok) return { kind: 'reused', gapMs };
  if (stop.aborted) return { kind: 'stopped' };
  const f = r.facts[0];
  if (f && (f.kind === 'upstream-closed' || f.kind === 'upstream-reset') && (f.stage === 'send' || f.stage === 'header') && (r.value?.status === undefined)) {
    return { kind: 'reuse-failed', gapMs, fact: f };
  }
  return { kind: 'inconclusive', why: f?.ref.text ?? 'the reused request failed' };
}

interface IdleOutcome {
  idleCloseMs: number | null;
  fact?: Fact;
  transcript: string[];
}

/**
 * How long the upstream keeps an idle connection: one kept connection watched for the upstream's close up to the
 * wait, and more opened beside it, each reused after a shorter idle gap (1 s, 2 s, 5 s, and just past what its
 * Keep-Alive header advertises), for upstreams that drop a request on an aged connection without closing it.
 */
async function measureIdle(plan: LivePlan, address: string | null, first: NonNullable<Asked['kept']>, waitMs: number, ctx: ProbeContext): Promise<IdleOutcome> {
  const pool = plan.pool;
  if (!pool) throw new Error('measureIdle without a pool');
  const kt = pool.keepaliveTimeoutMs;
  const transcript: string[] = [`* keep-alive: nginx keeps idle connections to "${pool.group}" for ${secs(kt)} s; watching for the upstream's idle close for up to ${secs(waitMs)} s`];
  const gaps = [...IDLE_LADDER_MS, ...(first.advertisedMs !== null ? [first.advertisedMs + 250] : [])].filter((g) => g < waitMs && g < kt).sort((a, b) => a - b);
  const ladder = gaps.filter((g, i) => i === 0 || g - (gaps[i - 1] ?? 0) >= 200);
  const stop = new AbortController();
  const results: Rung[] = [];
  const decisive = (r: Rung): boolean => r.kind === 'closed' || r.kind === 'reuse-failed';
  const run = async (p: Promise<Rung>): Promise<void> => {
    const r = await p;
    results.push(r);
    if (decisive(r)) stop.abort();
  };
  const extra = async (gap: number): Promise<Rung> => {
    if (stop.signal.aborted) return { kind: 'stopped' };
    const o = await open(plan, address, { signal: AbortSignal.any([ctx.signal, stop.signal]), deadline: ctx.deadline });
    if (!o.ok) return stop.signal.aborted ? { kind: 'stopped' } : { kind: 'inconclusive', why: o.facts[0]?.ref.text ?? 'connect failed' };
    const a = await ask(plan, o.socket, address, undefined, true, { signal: AbortSignal.any([ctx.signal, stop.signal]), deadline: ctx.deadline });
    if (!a.kept) {
      o.socket.destroy();
      return stop.signal.aborted ? { kind: 'stopped' } : { kind: 'inconclusive', why: 'the extra connection was not kept open' };
    }
    return rung(plan, address, a.kept, gap, stop.signal, ctx);
  };
  await Promise.all([run(rung(plan, address, first, Math.min(waitMs, kt - 100), stop.signal, ctx)), ...ladder.map((g) => run(extra(g)))]);

  const closes = results.flatMap((r) => (r.kind === 'closed' ? [r.afterMs] : []));
  const failures = results.flatMap((r) => (r.kind === 'reuse-failed' ? [r] : [])).sort((a, b) => a.gapMs - b.gapMs);
  const reusedGaps = results.flatMap((r) => (r.kind === 'reused' ? [r.gapMs] : []));
  for (const r of results) {
    if (r.kind === 'reused') transcript.push(`* reused after ${secs(r.gapMs)} s idle: answered`);
    else if (r.kind === 'reuse-failed') transcript.push(`* reused after ${secs(r.gapMs)} s idle: ${r.fact.ref.text}`);
    else if (r.kind === 'closed') transcript.push(`* the upstream closed an idle connection after ${secs(r.afterMs)} s`);
    else if (r.kind === 'inconclusive') transcript.push(`* inconclusive: ${r.why}`);
  }
  const detail = (ms: number): string => `closes idle connections after ${secs(ms)} s, nginx reuses them for ${secs(kt)} s`;
  const reuse = pool.reused ? '' : ' (this location does not reuse them: it needs proxy_http_version 1.1 and proxy_set_header Connection "")';
  const closedAfter = closes.length > 0 ? Math.min(...closes) : null;
  if (closedAfter !== null) {
    if (closedAfter < IMMEDIATE_CLOSE_MS) {
      transcript.push(`* the upstream closes connections right after each response (${closedAfter} ms): nginx sees the close before it would reuse them`);
      return { idleCloseMs: closedAfter, transcript };
    }
    const text = `${plan.target}: the upstream closed an idle keep-alive connection after ${secs(closedAfter)} s; nginx keeps idle connections to "${pool.group}" for reuse up to ${secs(kt)} s${reuse}: a request sent on one the upstream is closing fails`;
    return { idleCloseMs: closedAfter, transcript, ...(pool.reused && closedAfter < kt ? { fact: probeFact('reused-connection-failed', 'http', text, { stage: 'send', detail: detail(closedAfter) }) } : {}) };
  }
  const failed = failures[0];
  if (failed) {
    // The advertised timeout when the measurement agrees with it; else the shortest idle gap that failed.
    const lower = Math.max(0, ...reusedGaps.filter((g) => g < failed.gapMs));
    const adv = first.advertisedMs;
    const ms = adv !== null && adv <= failed.gapMs && adv >= lower ? adv : failed.gapMs;
    const text = `${plan.target}: a request on a keep-alive connection idle for ${secs(failed.gapMs)} s failed (${failed.fact.detail ?? failed.fact.kind})${adv !== null ? `; the upstream advertises Keep-Alive: timeout=${secs(adv)}` : ''}; nginx keeps idle connections to "${pool.group}" for reuse up to ${secs(kt)} s${reuse}`;
    return { idleCloseMs: ms, transcript, ...(pool.reused && ms < kt ? { fact: probeFact('reused-connection-failed', 'http', text, { stage: failed.fact.stage ?? 'header', detail: detail(ms) }) } : {}) };
  }
  transcript.push(`* no idle close within ${secs(waitMs)} s`);
  return { idleCloseMs: null, transcript };
}

interface TargetOutcome {
  live: LiveTarget;
  incident: Fact[];
  probe: LiveProbe;
}

/** Probe one target: resolve, connect (each address), ask, and for a keep-alive pool measure the idle close. */
async function probeTarget(plan: LivePlan, ctx: ProbeContext, env: { ids: WorkerIds | null; idsFrom: string; idleWaitMs: number; fastcgiPath: (plan: LivePlan) => string | undefined }): Promise<TargetOutcome> {
  const transcript: string[] = [...plan.notes.map((n) => `* ${n}`)];
  const live: LiveTarget = { target: plan.target };
  const incident: Fact[] = [];
  const done = (): TargetOutcome => ({ live, incident, probe: { target: plan.target, scheme: plan.scheme, where: `${plan.node.file}:${plan.node.line}`, ok: incident.length === 0, transcript } });

  // Unix sockets: connect, and judge the permission for nginx's workers when this process is someone else.
  if (plan.unix !== null) {
    const o = await open(plan, null, ctx);
    transcript.push(...o.transcript);
    const me = process.getuid?.() ?? -1;
    const denied = env.ids && env.ids.uid !== me && (o.ok || o.facts[0]?.errno === 'EACCES') ? workerDenied(plan.unix, env.ids) : null;
    if (denied && env.ids) {
      if (o.ok) o.socket.destroy();
      const text = `connect to unix:${plan.unix} as nginx's workers (user "${env.ids.user}", uid ${env.ids.uid}; ${env.idsFrom}): EACCES (permission denied): ${denied}. Judged from the socket's owner and mode: this check runs as ${me === 0 ? 'root, which may open any socket' : `uid ${me}`}`;
      transcript.push(`* ${text}`);
      incident.push(...relabel([probeFact('connect-failed', 'connect', text, { errno: 'EACCES', stage: 'connect', detail: 'EACCES' })], plan, `unix:${plan.unix}`));
      return done();
    }
    if (!o.ok) {
      if (o.facts[0]?.errno === 'EACCES' && env.ids && env.ids.uid !== me) {
        transcript.push(`* this user may not connect, but nginx's workers ("${env.ids.user}") may: not probed further`);
        return done();
      }
      incident.push(...relabel(o.facts, plan, `unix:${plan.unix}`));
      return done();
    }
    const a = await ask(plan, o.socket, null, env.fastcgiPath(plan), plan.pool !== null && plan.speech === 'http', ctx);
    transcript.push(...a.transcript);
    incident.push(...relabel(a.facts, plan, 'localhost:80'));
    if (a.ok) {
      if (a.headerBytes !== undefined) live.headerBytes = a.headerBytes;
      if (a.latencyMs !== undefined) live.latencyMs = a.latencyMs;
      if (a.kept) await idleClose(plan, null, a.kept, live, incident, transcript, ctx, env.idleWaitMs);
    }
    return done();
  }

  const resolved = plan.resolver ? await resolveWith(plan.host, plan.resolver, ctx, transcript) : await resolveName(plan.host, ctx);
  if (!resolved.ok && 'fact' in resolved) {
    incident.push(...relabel([resolved.fact], plan, plan.host));
    return done();
  }
  if (!resolved.ok) {
    const errno: ErrnoCode = resolved.code === 'ENOTFOUND' ? 'ENOTFOUND' : resolved.code === 'EAI_AGAIN' ? 'EAI_AGAIN' : resolved.code === 'ETIMEDOUT' ? 'ETIMEDOUT' : 'EOTHER';
    const detail = resolved.code === 'ENOTFOUND' ? 'NXDOMAIN' : resolved.code === 'EAI_AGAIN' ? 'SERVFAIL' : resolved.code === 'ETIMEDOUT' ? 'timeout' : resolved.code;
    const text = `${plan.host}: getaddrinfo ${resolved.code} (nginx: "host not found in upstream", it does not start with this config)`;
    transcript.push(`* ${text}`);
    incident.push(...relabel([probeFact('resolve-failed', 'dns', text, { errno, stage: 'resolve', detail })], plan, plan.host));
    return done();
  }
  const addresses = resolved.addresses.slice(0, MAX_ADDRESSES);
  if (isIP(plan.host) === 0) transcript.push(`* ${plan.host} → ${resolved.addresses.join(' ')}${resolved.addresses.length > MAX_ADDRESSES ? ` (the first ${MAX_ADDRESSES} probed)` : ''}`);
  let answered = false;
  await Promise.all(
    addresses.map(async (address, i) => {
      const where = hostPort(address, plan.port);
      const o = await open(plan, address, ctx);
      const lines = [...o.transcript];
      if (!o.ok) {
        incident.push(...relabel(o.facts, plan, where));
        transcript.push(...lines);
        return;
      }
      // The idle close is measured on one address: the first.
      const a = await ask(plan, o.socket, address, env.fastcgiPath(plan), i === 0 && plan.pool !== null && plan.speech === 'http', ctx);
      transcript.push(...lines, ...a.transcript);
      incident.push(...relabel(a.facts, plan, where));
      if (!a.ok) return;
      if (!answered || i === 0) {
        answered = true;
        if (a.headerBytes !== undefined) live.headerBytes = a.headerBytes;
        if (a.latencyMs !== undefined) live.latencyMs = a.latencyMs;
      }
      if (a.kept) await idleClose(plan, address, a.kept, live, incident, transcript, ctx, env.idleWaitMs);
    }),
  );
  return done();
}

/**
 * Measure the idle close of a kept connection to a keep-alive pool; a race becomes a fact of the incident. Measured
 * also for locations that do not reuse the pool yet: the number tells whether turning reuse on would race.
 */
async function idleClose(plan: LivePlan, address: string | null, kept: NonNullable<Asked['kept']>, live: LiveTarget, incident: Fact[], transcript: string[], ctx: ProbeContext, idleWaitMs: number): Promise<void> {
  if (!plan.pool) {
    kept.socket.destroy();
    return;
  }
  // Leave a second for the reuse request after the wait.
  const wait = Math.min(idleWaitMs, plan.pool.keepaliveTimeoutMs, ctx.deadline - Date.now() - 1000);
  if (wait < 500) {
    kept.socket.destroy();
    transcript.push('* no time left to measure the idle keep-alive close');
    return;
  }
  const idle = await measureIdle(plan, address, kept, wait, ctx);
  transcript.push(...idle.transcript);
  live.idleCloseMs = idle.idleCloseMs;
  if (idle.fact) incident.push(...relabel([idle.fact], plan, address !== null ? hostPort(address, plan.port) : 'localhost:80'));
}

/** Run `fn` over `items`, at most `n` at a time, keeping the order. */
async function limited<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  return out;
}

/** A pool's ping.path (else pm.status_path) when it listens where this fastcgi_pass points. */
function fpmPathFor(fpm: FpmParse | undefined, plan: LivePlan): string | undefined {
  if (!fpm || plan.speech !== 'fastcgi') return undefined;
  for (const pool of fpm.model.pools) {
    const l = pool.listen?.value;
    if (!l) continue;
    const same = l.kind === 'unix' ? plan.unix === l.path : plan.unix === null && l.port === plan.port && (l.host === null || l.host === plan.host || (l.host === '0.0.0.0' && plan.host !== '') || (l.host === '127.0.0.1' && plan.host === 'localhost'));
    if (same) return pool.pingPath?.value ?? pool.statusPath?.value;
  }
  return undefined;
}

/**
 * Probe every upstream target of the config the way nginx reaches it, each distinct target once, concurrently,
 * under one deadline. Failures become incidents (one group of facts per target) for the causes to judge.
 * @example
 * const tree = loadNginxConfig({ path: '/etc/nginx/nginx.conf' });
 * const live = await liveCheck(tree, { timeoutMs: 15_000 });
 * await analyzeConfig('/etc/nginx/nginx.conf', { live: live.targets, liveIncidents: live.incidents });
 */
export async function liveCheck(tree: ConfigTree, options: LiveOptions = {}): Promise<LiveResult> {
  const ctx: ProbeContext = { signal: options.signal ?? new AbortController().signal, deadline: Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS) };
  const { plans, notes } = planLiveChecks(tree, options);
  // One probe per distinct way of reaching a target: the first location naming it gives the path and Host.
  const distinct = new Map<string, LivePlan>();
  for (const p of plans) {
    const key = JSON.stringify([p.scheme, p.target, p.tls ? { ...p.tls, ca: p.tls.ca?.length } : null]);
    const seen = distinct.get(key);
    if (!seen) distinct.set(key, p);
    else if (p.pool?.reused && seen.pool && !seen.pool.reused) seen.pool.reused = true;
  }
  const user = workerUser(tree, options.workerUser);
  const ids = plans.some((p) => p.unix !== null) ? idsOf(user.user, user.group) : null;
  if (plans.some((p) => p.unix !== null) && !ids) notes.push(`nginx's workers run as "${user.user}" (${user.from}), a user this host does not know: socket permissions were judged for this process only`);
  const env = { ids, idsFrom: user.from, idleWaitMs: options.idleWaitMs ?? DEFAULT_IDLE_WAIT_MS, fastcgiPath: (p: LivePlan) => fpmPathFor(options.fpm, p) };
  const outcomes = await limited([...distinct.values()], options.concurrency ?? 16, (p) => probeTarget(p, ctx, env));
  const targets: LiveTarget[] = [];
  for (const o of outcomes) {
    const same = targets.find((t) => t.target === o.live.target);
    if (!same) targets.push(o.live);
    else Object.assign(same, { ...o.live, ...same });
  }
  for (const o of outcomes) {
    if (o.incident.length === 0 && o.probe.scheme !== 'http' && o.probe.scheme !== 'https' && o.probe.scheme !== 'fastcgi') {
      notes.push(`${o.probe.where}: ${o.probe.target} (${o.probe.scheme}): only the connection${o.probe.transcript.some((l) => l.includes('TLS')) ? ' and the TLS handshake were' : ' was'} checked; no ${o.probe.scheme} request is sent`);
    }
  }
  return { targets, incidents: outcomes.filter((o) => o.incident.length > 0).map((o) => o.incident), notes, probes: outcomes.map((o) => o.probe) };
}

/** The measurements alone, for the config checks. */
export async function liveTargets(tree: ConfigTree, options: LiveOptions = {}): Promise<LiveTarget[]> {
  return (await liveCheck(tree, options)).targets;
}
