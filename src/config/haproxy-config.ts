/**
 * HAProxy configuration parser: haproxy.cfg (or a directory of *.cfg files, as `haproxy -f dir` reads them) to
 * positioned keyword lines and a model of what decides 502/503/504: timeouts (with `defaults` inheritance),
 * retries, logging, connection reuse, backends with their servers, health checks and resolvers.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { byteOrder, ConfigFileSet, type ConfigDirective, type ConfigInput, type ConfigMessage, type ParsedConfig, splitLines } from './config-files.js';
import {
  applyServerKeywords,
  type HaproxyServerAddress,
  type HaproxyServerOptions,
  parseServerAddress,
  readServerKeywords,
  type ServerKeywords,
} from './haproxy-server.js';
import { haproxyCondition, haproxyTime, haproxyWords } from './haproxy-words.js';

export { HAPROXY_CHECK_DEFAULTS, parseServerAddress, type HaproxyServerAddress, type HaproxyServerOptions } from './haproxy-server.js';

export const HAPROXY_SECTIONS = [
  'global', 'defaults', 'frontend', 'backend', 'listen', 'resolvers', 'peers', 'userlist', 'mailers', 'program',
  'http-errors', 'ring', 'cache', 'fcgi-app', 'crt-store', 'traces', 'log-forward',
] as const;
export type HaproxySectionKind = (typeof HAPROXY_SECTIONS)[number];

export interface HaproxyDirective extends ConfigDirective {
  /** The section the line is in; null for a line before any section (an error for HAProxy). */
  section: { kind: HaproxySectionKind; name: string } | null;
}

/** A value with the line that set it; `inherited` when it came from a `defaults` section. */
export interface HaproxySetting<T> {
  value: T;
  file: string;
  line: number;
  inherited: boolean;
}

export const HAPROXY_TIMEOUTS = [
  'connect', 'server', 'client', 'http-keep-alive', 'http-request', 'queue', 'check', 'tunnel', 'client-fin', 'server-fin', 'tarpit',
] as const;
export type HaproxyTimeoutName = (typeof HAPROXY_TIMEOUTS)[number];

/** A timeout in milliseconds, with the text it was written as. */
export interface HaproxyTimeout extends HaproxySetting<number> {
  raw: string;
}

/** A `log` line: `global`, or a target (`/dev/log`, `127.0.0.1:514`, `stdout`, `ring@name`) with its facility. */
export interface HaproxyLog {
  target: string;
  facility?: string;
  level?: string;
  file: string;
  line: number;
}

/** `option httpchk [<method>] [<uri>] [<version>]`; HAProxy's defaults are OPTIONS and `/`. */
export interface HaproxyHttpCheck {
  method: string;
  uri: string;
  version?: string;
  file: string;
  line: number;
  inherited: boolean;
}

/** What defaults, frontend, backend and listen sections share. In a proxy, unset values fall back to its defaults. */
export interface HaproxyProxySettings {
  mode?: HaproxySetting<string>;
  timeouts: Partial<Record<HaproxyTimeoutName, HaproxyTimeout>>;
  retries?: HaproxySetting<number>;
  /** `option httplog` (true) or `no option httplog` (false). */
  httplog?: HaproxySetting<boolean>;
  tcplog?: HaproxySetting<boolean>;
  logFormat?: HaproxySetting<string>;
  httpReuse?: HaproxySetting<string>;
  httpchk?: HaproxyHttpCheck;
  balance?: HaproxySetting<string>;
  maxconn?: HaproxySetting<number>;
  /** Every other `option` by name: true, or false for `no option`. */
  options: Record<string, HaproxySetting<boolean>>;
  logs: HaproxyLog[];
  /** `errorfile <status> <path>` by status: the page HAProxy sends for its own 502/503/504. */
  errorFiles: Record<string, HaproxySetting<string>>;
  /** `http-check` lines (send, expect, connect...), as written; a proxy with none of its own takes its defaults'. */
  httpCheckRules: HaproxyDirective[];
}

export interface HaproxyDefaults extends HaproxyProxySettings {
  /** Null for an anonymous `defaults`. */
  name: string | null;
  file: string;
  line: number;
  /** The named defaults this one takes its values from (`defaults b from a`). */
  from: string | null;
  /** `default-server` lines here, applied to every server of the proxies using these defaults. */
  defaultServer: ServerKeywords;
}

