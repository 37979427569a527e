/**
 * PHP-FPM configuration parser: php-fpm.conf and its `include=` globs (pool.d/*.conf), INI lines read one at a time
 * as php-fpm reads them, `$pool` and `${ENV}` expanded, to a model per pool of what decides 502/503/504 in front of
 * PHP: where it listens and who may connect, how many children it runs, and when it kills a slow request.
 * Checks follow php-fpm 8.2's own (sapi/fpm/fpm/fpm_conf.c), with its messages.
 */
import { isAbsolute, join } from 'node:path';
import { ConfigFileSet, type ConfigDirective, type ConfigInput, type ConfigMessage, expandGlob, hasWildcard, isDirectory, type ParsedConfig, splitLines } from './config-files.js';

/** A value with the line that set it; `raw` is the text after `=` as written. */
export interface FpmSetting<T> {
  value: T;
  raw: string;
  file: string;
  line: number;
}

export type FpmListen = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string | null; port: number };

/** php-fpm's values for settings a pool leaves unset (php-fpm 8.2; listen.backlog is 511 on Linux). */
export const FPM_DEFAULTS = { listenBacklog: 511, listenMode: '0660', processIdleTimeoutMs: 10_000, requestTerminateTimeoutMs: 0, maxRequests: 0 } as const;

export interface FpmPool {
  name: string;
  /** Where its section first opens. */
  file: string;
  line: number;
  listen?: FpmSetting<FpmListen>;
  listenOwner?: FpmSetting<string>;
  listenGroup?: FpmSetting<string>;
  listenMode?: FpmSetting<string>;
  listenBacklog?: FpmSetting<number>;
  listenAllowedClients?: FpmSetting<string[]>;
  listenAclUsers?: FpmSetting<string>;
  listenAclGroups?: FpmSetting<string>;
  user?: FpmSetting<string>;
  group?: FpmSetting<string>;
  pm?: FpmSetting<'static' | 'dynamic' | 'ondemand'>;
  maxChildren?: FpmSetting<number>;
  startServers?: FpmSetting<number>;
  minSpareServers?: FpmSetting<number>;
  maxSpareServers?: FpmSetting<number>;
  maxRequests?: FpmSetting<number>;
  processIdleTimeoutMs?: FpmSetting<number>;
  /** 0 (the default) means never. */
  requestTerminateTimeoutMs?: FpmSetting<number>;
  requestSlowlogTimeoutMs?: FpmSetting<number>;
  slowlog?: FpmSetting<string>;
  statusPath?: FpmSetting<string>;
  pingPath?: FpmSetting<string>;
  accessLog?: FpmSetting<string>;
  catchWorkersOutput?: FpmSetting<boolean>;
  /** php_value / php_admin_value / php_flag / php_admin_flag by ini name (memory_limit, error_log...). */
  php: Record<string, FpmSetting<string> & { admin: boolean }>;
  env: Record<string, FpmSetting<string>>;
  /** Where PHP writes this pool's errors (php_admin_value[error_log]); unset: the global error_log via stderr. */
  errorLog?: FpmSetting<string>;
  /** Every `key = value` of the pool by lower-case key (the last one wins, as in php-fpm). */
  settings: Record<string, FpmSetting<string>>;
}

/** php-fpm's own log: a file, or syslog. `isDefault` when the config does not set it. */
export interface FpmLogTarget {
  kind: 'file' | 'syslog';
  path: string | null;
  raw: string;
  file: string;
  line: number;
  isDefault: boolean;
}

export interface FpmGlobal {
  pid?: FpmSetting<string>;
  errorLog: FpmLogTarget;
  logLevel?: FpmSetting<string>;
  emergencyRestartThreshold?: FpmSetting<number>;
  emergencyRestartIntervalMs?: FpmSetting<number>;
  processControlTimeoutMs?: FpmSetting<number>;
  processMax?: FpmSetting<number>;
  daemonize?: FpmSetting<boolean>;
  settings: Record<string, FpmSetting<string>>;
}

export interface FpmModel {
  global: FpmGlobal;
  pools: FpmPool[];
  files: string[];
}

export interface FpmDirective extends ConfigDirective {
  /** 'global', a pool name, or null for `[section]` lines themselves. */
  section: string | null;
}

export type FpmParse = ParsedConfig<FpmModel, FpmDirective>;

