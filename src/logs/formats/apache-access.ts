/**
 * Apache httpd access logs: a `LogFormat` string compiled into the same parser nginx access logs use, by naming
 * each directive with the nginx variable of the same meaning (%h → $remote_addr, %>s → $status, %r → $request,
 * %{BALANCER_WORKER_NAME}e → $upstream_addr...). Apache writes %t when the request arrived, nginx $time_local
 * when it ended: with a duration in the format (%D, %T, %{ms}T) the line's time is moved to the end, so it meets
 * the error log's line of the same failure. Directives: httpd docs, mod_log_config ("Custom Log Formats").
 */
import type { Fact } from '../../evidence/facts.js';
import { accessLogFor, type AccessLogFormat } from './nginx-access.js';
import type { CompiledLogFormat } from './nginx-log-format.js';
import type { AccessRecord, ParseContext } from './types.js';

/** Variables that carry Apache durations; nginx has none in these units. */
export const DURATION_US = 'apache_duration_us';
export const DURATION_MS = 'apache_duration_ms';
/** %T and %{s}T are whole seconds: nginx's $request_time unit. */
export const DURATION_S = 'request_time';

/** A compiled Apache format: the nginx shape, plus what the access parser needs to know beyond it. */
export interface ApacheCompiledLogFormat extends CompiledLogFormat {
  /** The time field is the request's start (%t, %{begin:...}t): add the duration to get its end. */
  startTime: boolean;
}

interface Directive {
  letter: string;
  param?: string;
  /** "%>s" final, "%<s" original. */
  which: '>' | '<' | '';
}

type Piece = { lit: string } | { d: Directive };

/** A directive's field: the nginx variable it becomes and the shape of its value. */
interface Field {
  v: string;
  shape: 'status' | 'num' | 'clf' | 'clf-bare' | 'iso' | 'epoch' | 'text';
}

/**
 * Accept the format as users copy it: the bare string, the quoted argument with `\"` escapes, or the whole
 * `LogFormat "..." nickname` line.
 */