export interface HaproxyServer {
  name: string;
  file: string;
  line: number;
  address: string;
  port: number | null;
  /** Unix socket path, else null. */
  unix: string | null;
  addr: HaproxyServerAddress;
  /** Options with default-server lines applied (defaults first, then the backend's, then the line). */
  options: HaproxyServerOptions;
  /** The keywords written on the server line itself. */
  args: string[];
  /** For `server-template <prefix> <num|range> <fqdn>:<port>`: the name is the prefix. */
  template?: { range: string; count: number };
}

export interface HaproxyBackend extends HaproxyProxySettings {
  kind: 'backend' | 'listen';
  name: string;
  file: string;
  line: number;
  /** The defaults section it inherits from: its name, '' for an anonymous one, null for none. */
  defaults: string | null;
  servers: HaproxyServer[];
  /** listen sections only: their `bind` lines. */
  binds: HaproxyBind[];
}

export interface HaproxyBind {
  address: string;
  args: string[];
  file: string;
  line: number;
}

export interface HaproxyFrontend extends HaproxyProxySettings {
  name: string;
  file: string;
  line: number;
  defaults: string | null;
  binds: HaproxyBind[];
  defaultBackend?: HaproxySetting<string>;
  /** `use_backend <name> [if|unless <cond>]`. */
  useBackends: Array<{ backend: string; condition: string[]; file: string; line: number }>;
}

export interface HaproxyResolvers {
  name: string;
  file: string;
  line: number;
  nameservers: Array<{ name: string; address: string; file: string; line: number }>;
  parseResolvConf: boolean;
  /** `timeout resolve|retry` and `hold <status>` values (ms). */
  timeouts: Record<string, number>;
  hold: Record<string, number>;
  resolveRetries?: number;
}

export interface HaproxyGlobal {
  maxconn?: HaproxySetting<number>;
  user?: HaproxySetting<string>;
  group?: HaproxySetting<string>;
  chroot?: HaproxySetting<string>;
  caBase?: HaproxySetting<string>;
  crtBase?: HaproxySetting<string>;
  /** `ssl-server-verify`; HAProxy's default is `required`. */
  sslServerVerify?: HaproxySetting<string>;
  logs: HaproxyLog[];
  /** `stats socket <path>`: the runtime API, which can report server states. */
  statsSockets: Array<{ path: string; args: string[]; file: string; line: number }>;
}

export interface HaproxyModel {
  global: HaproxyGlobal;
  defaults: HaproxyDefaults[];
  frontends: HaproxyFrontend[];
  /** backend and listen sections, in file order. */
  backends: HaproxyBackend[];
  resolvers: HaproxyResolvers[];
  /** Files read, in order. */
  files: string[];
}

export type HaproxyParse = ParsedConfig<HaproxyModel, HaproxyDirective>;

export interface HaproxyParseOptions {
  /** Environment for "${VAR}" in double quotes and `.if defined(VAR)`; unset variables are left as written. */
  env?: Readonly<Record<string, string>>;
}

// Options HAProxy 2.6 refuses to negate or reset ("negation/default is not supported for option 'httplog'"),
// checked against `haproxy -c`.
const NOT_NEGATABLE = new Set([
  'httplog', 'tcplog', 'httpslog', 'httpchk', 'forwardfor', 'originalto', 'tcp-check', 'ssl-hello-chk', 'smtpchk', 'pgsql-check',
  'redis-check', 'mysql-check', 'ldap-check', 'spop-check', 'external-check', 'tcpka',
]);

const LEGACY_TIMEOUTS: Record<string, HaproxyTimeoutName> = { contimeout: 'connect', clitimeout: 'client', srvtimeout: 'server' };

function emptySettings(): HaproxyProxySettings {
  return { timeouts: {}, options: {}, logs: [], errorFiles: {}, httpCheckRules: [] };
}

type Section =
  | { kind: 'global' }
  | { kind: 'defaults'; d: HaproxyDefaults }
  | { kind: 'frontend'; p: HaproxyFrontend }
  | { kind: 'backend' | 'listen'; p: HaproxyBackend }
  | { kind: 'resolvers'; r: HaproxyResolvers }
  | { kind: 'other' };

/**
 * Parse a HAProxy configuration. Never throws: what HAProxy would reject goes to `errors`.
 * @example
 * const { model } = parseHaproxyConfig('/etc/haproxy/haproxy.cfg');
 * for (const b of model.backends) console.log(b.name, b.timeouts.server?.value, b.servers.map((s) => s.options.check));
 */
