/**
 * Apache httpd configuration parser: positioned directives (see apache-reader.ts) and a model of what decides
 * 502/503/504 behind mod_proxy: ProxyPass targets, balancers and their members, PHP-FPM handlers, timeouts,
 * TLS-to-backend settings, and where the logs are.
 */
import { isAbsolute, join } from 'node:path';
import type { ConfigInput, ConfigMessage, ParsedConfig } from './config-files.js';
import { apacheTime, type ApacheProxyTarget, type ApacheWorkerParams, parseApacheProxyUrl, splitParams, workerParams } from './apache-proxy-url.js';
import { type ApacheDirective, type ApacheReadOptions, type ApacheSectionRef, CONDITIONAL_SECTIONS, readApacheConfig } from './apache-reader.js';

export { apacheWords, DEBIAN_STATIC_MODULES, type ApacheDirective, type ApacheReadOptions, type ApacheSectionRef } from './apache-reader.js';
export { APACHE_DEFAULT_PORTS, apacheTime, parseApacheProxyUrl, type ApacheProxyTarget, type ApacheWorkerParams } from './apache-proxy-url.js';

/** httpd's default `Timeout` (core) when none is set; ProxyTimeout defaults to Timeout. */
export const APACHE_DEFAULT_TIMEOUT_MS = 60_000;

/** A value with the line that set it; `inherited` when a virtual host takes it from the main server. */
export interface ApacheSetting<T> {
  value: T;
  file: string;
  line: number;
  inherited: boolean;
}

/** Where a log goes: a file (path resolved against ServerRoot), a pipe to a program, or syslog. */
export interface ApacheLogTarget {
  kind: 'file' | 'pipe' | 'syslog';
  raw: string;
  /** Absolute path for files, else null. */
  path: string | null;
  file: string;
  line: number;
  inherited: boolean;
}

export interface ApacheCustomLog extends ApacheLogTarget {
  /** The nickname or format string as written. */
  format: string;
  /** The format string itself (a nickname resolved through LogFormat), or null when the nickname is unknown. */
  formatString: string | null;
}

/** `LogLevel warn ssl:info`: the main level and per-module ones. */
export interface ApacheLogLevel {
  level: string;
  modules: Record<string, string>;
}

/** Settings the main server and each virtual host have (a virtual host inherits the unset ones). */
export interface ApacheScopeSettings {
  timeoutMs?: ApacheSetting<number>;
  proxyTimeoutMs?: ApacheSetting<number>;
  logLevel?: ApacheSetting<ApacheLogLevel>;
  errorLog?: ApacheLogTarget;
  customLogs: ApacheCustomLog[];
  sslProxyEngine?: ApacheSetting<boolean>;
  sslProxyVerify?: ApacheSetting<string>;
  sslProxyCheckPeerName?: ApacheSetting<boolean>;
  sslProxyCheckPeerCN?: ApacheSetting<boolean>;
  sslProxyCheckPeerExpire?: ApacheSetting<boolean>;
  sslProxyCACertificateFile?: ApacheSetting<string>;
  sslProxyProtocol?: ApacheSetting<string>;
  proxyPreserveHost?: ApacheSetting<boolean>;
}

export interface ApacheVirtualHost extends ApacheScopeSettings {
  /** Position in `model.virtualHosts`, which `vhost` fields elsewhere refer to. */
  index: number;
  addresses: string[];
  serverName?: string;
  serverAliases: string[];
  file: string;
  line: number;
}

export type ApacheProxyDirective = 'ProxyPass' | 'ProxyPassMatch' | 'ProxyPassReverse';

export interface ApacheProxyPass {
  directive: ApacheProxyDirective;
  /** URL path (or regex for ProxyPassMatch); inside <Location> it is the location's. */
  path: string;
  /** Null for `!` (the path is served locally). */
  target: ApacheProxyTarget | null;
  params: Record<string, string>;
  worker: ApacheWorkerParams;
  flags: string[];
  /** Index into virtualHosts, or null for the main server's (which every virtual host inherits, after its own). */
  vhost: number | null;
  location: string | null;
  file: string;
  line: number;
}