export interface FpmParseOptions {
  /** php-fpm's prefix for relative paths (`-p`; default PHP's install prefix, /usr on Debian). */
  prefix?: string;
  /** Where php-fpm logs when error_log is unset (PHP_LOCALSTATEDIR/log/php-fpm.log). */
  defaultErrorLog?: string;
  /** Environment for `${VAR}` in values; unknown ones become empty, as in PHP's INI parser. */
  env?: Readonly<Record<string, string>>;
}

const GLOBAL_KEYS = new Set([
  'pid', 'error_log', 'syslog.facility', 'syslog.ident', 'log_buffering', 'log_level', 'log_limit', 'emergency_restart_threshold',
  'emergency_restart_interval', 'process_control_timeout', 'process.max', 'process.priority', 'daemonize', 'rlimit_files',
  'rlimit_core', 'events.mechanism', 'systemd_interval',
]);
const POOL_KEYS = new Set([
  'prefix', 'user', 'group', 'listen', 'listen.owner', 'listen.group', 'listen.mode', 'listen.allowed_clients', 'listen.backlog',
  'listen.acl_users', 'listen.acl_groups', 'listen.setfib', 'process.priority', 'process.dumpable', 'pm', 'pm.max_children',
  'pm.start_servers', 'pm.min_spare_servers', 'pm.max_spare_servers', 'pm.max_spawn_rate', 'pm.process_idle_timeout',
  'pm.max_requests', 'pm.status_path', 'pm.status_listen', 'ping.path', 'ping.response', 'access.log', 'access.format', 'slowlog',
  'request_slowlog_timeout', 'request_slowlog_trace_depth', 'request_terminate_timeout', 'request_terminate_timeout_track_finished',
  'rlimit_files', 'rlimit_core', 'chroot', 'chdir', 'catch_workers_output', 'decorate_workers_output', 'clear_env',
  'security.limit_extensions', 'apparmor_hat',
]);
const ARRAY_KEYS = new Set(['env', 'php_value', 'php_admin_value', 'php_flag', 'php_admin_flag', 'access.suppress_path']);

/** php-fpm refuses a sixth file open at once ("failed to include more than 5 files recursively"). */
const MAX_INCLUDE_DEPTH = 5;

/**
 * Parse a php-fpm configuration (php-fpm.conf with its includes, or one pool file). Never throws.
 * @example
 * const { model } = parseFpmConfig('/etc/php/8.2/fpm/php-fpm.conf');
 * for (const p of model.pools) console.log(p.name, p.listen?.value, p.maxChildren?.value);
 */
export function parseFpmConfig(input: ConfigInput, options: FpmParseOptions = {}): FpmParse {
  const p = new FpmParser(options);
  const name = typeof input === 'string' ? input : input.name;
  const opened = typeof input === 'string' ? p.files.open(input) : p.files.openText(input.name, input.text);
  if (!opened.ok) p.errors.push({ file: name, line: 0, message: `failed to open configuration file '${name}': ${opened.reason}` });
  else {
    p.readText(opened.path, opened.text);
    p.files.leave();
  }
  return p.finish(name);
}

export type ValueResult = { value: string; error?: string };

/**
 * The value part of an INI line as PHP's scanner reads it: "double" (with ${VAR}), 'single', or bare up to `;`.
 * @example iniValue('/run/php/php8.2-fpm.sock ; comment', {}).value // '/run/php/php8.2-fpm.sock'
 */
export function iniValue(text: string, env: Readonly<Record<string, string>>, unknown: string[] = []): ValueResult {
  const s = text.trim();
  const expand = (v: string): string =>
    v.replace(/\$\{([^}]*)\}/g, (_a, n: string) => {
      const e = env[n];
      if (e === undefined) unknown.push(n);
      return e ?? '';
    });
  if (s.startsWith('"')) {
    let out = '';
    let i = 1;
    for (; i < s.length && s[i] !== '"'; i++) {
      if (s[i] === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) i++;
      out += s[i];
    }
    if (i >= s.length) return { value: out, error: 'syntax error, unexpected end of line (missing closing quote)' };
    return { value: expand(out) };
  }
  if (s.startsWith("'")) {
    const end = s.indexOf("'", 1);
    if (end < 0) return { value: s.slice(1), error: 'syntax error, unexpected end of line (missing closing quote)' };
    return { value: s.slice(1, end) };
  }
  const semi = s.indexOf(';');
  return { value: expand((semi >= 0 ? s.slice(0, semi) : s).trim()) };
}