export function parseHaproxyConfig(input: ConfigInput, options: HaproxyParseOptions = {}): HaproxyParse {
  const p = new HaproxyParser(options.env ?? {});
  const files = new ConfigFileSet();
  if (typeof input === 'string') {
    let paths = [input];
    try {
      // `haproxy -f <dir>` loads the directory's *.cfg files in lexical order.
      if (statSync(input).isDirectory()) paths = readdirSync(input).filter((f) => f.endsWith('.cfg')).sort(byteOrder).map((f) => join(input, f));
    } catch {
      /* reported by open() below */
    }
    for (const path of paths) {
      const r = files.open(path);
      if (!r.ok) p.errors.push({ file: path, line: 0, message: `cannot read ${path}: ${r.reason}` });
      else {
        p.parseText(r.path, r.text);
        files.leave();
      }
    }
  } else {
    files.openText(input.name, input.text);
    p.parseText(input.name, input.text);
    files.leave();
  }
  return p.finish(files.read);
}

class HaproxyParser {
  readonly errors: ConfigMessage[] = [];
  readonly notes: ConfigMessage[] = [];
  readonly directives: HaproxyDirective[] = [];
  private readonly global: HaproxyGlobal = { logs: [], statsSockets: [] };
  private readonly defaults: HaproxyDefaults[] = [];
  private readonly frontends: HaproxyFrontend[] = [];
  private readonly backends: HaproxyBackend[] = [];
  private readonly resolvers: HaproxyResolvers[] = [];
  // Raw server lines per backend, resolved against default-server lines when the backend is complete.
  private readonly pendingServers = new Map<HaproxyBackend, Array<{ words: string[]; file: string; line: number; template: boolean }>>();
  private readonly backendDefaultServer = new Map<HaproxyBackend, ServerKeywords>();
  private readonly proxyDefaults = new Map<HaproxyFrontend | HaproxyBackend, HaproxyDefaults | null>();
  private readonly ownCheckRules = new WeakSet<HaproxyProxySettings>();
  private section: Section | null = null;
  private sectionRef: HaproxyDirective['section'] = null;
  private lastDefaults: HaproxyDefaults | null = null;

  constructor(private readonly env: Readonly<Record<string, string>>) {}