export interface ApacheBalancerMember {
  target: ApacheProxyTarget;
  params: Record<string, string>;
  worker: ApacheWorkerParams;
  file: string;
  line: number;
}

export interface ApacheBalancer {
  /** Lower-case `balancer://name`, as mod_proxy matches it. */
  name: string;
  /** Where it is first defined. */
  file: string;
  line: number;
  vhost: number | null;
  /** ProxySet parameters (lbmethod, timeout, maxattempts...). */
  params: Record<string, string>;
  members: ApacheBalancerMember[];
}

/** `<Proxy "http://backend">` + `ProxySet`: parameters for a worker that is not a balancer. */
export interface ApacheWorkerDefinition {
  url: string;
  params: Record<string, string>;
  worker: ApacheWorkerParams;
  vhost: number | null;
  file: string;
  line: number;
}

/** `SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"` (Debian's php8.2-fpm.conf). */
export interface ApacheProxyHandler {
  raw: string;
  target: ApacheProxyTarget | null;
  vhost: number | null;
  /** Enclosing non-conditional sections, e.g. `FilesMatch ".+\.ph(?:ar|p|tml)$"`. */
  sections: string[];
  file: string;
  line: number;
}

export interface ApacheModel {
  serverRoot: string;
  modules: Array<{ name: string; path: string; file: string; line: number }>;
  /** Main server settings. */
  server: ApacheScopeSettings;
  /** Virtual hosts with the main server's settings filled in where they set none. */
  virtualHosts: ApacheVirtualHost[];
  proxyPasses: ApacheProxyPass[];
  balancers: ApacheBalancer[];
  workers: ApacheWorkerDefinition[];
  handlers: ApacheProxyHandler[];
  /** `LogFormat` strings by nickname (main server's, then virtual hosts' own override). */
  logFormats: Record<string, string>;
  defines: Record<string, string>;
  files: string[];
}

export type ApacheParse = ParsedConfig<ApacheModel, ApacheDirective>;

/**
 * Parse an Apache configuration and what it includes. Never throws.
 * @example
 * const { model } = parseApacheConfig('/etc/apache2/apache2.conf');
 * for (const p of model.proxyPasses) console.log(p.path, p.target?.raw, p.worker.timeoutMs);
 */
export function parseApacheConfig(input: ConfigInput, options: ApacheReadOptions = {}): ApacheParse {
  const read = readApacheConfig(input, options);
  const b = new ModelBuilder(read.serverRoot);
  for (const d of read.directives) if (d.active) b.add(d);
  const model = b.finish();
  return {
    model: { ...model, serverRoot: read.serverRoot, modules: read.modules, defines: read.defines, files: read.files },
    directives: read.directives,
    errors: [...read.errors, ...b.errors],
    notes: [...read.notes, ...b.notes],
  };
}

const ON_OFF = (v: string | undefined): boolean | null => {
  const l = v?.toLowerCase();
  return l === 'on' ? true : l === 'off' ? false : null;
};

class ModelBuilder {
  readonly errors: ConfigMessage[] = [];
  readonly notes: ConfigMessage[] = [];
  private readonly server: ApacheScopeSettings = { customLogs: [] };
  private readonly vhosts: ApacheVirtualHost[] = [];
  private readonly vhostByRef = new Map<string, number>();
  private readonly proxyPasses: ApacheProxyPass[] = [];
  private readonly balancers = new Map<string, ApacheBalancer>();
  private readonly workers: ApacheWorkerDefinition[] = [];
  private readonly handlers: ApacheProxyHandler[] = [];
  private readonly logFormats: Record<string, string> = {};
  private readonly vhostLogFormats = new Map<number, Record<string, string>>();