function formatText(raw: string): string {
  let s = raw.trim();
  const directive = /^(?:LogFormat|CustomLog\s+\S+)\s+/i.exec(s);
  if (directive) s = s.slice(directive[0].length);
  if (s.startsWith('"')) {
    let end = 1;
    while (end < s.length && s[end] !== '"') end += s[end] === '\\' ? 2 : 1;
    // Quotes around the whole format (then only a nickname may follow), not a format that starts with one.
    if (/^(?:\s+[^\s%]+)?\s*$/.test(s.slice(end + 1))) s = s.slice(1, end);
    else if (!s.includes('\\"')) return s;
  } else if (!s.includes('\\"')) {
    return s;
  }
  return s.replace(/\\(["\\tn])/g, (_m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c));
}

function tokenize(fmt: string): Piece[] {
  const out: Piece[] = [];
  let lit = '';
  const re = /%(?:!?\d{3}(?:,\d{3})*)?([<>]?)(?:\{([^}]*)\})?(\^t[io]|[a-zA-Z%])/y;
  for (let i = 0; i < fmt.length; ) {
    if (fmt[i] !== '%') {
      lit += fmt[i];
      i++;
      continue;
    }
    re.lastIndex = i;
    const m = re.exec(fmt);
    if (!m) {
      lit += '%';
      i++;
      continue;
    }
    i = re.lastIndex;
    const letter = m[3] ?? '';
    if (letter === '%') {
      lit += '%';
      continue;
    }
    if (lit) out.push({ lit });
    lit = '';
    const d: Directive = { letter, which: m[1] === '>' || m[1] === '<' ? m[1] : '' };
    if (m[2] !== undefined) d.param = m[2];
    out.push({ d });
  }
  if (lit) out.push({ lit });
  return out;
}

/** nginx spells request headers $http_user_agent: lower case, dashes as underscores. */
const headerVar = (prefix: string, name: string): string => `${prefix}${name.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;

/** The strftime layouts of `%{...}t` that a time parser here reads. */
function timeField(param: string): Field & { end: boolean } {
  const end = param.startsWith('end:');
  const p = param.replace(/^(?:begin|end):/, '');
  if (p === '%d/%b/%Y:%H:%M:%S %z') return { v: 'time_local', shape: 'clf-bare', end };
  if (p === '%Y-%m-%dT%H:%M:%S%z') return { v: 'time_iso8601', shape: 'iso', end };
  // nginx $msec is seconds since the epoch: %{sec}t is the same number without the fraction.
  if (p === 'sec') return { v: 'msec', shape: 'epoch', end };
  // %{msec}t, %{usec}t, fractions and other layouts: kept as text, the line has no time then.
  return { v: `apache_time_${p.replace(/[^a-z]/gi, '') || 'custom'}`, shape: /^u?m?sec$/.test(p) ? 'epoch' : 'text', end };
}

/** What an Apache directive is in nginx's words. `owns(role)`: this directive is the one that takes the role. */
function fieldOf(d: Directive, owns: (role: string) => boolean): Field {
  const p = d.param;
  switch (d.letter) {
    case 'a':
      // %a is the client (after mod_remoteip), %{c}a the connection's peer.
      if (p === 'c') return { v: owns('client') ? 'remote_addr' : 'apache_peer_addr', shape: 'text' };
      return { v: owns('client') ? 'remote_addr' : 'apache_client_addr', shape: 'text' };
    case 'h':
      return { v: owns('client') ? 'remote_addr' : 'apache_remote_host', shape: 'text' };
    case 'l':
      return { v: 'remote_logname', shape: 'text' };
    case 'u':
      return { v: 'remote_user', shape: 'text' };
    case 't':
      return p === undefined ? { v: 'time_local', shape: 'clf' } : timeField(p);
    case 'r':
      return { v: 'request', shape: 'text' };
    case 'm':
      return { v: 'request_method', shape: 'text' };
    case 'U':
      return { v: 'request_uri', shape: 'text' };
    case 'q':
      return { v: 'apache_query', shape: 'text' };
    case 'H':
      return { v: 'server_protocol', shape: 'text' };
    case 's':
      // %>s is the status sent; %s (and %<s) the original one, read as the status only without a %>s.
      return owns('status') ? { v: 'status', shape: 'status' } : { v: 'apache_original_status', shape: 'status' };
    case 'b':
    case 'B':
      return { v: 'body_bytes_sent', shape: 'num' };
    case 'O':
      return { v: 'bytes_sent', shape: 'num' };
    case 'I':
      return { v: 'request_length', shape: 'num' };
    case 'S':
      return { v: 'apache_bytes_transferred', shape: 'num' };
    case 'D':
      return { v: DURATION_US, shape: 'num' };
    case 'T':
      if (p === 'ms') return { v: DURATION_MS, shape: 'num' };
      if (p === 'us') return { v: DURATION_US, shape: 'num' };
      return { v: DURATION_S, shape: 'num' };
    case 'v':
      return { v: 'server_name', shape: 'text' };
    case 'V':
      return { v: owns('host') ? 'host' : 'apache_server_name', shape: 'text' };
    case 'p':
      return { v: p === 'remote' ? 'remote_port' : 'server_port', shape: 'num' };
    case 'P':
      return { v: p === 'tid' || p === 'hextid' ? 'apache_thread' : 'pid', shape: p === 'hextid' ? 'text' : 'num' };
    case 'k':
      return { v: 'connection_requests', shape: 'num' };
    case 'L':
      return { v: owns('request-id') ? 'request_id' : 'apache_log_id', shape: 'text' };
    case 'f':
      return { v: 'request_filename', shape: 'text' };
    case 'X':
      return { v: 'apache_connection_status', shape: 'text' };
    case 'i': {
      const name = (p ?? '').toLowerCase();
      if (name === 'host') return { v: owns('host') ? 'host' : 'http_host', shape: 'text' };
      if (name === 'x-request-id' && owns('request-id')) return { v: 'request_id', shape: 'text' };
      return { v: headerVar('http_', p ?? ''), shape: 'text' };
    }
    case 'o':
      return { v: headerVar('sent_http_', p ?? ''), shape: 'text' };
    case 'C':
      return { v: headerVar('cookie_', p ?? ''), shape: 'text' };
    case 'e': {
      // mod_proxy_balancer's notes: the member that served the request, and the balancer.
      if (p === 'BALANCER_WORKER_NAME') return { v: 'upstream_addr', shape: 'text' };
      if (p === 'BALANCER_NAME') return { v: 'proxy_upstream_name', shape: 'text' };
      if (p === 'UNIQUE_ID' && owns('request-id')) return { v: 'request_id', shape: 'text' };
      return { v: headerVar('apache_env_', p ?? ''), shape: 'text' };
    }
    case 'n':
      return { v: headerVar('apache_note_', p ?? ''), shape: 'text' };
    case 'x':
      return { v: (p ?? 'apache_x').toLowerCase(), shape: 'text' };
    default:
      return { v: headerVar('apache_', `${d.letter}${p ? `_${p}` : ''}`), shape: 'text' };
  }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pattern of one field, typed where the value has a fixed shape, else up to the next literal. */
function patternOf(f: Field, prev: Piece | undefined, next: Piece | undefined): string {
  const stop = next && 'lit' in next ? next.lit[0] : undefined;
  switch (f.shape) {
    case 'status':
      return '(\\d{3}|-)';
    case 'num':
      return '(-|\\d+)';
    case 'epoch':
      return '(\\d+(?:\\.\\d+)?)';
    case 'clf':
      return '\\[(\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4})\\]';
    case 'clf-bare':
      return '(\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4})';
    case 'iso':
      return '(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:?\\d{2}))';
    default:
      break;
  }
  // Inside quotes Apache escapes '"' and '\' (ap_escape_logitem): read escapes, stop at the closing quote.
  if (stop === '"' && prev && 'lit' in prev && prev.lit.endsWith('"')) return '((?:[^"\\\\\\n]|\\\\.)*)';
  // The last field takes the rest; a field glued to the next directive (no text between) ends at a space.
  if (next === undefined) return '(.*)';
  if (stop === undefined) return '(\\S*)';
  return `([^${escapeRe(stop)}\\n]*)`;
}

/**
 * Fields of variable length are matched atomically (a lookahead capture, then a back-reference to it): the
 * engine never tries shorter values, so a line that does not match fails in linear time even when a format
 * glues directives together ("%h%l%u") or a line is 100 kB of garbage.
 */
function atomic(pattern: string, group: number, shape: Field['shape']): string {
  return shape === 'text' || shape === 'num' || shape === 'epoch' ? `(?=${pattern})\\${group}` : pattern;
}

/**
 * Compile an Apache `LogFormat` string into the shape nginx's access parser reads (nginx variable names).
 * @example compileApacheLogFormat('combined', '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"')
 */
export function compileApacheLogFormat(name: string, format: string): ApacheCompiledLogFormat {
  const pieces = tokenize(formatText(format));
  const directives = pieces.flatMap((p) => ('d' in p ? [p.d] : []));
  // Which directive takes each role nginx's parser reads, by precedence: the client is %a (after
  // mod_remoteip), else %h, else %{c}a; the status %>s, else %s; the host the Host header, else %V.
  const owner = new Map<string, Directive>();
  const pick = (role: string, ...preds: ((d: Directive) => boolean)[]): void => {
    for (const pred of preds) {
      const d = directives.find(pred);
      if (d) {
        owner.set(role, d);
        return;
      }
    }
  };
  const header = (d: Directive, name: string): boolean => d.letter === 'i' && (d.param ?? '').toLowerCase() === name;
  pick('client', (d) => d.letter === 'a' && d.param !== 'c', (d) => d.letter === 'h', (d) => d.letter === 'a');
  pick('status', (d) => d.letter === 's' && d.which === '>', (d) => d.letter === 's');
  pick('host', (d) => header(d, 'host'), (d) => d.letter === 'V');
  pick('request-id', (d) => d.letter === 'L', (d) => d.letter === 'e' && d.param === 'UNIQUE_ID', (d) => header(d, 'x-request-id'));
  let re = '^';
  const vars: string[] = [];
  let statusNeedle: Buffer | null = null;
  let startTime = false;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i];
    if (p === undefined) continue;
    if ('lit' in p) {
      re += escapeRe(p.lit);
      continue;
    }
    const next = pieces[i + 1];
    // %U%q is the request target: one $request_uri.
    if (p.d.letter === 'U' && next && 'd' in next && next.d.letter === 'q') {
      vars.push('request_uri');
      re += atomic(patternOf({ v: 'request_uri', shape: 'text' }, pieces[i - 1], pieces[i + 2]), vars.length, 'text');
      i++;
      continue;
    }
    const d = p.d;
    const f = fieldOf(d, (role) => owner.get(role) === d);
    if (f.v === 'time_local' || f.v === 'time_iso8601' || f.v === 'msec') startTime = !(d.param ?? '').startsWith('end:');
    vars.push(f.v);
    re += atomic(patternOf(f, pieces[i - 1], next), vars.length, f.shape);
    if (f.v === 'status') {
      const prev = pieces[i - 1];
      if (prev && 'lit' in prev && prev.lit.length > 0) statusNeedle = Buffer.from(`${prev.lit.slice(-3)}5`);
    }
  }
  re += '\\s*$';
  return { name, source: format, regex: new RegExp(re), vars, statusNeedle, tail: false, startTime };
}

/** Milliseconds the request took, from whichever duration the line carries (0 when none). */
function durationMs(c: ApacheCompiledLogFormat, g: RegExpExecArray): number {
  const value = (v: string): number => {
    const i = c.vars.indexOf(v);
    const n = i >= 0 ? Number(g[i + 1]) : NaN;
    return Number.isFinite(n) ? n : NaN;
  };
  const us = value(DURATION_US);
  if (!Number.isNaN(us)) return Math.round(us / 1000);
  const ms = value(DURATION_MS);
  if (!Number.isNaN(ms)) return ms;
  const s = value(DURATION_S);
  return Number.isNaN(s) ? 0 : s * 1000;
}

/** Facts and requests of an Apache line: Apache's, and at the request's end when the format says when that was. */
function apacheCtx(ctx: ParseContext, shift: number): ParseContext {
  const inner: ParseContext = {
    ...ctx,
    emit(f: Fact) {
      f.software = 'apache';
      if (shift !== 0 && f.time !== null) f.time += shift;
      ctx.emit(f);
    },
  };
  if (ctx.request) inner.request = (rec: AccessRecord) => ctx.request?.(shift !== 0 ? { ...rec, time: rec.time + shift } : rec);
  return inner;
}

/**
 * The access-log format for one Apache `LogFormat` string (as in the config, quotes and `\"` included or not).
 * @example apacheAccessLogFor('%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-agent}i\\" %D')
 */
export function apacheAccessLogFor(format: string, name = 'custom'): AccessLogFormat {
  return fromCompiled(compileApacheLogFormat(name, format));
}

function fromCompiled(c: ApacheCompiledLogFormat): AccessLogFormat {
  const base = accessLogFor(c, 'apache-access');
  const timed = c.startTime && (c.vars.includes(DURATION_US) || c.vars.includes(DURATION_MS) || c.vars.includes(DURATION_S));
  const shiftOf = (line: string): number => {
    if (!timed) return 0;
    const g = c.regex.exec(line);
    return g ? durationMs(c, g) : 0;
  };
  const f: AccessLogFormat = {
    ...base,
    title: `Apache access log (${c.name})`,
    software: 'apache',
    // A worker thread rebuilds it from the LogFormat string, not as an nginx log_format.
    recipe: { kind: 'apache-access', name: c.name, source: c.source, tail: false },
    withZone: () => f,
    timeOf(line) {
      return base.timeOf(line) + shiftOf(line);
    },
    parse(line, ctx) {
      return base.parse(line, apacheCtx(ctx, shiftOf(line)));
    },
  };
  return f;
}

/**
 * Apache's stock formats that nginx's own do not already read (combined and common are the same on both):
 * Debian's vhost_combined, combinedio (mod_logio), the docs' common-with-vhost, and combined followed by %D,
 * the usual way to log response times.
 */
export const KNOWN_APACHE_FORMATS: Readonly<Record<string, string>> = {
  vhost_combined: '%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"',
  combinedio: '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %I %O',
  'combined-D': '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D',
  vhost_common: '%v %h %l %u %t "%r" %>s %b',
};

let knownApache: AccessLogFormat[] | null = null;

/** The stock formats, compiled once. */
export function knownApacheFormats(): AccessLogFormat[] {
  knownApache ??= Object.entries(KNOWN_APACHE_FORMATS).map(([n, s]) => apacheAccessLogFor(s, n));
  return knownApache;
}

/**
 * Is this `--log-format` an Apache LogFormat (percent directives, no nginx `$variables`)?
 * @example isApacheLogFormat('%h %l %u %t "%r" %>s %b') // true
 */
export function isApacheLogFormat(format: string): boolean {
  return /%[<>]?(?:\{[^}]*\})?[a-zA-Z]/.test(format) && !/\$[A-Za-z_{]/.test(format);
}

/**
 * Choose the Apache format for a file from its first lines: a user-given LogFormat wins, else the stock format
 * that parses most of them; null when none does.
 */
export function pickApacheAccessFormat(head: string[], userFormat?: string): AccessLogFormat | null {
  if (userFormat) return apacheAccessLogFor(userFormat);
  let best: { f: AccessLogFormat; hits: number } | null = null;
  for (const k of knownApacheFormats()) {
    let hits = 0;
    for (const l of head) if (k.compiled.regex.test(l)) hits++;
    if (hits > 0 && (!best || hits > best.hits)) best = { f: k, hits };
  }
  return best?.f ?? null;
}

/** The detection entry: any stock Apache format nginx's formats do not read; parses line by line. */
export const apacheAccessLog: AccessLogFormat = (() => {
  const variants = knownApacheFormats();
  const first = variants[0];
  if (!first) throw new Error('no Apache formats');
  let lastHit = first;
  const f: AccessLogFormat = {
    ...first,
    id: 'apache-access',
    title: 'Apache access log (vhost_combined, combinedio, vhost_common, combined + %D)',
    // Above nginx's own score for the same line (nginx's combined+ also reads "combined + %D" as a tail):
    // read as Apache's, the trailing number is a duration and the time moves to the request's end.
    sniff(line) {
      for (const v of variants) if (v.compiled.regex.test(line)) return 0.65 + Math.min(v.compiled.vars.length, 30) / 100;
      return 0;
    },
    timeOf(line) {
      for (const v of variants) {
        const t = v.timeOf(line);
        if (!Number.isNaN(t)) return t;
      }
      return NaN;
    },
    parse(line, ctx) {
      if (lastHit.parse(line, ctx)) return true;
      for (const v of variants) {
        if (v !== lastHit && v.parse(line, ctx)) {
          lastHit = v;
          return true;
        }
      }
      return false;
    },
    samples: [
      {
        line: 'lab.local:80 127.0.0.1 - - [01/Dec/2026:14:56:55 +0000] "GET /slow HTTP/1.1" 502 544 "-" "curl/7.88.1"',
        source: 'recorded on this host: Apache/2.4.71 (Debian 12), vhost_combined, ProxyTimeout 1 to an upstream that answers after 3 s',
        expect: { kind: 'gateway-status', status: 502, time: '2026-12-01T14:56:55Z' },
      },
      {
        line: 'lab.local:80 127.0.0.1 - - [01/Dec/2026:14:56:56 +0000] "GET /down HTTP/1.1" 503 529 "-" "curl/7.88.1"',
        source: 'recorded on this host: Apache/2.4.71 (Debian 12), vhost_combined, ProxyPass to a closed port',
        expect: { kind: 'gateway-status', status: 503 },
      },
      {
        line: '127.0.0.1 - - [01/Dec/2026:14:56:55 +0000] "GET /slow HTTP/1.1" 502 381 "-" "curl/7.88.1" 1001825',
        source: 'recorded on this host: Apache/2.4.71 (Debian 12), combined + %D, ProxyTimeout 1 (the time is moved to the end: %t + %D)',
        expect: { kind: 'gateway-status', status: 502, time: '2026-12-01T14:56:56.002Z' },
      },
      {
        line: '127.0.0.1 - - [01/Dec/2026:14:56:56 +0000] "GET /close HTTP/1.1" 502 381 "-" "curl/7.88.1" 2084',
        source: 'recorded on this host: Apache/2.4.71 (Debian 12), combined + %D, an upstream that closes without answering',
        expect: { kind: 'gateway-status', status: 502, time: '2026-12-01T14:56:56.002Z' },
      },
      {
        line: '127.0.0.1 - - [01/Dec/2026:14:56:56 +0000] "GET /down HTTP/1.1" 503 339 "-" "curl/7.88.1" 83 529',
        source: 'recorded on this host: Apache/2.4.71 (Debian 12), combinedio (%I %O), ProxyPass to a closed port',
        expect: { kind: 'gateway-status', status: 503, time: '2026-12-01T14:56:56Z' },
      },
      {
        line: '127.0.0.1 - - [01/Dec/2026:14:56:55 +0000] "GET /ok HTTP/1.1" 200 3 "-" "curl/7.88.1" 14055',
        source: 'recorded on this host: Apache/2.4.71 (Debian 12), combined + %D, a healthy request',
        expect: null,
      },
      {
        line: '172.17.0.2:8000 127.0.0.1 - - [28/Jan/2022:14:13:33 +0000] "POST /api/docker/start HTTP/1.1" 201 356 "https://192.168.178.98:8080/containers" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/97.0.4692.99 Safari/537.36"',
        source: 'https://github.com/nextcloud/all-in-one/issues/175 (vhost_combined)',
        expect: null,
      },
    ],
  };
  return f;
})();