  parseText(file: string, text: string): void {
    // A new file starts outside any section, as when HAProxy reads several -f files.
    this.section = null;
    this.sectionRef = null;
    // .if nesting: each level says whether its lines apply and whether a branch was taken already.
    const conds: Array<{ active: boolean; taken: boolean; parentActive: boolean }> = [];
    const lines = splitLines(text);
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      const raw = lines[i] ?? '';
      const tok = haproxyWords(raw, this.env);
      if (tok.error) {
        this.errors.push({ file, line: lineNo, message: tok.error });
        continue;
      }
      const [name, ...args] = tok.words;
      if (name === undefined) continue;
      for (const v of tok.unresolved) this.notes.push({ file, line: lineNo, message: `environment variable ${v} is not known here; left as written` });
      if (name.startsWith('.')) {
        this.conditional(name, args, conds, file, lineNo);
        continue;
      }
      if (conds.length > 0 && !conds[conds.length - 1]?.active) continue;
      this.line(file, lineNo, name, args);
    }
    if (conds.length > 0) this.errors.push({ file, line: lines.length, message: "missing '.endif' at end of file" });
  }

  private conditional(name: string, args: string[], conds: Array<{ active: boolean; taken: boolean; parentActive: boolean }>, file: string, line: number): void {
    const top = conds[conds.length - 1];
    const parentActive = top ? top.active : true;
    const evaluate = (): boolean => {
      const v = haproxyCondition(args, this.env);
      if (v === null) {
        this.notes.push({ file, line, message: `cannot evaluate '${name} ${args.join(' ')}' here; its lines are read as if it held` });
        return true;
      }
      return v;
    };
    if (name === '.if') {
      const v = parentActive && evaluate();
      conds.push({ active: v, taken: v, parentActive });
    } else if (name === '.elif' || name === '.else') {
      if (!top) {
        this.errors.push({ file, line, message: `'${name}' without '.if'` });
        return;
      }
      const v = top.parentActive && !top.taken && (name === '.else' || evaluate());
      top.active = v;
      top.taken ||= v;
    } else if (name === '.endif') {
      if (!conds.pop()) this.errors.push({ file, line, message: "'.endif' without '.if'" });
    } else if (!['.diag', '.notice', '.warning', '.alert'].includes(name)) {
      this.errors.push({ file, line, message: `unknown directive '${name}'` });
    }
  }

  private line(file: string, line: number, name: string, args: string[]): void {
    if ((HAPROXY_SECTIONS as readonly string[]).includes(name)) {
      this.openSection(file, line, name as HaproxySectionKind, args);
      this.directives.push({ file, line, name, args, section: this.sectionRef });
      return;
    }
    this.directives.push({ file, line, name, args, section: this.sectionRef });
    const s = this.section;
    if (!s) {
      this.errors.push({ file, line, message: `unknown keyword '${name}' out of section` });
      return;
    }
    switch (s.kind) {
      case 'global':
        this.globalLine(file, line, name, args);
        break;
      case 'defaults':
        this.proxyLine(s.d, file, line, name, args, 'defaults');
        break;
      case 'frontend':
        this.proxyLine(s.p, file, line, name, args, 'frontend');
        break;
      case 'backend':
      case 'listen':
        this.proxyLine(s.p, file, line, name, args, s.kind);
        break;
      case 'resolvers':
        this.resolversLine(s.r, file, line, name, args);
        break;
      default:
        break;
    }
  }

  private openSection(file: string, line: number, kind: HaproxySectionKind, args: string[]): void {
    const name = args[0] ?? '';
    this.sectionRef = { kind, name };
    const fromAt = args.indexOf('from');
    const from = fromAt >= 0 ? (args[fromAt + 1] ?? null) : null;
    const named = fromAt === 0 ? '' : name;
    if (kind !== 'global' && kind !== 'defaults' && named === '') this.errors.push({ file, line, message: `'${kind}' expects <name> as an argument` });
    switch (kind) {
      case 'global':
        this.section = { kind: 'global' };
        return;
      case 'defaults': {
        const base = from !== null ? this.namedDefaults(from, file, line) : null;
        const d: HaproxyDefaults = {
          ...(base ? inherit(base) : emptySettings()),
          name: named === '' ? null : named,
          file,
          line,
          from,
          defaultServer: base ? [...base.defaultServer] : [],
        };
        this.defaults.push(d);
        this.lastDefaults = d;
        this.section = { kind: 'defaults', d };
        return;
      }
      case 'frontend':
      case 'backend':
      case 'listen': {
        const defs = from !== null ? this.namedDefaults(from, file, line) : this.lastDefaults;
        const settings = defs ? inherit(defs) : emptySettings();
        const defaultsName = defs ? (defs.name ?? '') : null;
        if (kind === 'frontend') {
          const p: HaproxyFrontend = { ...settings, name: named, file, line, defaults: defaultsName, binds: [], useBackends: [] };
          this.frontends.push(p);
          this.proxyDefaults.set(p, defs);
          this.section = { kind: 'frontend', p };
        } else {
          const p: HaproxyBackend = { ...settings, kind, name: named, file, line, defaults: defaultsName, servers: [], binds: [] };
          if (kind === 'listen' && args[1] !== undefined && args[1] !== 'from') p.binds.push({ address: args[1], args: [], file, line });
          this.backends.push(p);
          this.proxyDefaults.set(p, defs);
          this.pendingServers.set(p, []);
          this.backendDefaultServer.set(p, []);
          this.section = { kind, p };
        }
        return;
      }
      case 'resolvers': {
        const r: HaproxyResolvers = { name: named, file, line, nameservers: [], parseResolvConf: false, timeouts: {}, hold: {} };
        this.resolvers.push(r);
        this.section = { kind: 'resolvers', r };
        return;
      }
      default:
        this.section = { kind: 'other' };
    }
  }

  private namedDefaults(name: string, file: string, line: number): HaproxyDefaults | null {
    const d = [...this.defaults].reverse().find((x) => x.name === name);
    if (!d) this.errors.push({ file, line, message: `defaults section '${name}' not found` });
    return d ?? null;
  }

  private globalLine(file: string, line: number, name: string, args: string[]): void {
    const g = this.global;
    const set = <T>(value: T): HaproxySetting<T> => ({ value, file, line, inherited: false });
    const a0 = args[0];
    switch (name) {
      case 'maxconn': {
        const n = this.integer(a0, name, file, line);
        if (n !== null) g.maxconn = set(n);
        break;
      }
      case 'user':
        if (a0 !== undefined) g.user = set(a0);
        break;
      case 'group':
        if (a0 !== undefined) g.group = set(a0);
        break;
      case 'chroot':
        if (a0 !== undefined) g.chroot = set(a0);
        break;
      case 'ca-base':
        if (a0 !== undefined) g.caBase = set(a0);
        break;
      case 'crt-base':
        if (a0 !== undefined) g.crtBase = set(a0);
        break;
      case 'ssl-server-verify':
        if (a0 !== undefined) g.sslServerVerify = set(a0);
        break;
      case 'log':
        this.logLine(g.logs, file, line, args);
        break;
      case 'stats':
        if (a0 === 'socket' && args[1] !== undefined) g.statsSockets.push({ path: args[1].replace(/^unix@/, ''), args: args.slice(2), file, line });
        break;
      default:
        break;
    }
  }

  private logLine(logs: HaproxyLog[], file: string, line: number, args: string[]): void {
    const target = args[0];
    if (target === undefined) {
      this.errors.push({ file, line, message: "'log' expects either <address[:port]> and <facility> or 'global' as arguments" });
      return;
    }
    // Skip "len <n>", "format <f>", "sample <r>:<s>" to reach facility and levels.
    const rest: string[] = [];
    for (let i = 1; i < args.length; i++) {
      const w = args[i] ?? '';
      if (w === 'len' || w === 'format' || w === 'sample') i++;
      else rest.push(w);
    }
    const entry: HaproxyLog = { target, file, line };
    if (rest[0] !== undefined) entry.facility = rest[0];
    if (rest[1] !== undefined) entry.level = rest[1];
    logs.push(entry);
  }

  private proxyLine(p: HaproxyDefaults | HaproxyFrontend | HaproxyBackend, file: string, line: number, name: string, args: string[], kind: 'defaults' | 'frontend' | 'backend' | 'listen'): void {
    const set = <T>(value: T): HaproxySetting<T> => ({ value, file, line, inherited: false });
    const a0 = args[0];
    const isBackend = kind === 'backend' || kind === 'listen';
    switch (name) {
      case 'mode':
        if (a0 !== undefined) p.mode = set(a0);
        return;
      case 'timeout': {
        const which = a0 as HaproxyTimeoutName | undefined;
        const value = args[1];
        if (which === undefined || !(HAPROXY_TIMEOUTS as readonly string[]).includes(which)) {
          this.errors.push({ file, line, message: `'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '${a0 ?? ''}')` });
          return;
        }
        const ms = value === undefined ? null : haproxyTime(value);
        if (ms === null) this.errors.push({ file, line, message: `'timeout ${which}' expects an integer value (in milliseconds or with a unit), got '${value ?? ''}'` });
        else p.timeouts[which] = { value: ms, raw: value ?? '', file, line, inherited: false };
        return;
      }
      case 'contimeout':
      case 'clitimeout':
      case 'srvtimeout':
        this.errors.push({ file, line, message: `'${name}' is not supported anymore since HAProxy 2.1; use 'timeout ${LEGACY_TIMEOUTS[name] ?? ''}'` });
        return;
      case 'retries': {
        const n = this.integer(a0, name, file, line);
        if (n !== null) p.retries = set(n);
        return;
      }
      case 'maxconn': {
        const n = this.integer(a0, name, file, line);
        if (n !== null) p.maxconn = set(n);
        return;
      }
      case 'balance':
        if (a0 !== undefined) p.balance = set(args.join(' '));
        return;
      case 'http-reuse':
        if (a0 !== undefined) p.httpReuse = set(a0);
        return;
      case 'log-format':
        if (a0 !== undefined) p.logFormat = set(args.join(' '));
        return;
      case 'log':
        if (a0 === 'global') p.logs.push({ target: 'global', file, line });
        else this.logLine(p.logs, file, line, args);
        return;
      case 'errorfile':
        if (a0 !== undefined && args[1] !== undefined) p.errorFiles[a0] = set(args[1]);
        return;
      case 'no':
        // "no log" drops the log lines inherited from defaults.
        if (a0 === 'log') p.logs = [];
        else this.optionLine(p, file, line, name, args);
        return;
      case 'option':
      case 'default':
        this.optionLine(p, file, line, name, args);
        return;
      case 'default-server': {
        const { keywords, problems } = readServerKeywords(args);
        for (const m of problems) this.errors.push({ file, line, message: m });
        if ('defaultServer' in p) p.defaultServer.push(...keywords);
        else if (isBackend) this.backendDefaultServer.get(p as HaproxyBackend)?.push(...keywords);
        else this.errors.push({ file, line, message: "'default-server' not allowed in a frontend" });
        return;
      }
      case 'server':
      case 'server-template':
        if (!isBackend) {
          this.errors.push({ file, line, message: `'${name}' not allowed in a ${kind} section` });
          return;
        }
        this.pendingServers.get(p as HaproxyBackend)?.push({ words: args, file, line, template: name === 'server-template' });
        return;
      case 'http-check':
        // The first rule of a proxy's own replaces the rules it inherited.
        if (!this.ownCheckRules.has(p)) {
          this.ownCheckRules.add(p);
          p.httpCheckRules = [];
        }
        p.httpCheckRules.push({ file, line, name, args, section: this.sectionRef });
        return;
      case 'bind':
        if (kind === 'frontend' || kind === 'listen') (p as HaproxyFrontend | HaproxyBackend).binds.push({ address: a0 ?? '', args: args.slice(1), file, line });
        else this.errors.push({ file, line, message: `'bind' not allowed in a ${kind} section` });
        return;
      case 'default_backend':
        if (kind === 'frontend' && a0 !== undefined) (p as HaproxyFrontend).defaultBackend = set(a0);
        return;
      case 'use_backend':
        if (kind === 'frontend' && a0 !== undefined) (p as HaproxyFrontend).useBackends.push({ backend: a0, condition: args.slice(1), file, line });
        return;
      default:
        return;
    }
  }

  private optionLine(p: HaproxyProxySettings, file: string, line: number, name: string, args: string[]): void {
    // "no option X" turns an inherited option off; "default option X" restores the defaults' value.
    const negate = name === 'no';
    const words = name === 'option' ? args : args.slice(1);
    if (name !== 'option' && args[0] !== 'option') return;
    const opt = words[0];
    if (opt === undefined) {
      this.errors.push({ file, line, message: "'option' expects an option name" });
      return;
    }
    if (name !== 'option' && NOT_NEGATABLE.has(opt)) {
      this.errors.push({ file, line, message: `negation/default is not supported for option '${opt}'` });
      return;
    }
    const set = { value: !negate, file, line, inherited: false };
    if (name === 'default') return;
    if (opt === 'httplog') p.httplog = set;
    else if (opt === 'tcplog') p.tcplog = set;
    else if (opt === 'httpchk') {
      if (negate) delete p.httpchk;
      else {
        const rest = words.slice(1);
        // One argument is the URI; two or three are method, URI and version.
        const [method, uri, version] = rest.length === 1 ? ['OPTIONS', rest[0] ?? '/', undefined] : [rest[0] ?? 'OPTIONS', rest[1] ?? '/', rest[2]];
        p.httpchk = { method, uri, file, line, inherited: false, ...(version !== undefined ? { version } : {}) };
      }
    }
    p.options[opt] = set;
  }

  private resolversLine(r: HaproxyResolvers, file: string, line: number, name: string, args: string[]): void {
    switch (name) {
      case 'nameserver':
        if (args[0] !== undefined && args[1] !== undefined) r.nameservers.push({ name: args[0], address: args[1], file, line });
        else this.errors.push({ file, line, message: "'nameserver' expects <name> and <addr>[:<port>]" });
        return;
      case 'parse-resolv-conf':
        r.parseResolvConf = true;
        return;
      case 'resolve_retries': {
        const n = this.integer(args[0], name, file, line);
        if (n !== null) r.resolveRetries = n;
        return;
      }
      case 'timeout':
      case 'hold': {
        const ms = haproxyTime(args[1] ?? '');
        if (args[0] === undefined || ms === null) this.errors.push({ file, line, message: `'${name}' expects <event> and <time>` });
        else (name === 'timeout' ? r.timeouts : r.hold)[args[0]] = ms;
        return;
      }
      default:
        return;
    }
  }

  private integer(text: string | undefined, keyword: string, file: string, line: number): number | null {
    if (text !== undefined && /^\d+$/.test(text)) return Number(text);
    this.errors.push({ file, line, message: `'${keyword}' expects an integer argument, got '${text ?? ''}'` });
    return null;
  }

  finish(files: string[]): HaproxyParse {
    for (const b of this.backends) this.resolveServers(b);
    this.crossCheck();
    return {
      model: { global: this.global, defaults: this.defaults, frontends: this.frontends, backends: this.backends, resolvers: this.resolvers, files },
      directives: this.directives,
      errors: this.errors,
      notes: this.notes,
    };
  }

  private resolveServers(b: HaproxyBackend): void {
    const defs = this.proxyDefaults.get(b) ?? null;
    const caBase = this.global.caBase?.value;
    const inherited = [...(defs?.defaultServer ?? []), ...(this.backendDefaultServer.get(b) ?? [])];
    const base = applyServerKeywords({ other: {} }, inherited, caBase).options;
    for (const s of this.pendingServers.get(b) ?? []) {
      const [name, ...rest] = s.words;
      let template: HaproxyServer['template'];
      let words = rest;
      if (s.template) {
        const range = rest[0] ?? '';
        const m = /^(\d+)(?:-(\d+))?$/.exec(range);
        const count = m ? (m[2] !== undefined ? Number(m[2]) - Number(m[1]) + 1 : Number(m[1])) : 0;
        if (!m) this.errors.push({ file: s.file, line: s.line, message: `'server-template' expects <prefix> <num|range> <fqdn>[:<port>], got '${range}'` });
        template = { range, count };
        words = rest.slice(1);
      }
      const [addrText, ...params] = words;
      if (name === undefined || addrText === undefined) {
        this.errors.push({ file: s.file, line: s.line, message: `'server' expects <name> and <addr>[:<port>] as arguments` });
        continue;
      }
      const read = readServerKeywords(params);
      const applied = applyServerKeywords(base, read.keywords, caBase);
      for (const m of [...read.problems, ...applied.problems]) this.errors.push({ file: s.file, line: s.line, message: `server ${b.name}/${name}: ${m}` });
      const addr = parseServerAddress(addrText);
      const server: HaproxyServer = { name, file: s.file, line: s.line, address: addr.address, port: addr.port, unix: addr.unix, addr, options: applied.options, args: params };
      if (template) server.template = template;
      b.servers.push(server);
    }
  }

  // What HAProxy itself refuses or warns about once everything is read.
  private crossCheck(): void {
    const backendNames = new Set(this.backends.map((b) => b.name));
    for (const f of this.frontends) {
      const refs = [...(f.defaultBackend ? [{ backend: f.defaultBackend.value, file: f.defaultBackend.file, line: f.defaultBackend.line }] : []), ...f.useBackends];
      for (const r of refs) {
        // use_backend may name a backend with a log-format expression (%[...]), resolved per request.
        if (!r.backend.includes('%[') && !backendNames.has(r.backend)) this.errors.push({ file: r.file, line: r.line, message: `proxy '${f.name}': unable to find required default_backend or use_backend: '${r.backend}'` });
      }
    }
    const resolverNames = new Set(this.resolvers.map((r) => r.name));
    for (const b of this.backends) {
      for (const s of b.servers) {
        const r = s.options.resolvers;
        if (r !== undefined && !resolverNames.has(r)) this.errors.push({ file: s.file, line: s.line, message: `${b.name}/${s.name}: unable to find required resolvers '${r}'` });
      }
    }
  }
}

/** Copy a defaults section's settings into a proxy, marking each value inherited. */
function inherit(d: HaproxyProxySettings): HaproxyProxySettings {
  const mark = <T extends { inherited: boolean }>(v: T | undefined): T | undefined => (v ? { ...v, inherited: true } : undefined);
  const out: HaproxyProxySettings = {
    timeouts: Object.fromEntries(Object.entries(d.timeouts).map(([k, v]) => [k, { ...v, inherited: true }])),
    options: Object.fromEntries(Object.entries(d.options).map(([k, v]) => [k, { ...v, inherited: true }])),
    logs: [...d.logs],
    errorFiles: Object.fromEntries(Object.entries(d.errorFiles).map(([k, v]) => [k, { ...v, inherited: true }])),
    httpCheckRules: [...d.httpCheckRules],
  };
  const keys = ['mode', 'retries', 'httplog', 'tcplog', 'logFormat', 'httpReuse', 'httpchk', 'balance', 'maxconn'] as const;
  for (const k of keys) {
    const v = mark(d[k] as HaproxySetting<unknown> | undefined);
    if (v) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