  constructor(private readonly serverRoot: string) {}

  add(d: ApacheDirective): void {
    const containers = d.sections.filter((s) => !CONDITIONAL_SECTIONS.has(s.name.toLowerCase()));
    const vhostRef = containers.find((s) => s.name.toLowerCase() === 'virtualhost');
    if (d.opens && d.name.toLowerCase() === 'virtualhost') {
      this.openVhost(d);
      return;
    }
    if (d.opens) return;
    const vhost = vhostRef ? (this.vhostByRef.get(refKey(vhostRef)) ?? null) : null;
    const inner = containers.filter((s) => s.name.toLowerCase() !== 'virtualhost');
    const scope: ApacheScopeSettings | null = inner.length === 0 ? (vhost === null ? this.server : (this.vhosts[vhost] ?? null)) : null;
    const name = d.name.toLowerCase();
    const at = { file: d.file, line: d.line };
    const set = <T>(value: T): ApacheSetting<T> => ({ value, ...at, inherited: false });
    const a0 = d.args[0];
    switch (name) {
      case 'proxypass':
      case 'proxypassmatch':
      case 'proxypassreverse':
        this.proxyPass(d, inner, vhost);
        return;
      case 'balancermember':
        this.member(d, inner, vhost);
        return;
      case 'proxyset':
        this.proxySet(d, inner, vhost);
        return;
      case 'sethandler':
        if (a0?.toLowerCase().startsWith('proxy:')) {
          const raw = a0.slice('proxy:'.length);
          const target = parseApacheProxyUrl(raw);
          if (!target) this.errors.push({ ...at, message: `SetHandler ${a0}: not a proxy URL` });
          this.handlers.push({ raw: a0, target, vhost, sections: inner.map(describe), ...at });
        }
        return;
      case 'logformat':
        if (a0 !== undefined) {
          const nick = d.args[1] ?? '';
          if (vhost === null) this.logFormats[nick] = a0;
          else this.vhostLogFormats.set(vhost, { ...this.vhostLogFormats.get(vhost), [nick]: a0 });
        }
        return;
      case 'servername':
        if (a0 !== undefined && vhost !== null && this.vhosts[vhost]) this.vhosts[vhost].serverName = a0;
        return;
      case 'serveralias':
        if (vhost !== null) this.vhosts[vhost]?.serverAliases.push(...d.args);
        return;
      default:
        break;
    }
    if (!scope) return;
    switch (name) {
      case 'timeout':
      case 'proxytimeout': {
        const ms = apacheTime(a0 ?? '');
        if (ms === null) this.errors.push({ ...at, message: `${d.name} ${a0 ?? ''}: not a valid timeout` });
        else if (name === 'timeout') scope.timeoutMs = set(ms);
        else scope.proxyTimeoutMs = set(ms);
        return;
      }
      case 'loglevel':
        scope.logLevel = set(logLevel(d.args));
        return;
      case 'errorlog':
        if (a0 !== undefined) scope.errorLog = this.logTarget(a0, at);
        return;
      case 'customlog':
      case 'transferlog':
        if (a0 !== undefined) {
          const format = name === 'transferlog' ? '' : (d.args[1] ?? '');
          scope.customLogs.push({ ...this.logTarget(a0, at), format, formatString: null });
        }
        return;
      case 'sslproxyengine':
      case 'sslproxycheckpeername':
      case 'sslproxycheckpeercn':
      case 'sslproxycheckpeerexpire':
      case 'proxypreservehost': {
        const v = ON_OFF(a0);
        if (v === null) {
          this.errors.push({ ...at, message: `${d.name} must be On or Off` });
          return;
        }
        const key = ({ sslproxyengine: 'sslProxyEngine', sslproxycheckpeername: 'sslProxyCheckPeerName', sslproxycheckpeercn: 'sslProxyCheckPeerCN', sslproxycheckpeerexpire: 'sslProxyCheckPeerExpire', proxypreservehost: 'proxyPreserveHost' } as const)[name];
        scope[key] = set(v);
        return;
      }
      case 'sslproxyverify':
        if (a0 !== undefined) scope.sslProxyVerify = set(a0.toLowerCase());
        return;
      case 'sslproxycacertificatefile':
        if (a0 !== undefined) scope.sslProxyCACertificateFile = set(this.rooted(a0));
        return;
      case 'sslproxyprotocol':
        scope.sslProxyProtocol = set(d.args.join(' '));
        return;
      default:
        return;
    }
  }