/** php-fpm's fpm_conf_set_time: seconds with an optional s, m, h or d suffix; returned in ms. */
export function fpmTime(text: string): number | null {
  const m = /^(-?\d+)([smhd])?$/.exec(text.trim());
  if (!m) return null;
  const factor: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
  return Number(m[1]) * (factor[m[2] ?? 's'] ?? 1) * 1000;
}

/**
 * php-fpm's reading of `listen`: an address with a colon or all digits is TCP (a bare port listens on every
 * address); anything else is a unix socket path.
 * @example fpmListen('127.0.0.1:9000') // { kind: 'tcp', host: '127.0.0.1', port: 9000 }
 */
export function fpmListen(value: string, prefix: string): FpmListen | null {
  if (/^\d+$/.test(value)) return { kind: 'tcp', host: null, port: Number(value) };
  if (value.includes(':') && !value.startsWith('/')) {
    const m = /^(?:\[([^\]]*)\]|(.*)):(\d+)$/.exec(value);
    if (!m) return null;
    return { kind: 'tcp', host: m[1] ?? m[2] ?? null, port: Number(m[3]) };
  }
  return { kind: 'unix', path: isAbsolute(value) ? value : join(prefix, value) };
}

/** PHP's INI booleans as php-fpm sees them after the scanner ("1"/"" for yes/no, on/off, true/false). */
function iniBool(v: string): boolean | null {
  const l = v.toLowerCase();
  if (['1', 'yes', 'on', 'true'].includes(l)) return true;
  if (['', '0', 'no', 'off', 'false', 'none'].includes(l)) return false;
  return null;
}

interface RawPool {
  pool: FpmPool;
  sectionLines: Array<{ file: string; line: number }>;
}

class FpmParser {
  readonly errors: ConfigMessage[] = [];
  readonly notes: ConfigMessage[] = [];
  readonly directives: FpmDirective[] = [];
  readonly files = new ConfigFileSet();
  private readonly pools = new Map<string, RawPool>();
  private readonly globalSettings: Record<string, FpmSetting<string>> = {};
  private current: FpmPool | null = null;
  private readonly prefix: string;

  constructor(private readonly options: FpmParseOptions) {
    this.prefix = options.prefix ?? '/usr';
  }

  readText(file: string, text: string): void {
    const lines = splitLines(text);
    for (let i = 0; i < lines.length; i++) this.line(file, i + 1, lines[i] ?? '');
  }