  private openVhost(d: ApacheDirective): void {
    const index = this.vhosts.length;
    this.vhosts.push({ index, addresses: d.args, serverAliases: [], customLogs: [], file: d.file, line: d.line });
    this.vhostByRef.set(refKey(d), index);
  }

  private proxyPass(d: ApacheDirective, inner: ApacheSectionRef[], vhost: number | null): void {
    const directive: ApacheProxyDirective = d.name.toLowerCase() === 'proxypass' ? 'ProxyPass' : d.name.toLowerCase() === 'proxypassmatch' ? 'ProxyPassMatch' : 'ProxyPassReverse';
    const loc = [...inner].reverse().find((s) => /^location(match)?$/i.test(s.name));
    // Inside <Location> the path comes from the section and the first argument is the URL.
    const path = loc ? (loc.args[0] ?? '') : (d.args[0] ?? '');
    const urlAt = loc ? 0 : 1;
    const url = d.args[urlAt];
    const at = { file: d.file, line: d.line };
    if (url === undefined) {
      this.errors.push({ ...at, message: `${directive} needs a path when not defined in a location` });
      return;
    }
    let target: ApacheProxyTarget | null = null;
    if (url !== '!') {
      target = parseApacheProxyUrl(url);
      if (!target) {
        this.errors.push({ ...at, message: `${directive} ${url}: not a valid URL` });
        return;
      }
    }
    const { params, flags } = splitParams(d.args.slice(urlAt + 1));
    const { worker, problems } = workerParams(params);
    for (const m of problems) this.errors.push({ ...at, message: `${directive}: ${m}` });
    this.proxyPasses.push({ directive, path, target, params, worker, flags, vhost, location: loc ? describe(loc) : null, ...at });
  }

  private member(d: ApacheDirective, inner: ApacheSectionRef[], vhost: number | null): void {
    const section = [...inner].reverse().find((s) => /^proxy(match)?$/i.test(s.name));
    // Outside <Proxy balancer://x>, the first argument names the balancer.
    const inSection = section?.args[0]?.toLowerCase().startsWith('balancer://') === true;
    const balancerUrl = inSection ? (section?.args[0] ?? '') : (d.args[0] ?? '');
    const memberAt = inSection ? 0 : 1;
    const at = { file: d.file, line: d.line };
    if (!balancerUrl.toLowerCase().startsWith('balancer://')) {
      this.errors.push({ ...at, message: 'BalancerMember must define balancer name when outside <Proxy > section' });
      return;
    }
    const url = d.args[memberAt] ?? '';
    const target = parseApacheProxyUrl(url);
    if (!target) {
      this.errors.push({ ...at, message: `BalancerMember ${url}: not a valid URL` });
      return;
    }
    const { params } = splitParams(d.args.slice(memberAt + 1));
    const { worker, problems } = workerParams(params);
    for (const m of problems) this.errors.push({ ...at, message: `BalancerMember: ${m}` });
    this.balancer(balancerUrl, vhost, at).members.push({ target, params, worker, ...at });
  }

  private proxySet(d: ApacheDirective, inner: ApacheSectionRef[], vhost: number | null): void {
    const section = [...inner].reverse().find((s) => /^proxy(match)?$/i.test(s.name));
    const url = section ? (section.args[0] ?? '') : (d.args[0] ?? '');
    const { params } = splitParams(section ? d.args : d.args.slice(1));
    const at = { file: d.file, line: d.line };
    if (url.toLowerCase().startsWith('balancer://')) Object.assign(this.balancer(url, vhost, at).params, params);
    else {
      const { worker, problems } = workerParams(params);
      for (const m of problems) this.errors.push({ ...at, message: `ProxySet: ${m}` });
      this.workers.push({ url, params, worker, vhost, ...at });
    }
  }

  private balancer(url: string, vhost: number | null, at: { file: string; line: number }): ApacheBalancer {
    const name = url.toLowerCase().replace(/\/+$/, '');
    let b = this.balancers.get(name);
    if (!b) {
      b = { name, ...at, vhost, params: {}, members: [] };
      this.balancers.set(name, b);
    }
    return b;
  }

  private rooted(p: string): string {
    return isAbsolute(p) ? p : join(this.serverRoot, p);
  }

  private logTarget(raw: string, at: { file: string; line: number }): ApacheLogTarget {
    if (raw.startsWith('|')) return { kind: 'pipe', raw, path: null, ...at, inherited: false };
    if (/^syslog(:|$)/i.test(raw)) return { kind: 'syslog', raw, path: null, ...at, inherited: false };
    return { kind: 'file', raw, path: this.rooted(raw), ...at, inherited: false };
  }

  finish(): Omit<ApacheModel, 'serverRoot' | 'modules' | 'defines' | 'files'> {
    const resolveFormats = (logs: ApacheCustomLog[], own: Record<string, string>): void => {
      for (const l of logs) {
        // A format with % is the format itself; otherwise a nickname (TransferLog: the default LogFormat).
        l.formatString = l.format.includes('%') ? l.format : (own[l.format] ?? this.logFormats[l.format] ?? null);
      }
    };
    resolveFormats(this.server.customLogs, {});
    for (const v of this.vhosts) {
      resolveFormats(v.customLogs, this.vhostLogFormats.get(v.index) ?? {});
      inheritScope(v, this.server);
    }
    return {
      server: this.server,
      virtualHosts: this.vhosts,
      proxyPasses: this.proxyPasses,
      balancers: [...this.balancers.values()],
      workers: this.workers,
      handlers: this.handlers,
      logFormats: this.logFormats,
    };
  }
}

function refKey(r: { file: string; line: number }): string {
  return `${r.file}\0${r.line}`;
}

function describe(s: ApacheSectionRef): string {
  return `${s.name} ${s.args.join(' ')}`.trim();
}

function logLevel(args: string[]): ApacheLogLevel {
  const out: ApacheLogLevel = { level: '', modules: {} };
  for (const a of args) {
    const c = a.indexOf(':');
    if (c > 0) out.modules[a.slice(0, c).toLowerCase()] = a.slice(c + 1).toLowerCase();
    else out.level = a.toLowerCase();
  }
  return out;
}

/** A virtual host takes the main server's value for each setting it does not set itself. */
function inheritScope(v: ApacheVirtualHost, s: ApacheScopeSettings): void {
  const keys = [
    'timeoutMs', 'proxyTimeoutMs', 'logLevel', 'errorLog', 'sslProxyEngine', 'sslProxyVerify', 'sslProxyCheckPeerName',
    'sslProxyCheckPeerCN', 'sslProxyCheckPeerExpire', 'sslProxyCACertificateFile', 'sslProxyProtocol', 'proxyPreserveHost',
  ] as const;
  const target = v as unknown as Record<string, unknown>;
  const source = s as unknown as Record<string, { inherited: boolean } | undefined>;
  for (const k of keys) {
    const own = target[k];
    const main = source[k];
    if (own === undefined && main !== undefined) target[k] = { ...main, inherited: true };
  }
  // mod_log_config: a virtual host without its own CustomLog writes to the main server's.
  if (v.customLogs.length === 0) v.customLogs = s.customLogs.map((l) => ({ ...l, inherited: true }));
}