  private line(file: string, lineNo: number, raw: string): void {
    const s = raw.trim();
    if (s === '' || s.startsWith(';')) return;
    const section = /^\[([^\]]*)\]\s*(;.*)?$/.exec(s);
    if (section) {
      this.section((section[1] ?? '').trim(), file, lineNo);
      return;
    }
    const eq = s.indexOf('=');
    if (eq < 0) {
      // php-fpm reads each line as an INI document; a bare word (a '#' comment too, since PHP 7) is an entry without value.
      this.errors.push({ file, line: lineNo, message: `[${file}:${lineNo}] value is NULL for a ZEND_INI_PARSER_ENTRY` });
      return;
    }
    const keyText = s.slice(0, eq).trim();
    const unknownVars: string[] = [];
    const v = iniValue(s.slice(eq + 1), this.options.env ?? {}, unknownVars);
    for (const n of unknownVars) this.notes.push({ file, line: lineNo, message: `\${${n}} is not set here; read as empty` });
    if (v.error) {
      this.errors.push({ file, line: lineNo, message: v.error });
      return;
    }
    const km = /^([^[\]]+?)\s*(?:\[([^\]]*)\])?$/.exec(keyText);
    const key = (km?.[1] ?? keyText).trim();
    const index = km?.[2];
    let value = v.value;
    if (value.includes('$pool')) {
      if (!this.current) {
        this.errors.push({ file, line: lineNo, message: `[${file}:${lineNo}] unable to parse value for entry '${key}': Can't use '$pool' when the pool is not defined` });
        return;
      }
      value = value.split('$pool').join(this.current.name);
    }
    const args = index !== undefined ? [index, value] : [value];
    this.directives.push({ file, line: lineNo, name: key, args, section: this.current?.name ?? 'global' });
    const setting: FpmSetting<string> = { value, raw: s.slice(eq + 1).trim(), file, line: lineNo };
    if (key === 'include') this.include(value, file, lineNo);
    else if (index !== undefined) this.arrayEntry(key, index, setting, file, lineNo);
    else if (!this.current) {
      if (!GLOBAL_KEYS.has(key.toLowerCase())) this.errors.push({ file, line: lineNo, message: `[${file}:${lineNo}] unknown entry '${key}'` });
      else this.globalSettings[key.toLowerCase()] = setting;
    } else {
      if (!POOL_KEYS.has(key.toLowerCase())) this.errors.push({ file, line: lineNo, message: `[${file}:${lineNo}] unknown entry '${key}'` });
      else this.current.settings[key.toLowerCase()] = setting;
    }
  }

  private section(name: string, file: string, line: number): void {
    this.directives.push({ file, line, name: `[${name}]`, args: [], section: null });
    // [global] switches back to the global settings; a pool name seen before reopens that pool.
    if (name.toLowerCase() === 'global') {
      this.current = null;
      return;
    }
    const key = name.toLowerCase();
    const existing = this.pools.get(key);
    if (existing) {
      existing.sectionLines.push({ file, line });
      this.current = existing.pool;
      return;
    }
    const pool: FpmPool = { name, file, line, php: {}, env: {}, settings: {} };
    this.pools.set(key, { pool, sectionLines: [{ file, line }] });
    this.current = pool;
  }

  private arrayEntry(key: string, index: string, setting: FpmSetting<string>, file: string, line: number): void {
    const pool = this.current;
    if (!ARRAY_KEYS.has(key)) {
      this.errors.push({ file, line, message: `[${file}:${line}] unknown directive '${key}'` });
      return;
    }
    if (!pool) {
      this.errors.push({ file, line, message: `[${file}:${line}] Array are not allowed in the global section` });
      return;
    }
    if (key === 'access.suppress_path') return;
    if (index === '') {
      this.errors.push({ file, line, message: `[${file}:${line}] You must provide a key for field '${key}'` });
      return;
    }
    if (key === 'env') {
      pool.env[index] = setting;
      return;
    }
    const flag = key.endsWith('_flag');
    const value = flag ? (iniBool(setting.value) ? 'On' : 'Off') : setting.value;
    const admin = key.startsWith('php_admin');
    // A php_admin_* value cannot be overridden by a later php_value (PHP applies admin values last).
    if (pool.php[index]?.admin && !admin) return;
    pool.php[index] = { ...setting, value, admin };
  }

  private include(pattern: string, file: string, line: number): void {
    const path = isAbsolute(pattern) ? pattern : join(this.prefix, pattern);
    if (!isAbsolute(pattern)) this.notes.push({ file, line, message: `include '${pattern}' is relative: php-fpm reads it from its prefix, ${path}` });
    const matches = (hasWildcard(path) ? expandGlob(path, this.files.limit) : [path]).filter((p) => !isDirectory(p));
    if (matches.length === 0) {
      this.notes.push({ file, line, message: `Nothing matches the include pattern '${pattern}' from ${file} at line ${line}.` });
      return;
    }
    // php-fpm keeps whatever section an included file ends in (its current pool is global state); so do we.
    for (const m of matches) {
      if (this.files.depth >= MAX_INCLUDE_DEPTH) {
        this.errors.push({ file, line, message: 'failed to include more than 5 files recursively' });
        return;
      }
      const r = this.files.open(m);
      if (!r.ok) {
        this.errors.push({ file, line, message: `Unable to include ${m} from ${file} at line ${line}: ${r.reason}` });
        if (this.files.exhausted) return;
        continue;
      }
      this.readText(r.path, r.text);
      this.files.leave();
    }
  }

  finish(mainFile: string): FpmParse {
    const pools = [...this.pools.values()].map((r) => this.buildPool(r.pool));
    const global = this.buildGlobal(mainFile);
    if (pools.length === 0) this.errors.push({ file: mainFile, line: 0, message: 'No pool defined. at least one pool section must be specified in config file' });
    this.checkPools(pools);
    return { model: { global, pools, files: this.files.read }, directives: this.directives, errors: this.errors, notes: this.notes };
  }

  private typed<T>(s: FpmSetting<string> | undefined, convert: (v: string) => T | null, what: string, pool: string): FpmSetting<T> | undefined {
    if (!s) return undefined;
    const value = convert(s.value);
    if (value === null) {
      this.errors.push({ file: s.file, line: s.line, message: `[${s.file}:${s.line}] unable to parse value for entry '${what}' of pool ${pool}: ${s.value}` });
      return undefined;
    }
    return { ...s, value };
  }

  private buildPool(p: FpmPool): FpmPool {
    const st = p.settings;
    const str = (k: string): FpmSetting<string> | undefined => st[k];
    const int = (k: string): FpmSetting<number> | undefined => this.typed(st[k], (v) => (/^-?\d+$/.test(v) ? Number(v) : null), k, p.name);
    const time = (k: string): FpmSetting<number> | undefined => this.typed(st[k], fpmTime, k, p.name);
    const prefix = st.prefix?.value ?? this.prefix;
    const out: FpmPool = { ...p };
    const assign = <K extends keyof FpmPool>(k: K, v: FpmPool[K] | undefined): void => {
      if (v !== undefined) out[k] = v;
    };
    assign('listen', this.typed(str('listen'), (v) => fpmListen(v, prefix), 'listen', p.name));
    assign('listenOwner', str('listen.owner'));
    assign('listenGroup', str('listen.group'));
    assign('listenMode', str('listen.mode'));
    assign('listenBacklog', int('listen.backlog'));
    assign('listenAllowedClients', this.typed(str('listen.allowed_clients'), (v) => v.split(',').map((x) => x.trim()).filter(Boolean), 'listen.allowed_clients', p.name));
    assign('listenAclUsers', str('listen.acl_users'));
    assign('listenAclGroups', str('listen.acl_groups'));
    assign('user', str('user'));
    assign('group', str('group'));
    assign('pm', this.typed(str('pm'), (v) => (['static', 'dynamic', 'ondemand'].includes(v.toLowerCase()) ? (v.toLowerCase() as 'static' | 'dynamic' | 'ondemand') : null), 'pm', p.name));
    assign('maxChildren', int('pm.max_children'));
    assign('startServers', int('pm.start_servers'));
    assign('minSpareServers', int('pm.min_spare_servers'));
    assign('maxSpareServers', int('pm.max_spare_servers'));
    assign('maxRequests', int('pm.max_requests'));
    assign('processIdleTimeoutMs', time('pm.process_idle_timeout'));
    assign('requestTerminateTimeoutMs', time('request_terminate_timeout'));
    assign('requestSlowlogTimeoutMs', time('request_slowlog_timeout'));
    assign('slowlog', str('slowlog'));
    assign('statusPath', str('pm.status_path'));
    assign('pingPath', str('ping.path'));
    assign('accessLog', str('access.log'));
    assign('catchWorkersOutput', this.typed(str('catch_workers_output'), iniBool, 'catch_workers_output', p.name));
    const el = p.php.error_log;
    if (el) out.errorLog = { value: el.value, raw: el.raw, file: el.file, line: el.line };
    return out;
  }

  private buildGlobal(mainFile: string): FpmGlobal {
    const st = this.globalSettings;
    const g: FpmGlobal = { errorLog: this.errorLog(st.error_log, mainFile), settings: st };
    const int = (k: string): FpmSetting<number> | undefined => this.typed(st[k], (v) => (/^-?\d+$/.test(v) ? Number(v) : null), k, 'global');
    const time = (k: string): FpmSetting<number> | undefined => this.typed(st[k], fpmTime, k, 'global');
    if (st.pid) g.pid = { ...st.pid, value: isAbsolute(st.pid.value) ? st.pid.value : join(this.prefix, st.pid.value) };
    if (st.log_level) g.logLevel = st.log_level;
    const assign = <K extends keyof FpmGlobal>(k: K, v: FpmGlobal[K] | undefined): void => {
      if (v !== undefined) g[k] = v;
    };
    assign('emergencyRestartThreshold', int('emergency_restart_threshold'));
    assign('emergencyRestartIntervalMs', time('emergency_restart_interval'));
    assign('processControlTimeoutMs', time('process_control_timeout'));
    assign('processMax', int('process.max'));
    assign('daemonize', this.typed(st.daemonize, iniBool, 'daemonize', 'global'));
    return g;
  }

  private errorLog(s: FpmSetting<string> | undefined, mainFile: string): FpmLogTarget {
    if (!s) {
      const path = this.options.defaultErrorLog ?? '/var/log/php-fpm.log';
      return { kind: 'file', path, raw: '', file: mainFile, line: 0, isDefault: true };
    }
    if (/^syslog$/i.test(s.value)) return { kind: 'syslog', path: null, raw: s.value, file: s.file, line: s.line, isDefault: false };
    return { kind: 'file', path: isAbsolute(s.value) ? s.value : join(this.prefix, s.value), raw: s.value, file: s.file, line: s.line, isDefault: false };
  }

  // fpm_conf_process_all_pools: what php-fpm refuses to start with, in its words.
  private checkPools(pools: FpmPool[]): void {
    const listeners = new Map<string, string>();
    for (const p of pools) {
      const at = { file: p.file, line: p.line };
      const err = (message: string, where: { file: string; line: number } = at): void => void this.errors.push({ ...where, message: `[pool ${p.name}] ${message}` });
      if (!p.listen) {
        if (!p.settings.listen) err('no listen address have been defined!');
      } else {
        const key = p.listen.value.kind === 'unix' ? p.listen.value.path : `${p.listen.value.host ?? '*'}:${p.listen.value.port}`;
        const other = listeners.get(key);
        if (other !== undefined) err(`unable to set listen address as it's already used in another pool '${other}'`, p.listen);
        listeners.set(key, p.name);
      }
      if (!p.pm) {
        if (!p.settings.pm) err('the process manager is missing (static, dynamic or ondemand)');
        continue;
      }
      const max = p.maxChildren?.value ?? 0;
      if (max < 1) {
        err('pm.max_children must be a positive value', p.maxChildren ?? at);
        continue;
      }
      if (p.pm.value === 'dynamic') this.checkDynamic(p, max, err);
      if (p.pm.value === 'ondemand' && p.processIdleTimeoutMs && p.processIdleTimeoutMs.value <= 0) err(`pm.process_idle_timeout(${p.processIdleTimeoutMs.value / 1000}s) must be greater than 0s`, p.processIdleTimeoutMs);
      const slow = p.requestSlowlogTimeoutMs?.value ?? 0;
      const term = p.requestTerminateTimeoutMs?.value ?? 0;
      if (slow > 0 && !p.slowlog) err("'slowlog' must be specified for use with 'request_slowlog_timeout'", p.requestSlowlogTimeoutMs);
      if (slow > 0 && term > 0 && slow > term) err(`'request_slowlog_timeout' (${slow / 1000}) can't be greater than 'request_terminate_timeout' (${term / 1000})`, p.requestSlowlogTimeoutMs);
    }
  }

  private checkDynamic(p: FpmPool, max: number, err: (m: string, at?: { file: string; line: number }) => void): void {
    const min = p.minSpareServers?.value ?? 0;
    const maxSpare = p.maxSpareServers?.value ?? 0;
    if (min <= 0) return err(`pm.min_spare_servers(${min}) must be a positive value`, p.minSpareServers);
    if (maxSpare <= 0) return err(`pm.max_spare_servers(${maxSpare}) must be a positive value`, p.maxSpareServers);
    if (min > max || maxSpare > max) return err(`pm.min_spare_servers(${min}) and pm.max_spare_servers(${maxSpare}) cannot be greater than pm.max_children(${max})`, p.maxChildren);
    if (maxSpare < min) return err(`pm.max_spare_servers(${maxSpare}) must not be less than pm.min_spare_servers(${min})`, p.maxSpareServers);
    if (!p.startServers) {
      const start = min + Math.trunc((maxSpare - min) / 2);
      this.notes.push({ file: p.file, line: p.line, message: `[pool ${p.name}] pm.start_servers is not set. It's been set to ${start}.` });
    } else if (p.startServers.value < min || p.startServers.value > maxSpare) {
      err(`pm.start_servers(${p.startServers.value}) must not be less than pm.min_spare_servers(${min}) and not greater than pm.max_spare_servers(${maxSpare})`, p.startServers);
    }
  }
}
