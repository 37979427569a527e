/**
 * HAProxy's log: HTTP log lines (`option httplog`, or a `log-format` that starts like it), TCP log lines
 * (`option tcplog`), and its own warnings and alerts (servers going DOWN, a backend with no server left, a
 * server name that does not resolve). Lines may carry a syslog prefix ("Dec  1 10:00:00 lb haproxy[123]: ").
 * Field layout: HAProxy doc/configuration.txt §8.2.2 (TCP) and §8.2.3 (HTTP); termination states §8.5.
 */
import type { ErrnoCode, Fact, FactKind, Stage } from '../../evidence/facts.js';
import { errnoFromText } from '../../evidence/errno.js';
import { haproxyState } from '../messages/tokens.js';
import { wallToUtc, type ZoneRule } from '../time.js';
import { splitRequest } from './access-fields.js';
import type { LogFormat, ParseContext, ScanFormat } from './types.js';

// Optional syslog prefix: "Feb  6 12:14:14 localhost haproxy[14389]: " or RFC 3339 time.
const SYSLOG = String.raw`(?:(?:(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{4}-\d{2}-\d{2}T\S+) \S+ )?haproxy\[\d+\]: )?`;
const ACCEPT = String.raw`(\S+):(\d+) \[(\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)\] (\S+) ([^\s/]+)\/(\S+)`;
// HTTP: TR/Tw/Tc/Tr/Ta status bytes cookie cookie state conns queues [{captures}] "request"[ rest]
const HTTP = new RegExp(
  `^${SYSLOG}${ACCEPT} (-?\\d+)\\/(-?\\d+)\\/(-?\\d+)\\/(-?\\d+)\\/\\+?(-?\\d+) (-?\\d{1,3}) \\+?(\\d+) (\\S+) (\\S+) ([-A-Za-z]{4}) (\\d+)\\/(\\d+)\\/(\\d+)\\/(\\d+)\\/\\+?(\\d+) (\\d+)\\/(\\d+)(?: \\{[^}]*\\})*(?: "((?:[^"\\\\]|\\\\.)*)")?(.*)$`,
);
// TCP: Tw/Tc/Tt bytes state conns queues
const TCP = new RegExp(`^${SYSLOG}${ACCEPT} (-?\\d+)\\/(-?\\d+)\\/\\+?(-?\\d+) \\+?(\\d+) ([-A-Za-z]{2,4}) (\\d+)\\/(\\d+)\\/(\\d+)\\/(\\d+)\\/\\+?(\\d+) (\\d+)\\/(\\d+)\\s*$`);
// Its own messages, with or without the "[WARNING]  (pid) : " stderr prefix.
const OWN = new RegExp(`^${SYSLOG}(?:\\[(WARNING|ALERT|NOTICE|EMERG)\\] +\\(\\d+\\) : )?(.*)$`);
const SERVER_DOWN = /^(?:Server|Backup Server) ([^/\s]+\/\S+) is DOWN, reason: ([^,]+)(?:, info: "([^"]*)")?/;
const NO_SERVER = /^(?:backend|proxy) '?([^'\s]+)'? has no server available!/;
const UNRESOLVED = /'server ([^']+)' : could not resolve address '([^']+)'/;
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** "06/Feb/2009:12:14:14.655" (HAProxy's %tr: local time, no zone) as wall-clock ms. */
function acceptWall(s: string): number {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(s);
  const mon = m ? MONTHS[m[2] ?? ''] : undefined;
  if (!m || mon === undefined) return NaN;
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  return Date.UTC(Number(m[3]), mon, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
}

/** The reason of an OpenSSL error string: "error:0A000086:SSL routines::certificate verify failed" → "certificate verify failed". */
function sslReason(err: string): string {
  const i = err.lastIndexOf(':');
  return (i >= 0 ? err.slice(i + 1) : err).trim().toLowerCase();
}

interface Meaning {
  kind: FactKind;
  stage?: Stage;
  errno?: ErrnoCode;
  detail: string;
}

/** What a TLS error logged with `%[ssl_bc_err_str]` says. */
function tlsMeaning(reason: string): Meaning {
  if (/certificate verify failed/.test(reason)) return { kind: 'tls-cert-untrusted', stage: 'tls', detail: `${reason} (HAProxy does not log which check failed)` };
  if (/certificate has expired|not yet valid/.test(reason)) return { kind: 'tls-cert-expired', stage: 'tls', detail: reason };
  return { kind: 'tls-handshake-failed', stage: 'tls', detail: reason };
}

/** What a health-check DOWN reason says about the server. */
function checkMeaning(reason: string, info: string): Meaning {
  const text = `${reason}: ${info}`;
  if (/SSL handshake failure|Layer6/.test(text)) return { kind: 'tls-handshake-failed', stage: 'tls', detail: text };
  if (/certificate different/.test(info)) return { kind: 'tls-name-mismatch', stage: 'tls', detail: info };
  const errno = errnoFromText(info);
  if (/timeout/i.test(text)) return { kind: 'timeout', stage: /Layer4/.test(reason) ? 'connect' : 'header', errno: 'ETIMEDOUT', detail: text };
  if (errno) return { kind: 'connect-failed', stage: 'connect', errno, detail: text };
  return { kind: 'upstream-disabled', detail: text };
}

function fact(kind: FactKind, ctx: ParseContext, line: string, time: number | null): Fact {
  return { kind, producer: 'haproxy', software: 'haproxy', ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line }, time };
}

/** HAProxy's request lines are its access log: one line per request, with the status the client got. */
function accessFact(kind: FactKind, ctx: ParseContext, line: string, time: number | null): Fact {
  return { ...fact(kind, ctx, line, time), producer: 'haproxy-access' };
}

function parseHttp(m: RegExpExecArray, line: string, ctx: ParseContext): void {
  const [, client, , accepted, , backend, server, , , tc, tr, ta, statusText, , , , state] = m;
  const wall = acceptWall(accepted ?? '');
  const total = Number(ta);
  // The line is written when the request ends: accept time plus its total time.
  const time = Number.isNaN(wall) ? null : wallToUtc(wall, ctx.zone) + (total > 0 ? total : 0);
  const status = Number(statusText);
  const req = splitRequest(m[24] ?? '');
  const noServer = server === '<NOSRV>';
  const upstream = noServer ? backend ?? '' : `${backend ?? ''}/${server ?? ''}`;
  const idle = time !== null && !noServer ? ctx.idleBefore?.(upstream, time - (total > 0 ? total : 0)) : null;
  if (ctx.request && time !== null && status > 0) {
    const rec: { time: number; status: number; path?: string; upstream?: string } = { time, status, upstream };
    if (req.uri) rec.path = req.uri.split('?')[0] ?? req.uri;
    ctx.request(rec);
  }
  const code = (state ?? '----').slice(0, 2);
  const tls = /\bssl_bc_err="?([^"]+)"?/.exec(m[25] ?? '');
  let meaning: Meaning | null = null;
  if (code === 'SC' && tls?.[1]) meaning = tlsMeaning(sslReason(tls[1]));
  else if (code === 'SC' && noServer) meaning = { kind: 'no-live-upstreams', stage: 'connect', detail: 'haproxy SC <NOSRV>: no server available' };
  else {
    const st = haproxyState(code);
    if (st) meaning = { kind: st.kind, ...(st.stage ? { stage: st.stage } : {}), detail: `haproxy ${state ?? code}` };
    // Nothing logged says why the server side failed, and the status came from the server: passed through.
    else if (status >= 500 && code[0] === '-' && Number(tr) >= 0) meaning = { kind: 'app-status', detail: `haproxy ${state ?? code}` };
    else if (status >= 500 && code[0] === '-') meaning = { kind: 'gateway-status', detail: `haproxy ${state ?? code}` };
  }
  if (!meaning) return;
  // A truncated body (SD) on a 200 still failed the visitor; other states matter only with an error status.
  if (!(status >= 500 || meaning.stage === 'body' || code[0] === 'S' || code[0] === 's')) return;
  const f = accessFact(meaning.kind, ctx, line, time);
  f.detail = meaning.detail;
  if (meaning.stage) f.stage = meaning.stage;
  if (meaning.errno) f.errno = meaning.errno;
  if (status > 0) f.status = status;
  if (upstream) f.upstream = upstream;
  f.request = { ...(client ? { client } : {}), ...req };
  const connect = Number(tc);
  const header = Number(tr);
  f.timing = { connect: [connect >= 0 ? connect / 1000 : null], header: [header >= 0 ? header / 1000 : null] };
  if (idle !== null && idle !== undefined) f.upstreamIdleMs = idle;
  ctx.emit(f);
}

function parseTcp(m: RegExpExecArray, line: string, ctx: ParseContext): void {
  const [, client, , accepted, , backend, server, , , tt, , state] = m;
  const wall = acceptWall(accepted ?? '');
  const total = Number(tt);
  const time = Number.isNaN(wall) ? null : wallToUtc(wall, ctx.zone) + (total > 0 ? total : 0);
  const code = (state ?? '--').slice(0, 2);
  const st = haproxyState(code);
  if (!st || !(code[0] === 'S' || code[0] === 's' || code[0] === 'P' || code[0] === 'R')) return;
  const f = accessFact(st.kind, ctx, line, time);
  f.detail = `haproxy ${state ?? code}`;
  if (st.stage) f.stage = st.stage;
  f.upstream = server === '<NOSRV>' ? backend ?? '' : `${backend ?? ''}/${server ?? ''}`;
  if (client) f.request = { client };
  ctx.emit(f);
}

function parseOwn(line: string, ctx: ParseContext): boolean {
  const m = OWN.exec(line);
  const text = m?.[2] ?? '';
  const down = SERVER_DOWN.exec(text);
  if (down) {
    const meaning = checkMeaning(down[2] ?? '', down[3] ?? '');
    // A server taken out by its health check: it explains the 503s that follow (context, not a request).
    const f = fact('upstream-disabled', ctx, line, null);
    f.upstream = down[1] ?? '';
    f.detail = meaning.kind === 'upstream-disabled' ? meaning.detail : `${meaning.kind}: ${meaning.detail}`;
    if (meaning.errno) f.errno = meaning.errno;
    if (meaning.stage) f.stage = meaning.stage;
    ctx.emit(f);
    return true;
  }
  const none = NO_SERVER.exec(text);
  if (none) {
    const f = fact('no-live-upstreams', ctx, line, null);
    f.upstream = none[1] ?? '';
    f.detail = 'haproxy: backend has no server available';
    ctx.emit(f);
    return true;
  }
  const unresolved = UNRESOLVED.exec(text);
  if (unresolved) {
    const f = fact('resolve-failed', ctx, line, null);
    f.stage = 'resolve';
    f.upstream = unresolved[2] ?? '';
    f.detail = 'at-start';
    ctx.emit(f);
    return true;
  }
  // Other notices and alerts of HAProxy's own (start-up, reloads) are recognised but carry no 5xx evidence.
  return m?.[1] !== undefined;
}

/**
 * HAProxy's HTTP log read by scanning: lines with a 5xx status (" 5" before it) or a body cut short (SD, sD, PD
 * after a 2xx) are parsed; the rest are counted per minute from their accept time.
 */
export function haproxyScanFormat(zone: ZoneRule): ScanFormat {
  const f: ScanFormat = {
    ...haproxyLog,
    // "D-" finds SD/sD/PD (and client-side CD: parsed, no fact) with one SIMD pass.
    needles: [Buffer.from(' 5'), Buffer.from('D-')],
    recipe: { kind: 'haproxy' },
    // " 5" is a 5xx status only after the total-time timer (a digit) and before two digits and a space: byte counts,
    // paths and syslog days that contain " 5" are not parsed (they were most of the candidates).
    candidate(buf, at) {
      const digit = (i: number): boolean => i >= 0 && i < buf.length && buf[i]! >= 0x30 && buf[i]! <= 0x39;
      return digit(at - 1) && digit(at + 2) && digit(at + 3) && buf[at + 4] === 0x20;
    },
    timeOf(line) {
      const m = ACCEPT_TIME.exec(line);
      const wall = m ? acceptWall(m[1] ?? '') : NaN;
      return Number.isNaN(wall) ? NaN : wallToUtc(wall, zone);
    },
    withZone: (z) => haproxyScanFormat(z),
  };
  return f;
}

const ACCEPT_TIME = /\[(\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)\]/;

export const haproxyLog: LogFormat = {
  id: 'haproxy',
  title: 'HAProxy log (HTTP and TCP log lines, its warnings and alerts)',
  software: 'haproxy',
  role: 'access',
  wallClock: true,
  sniff(line) {
    if (HTTP.test(line)) return 0.95;
    if (TCP.test(line)) return 0.9;
    const own = OWN.exec(line);
    return own?.[1] !== undefined || SERVER_DOWN.test(own?.[2] ?? '') ? 0.7 : 0;
  },
  scanner: () => haproxyScanFormat({ kind: 'offset', minutes: 0 }),
  parse(line, ctx) {
    const h = HTTP.exec(line);
    if (h) {
      parseHttp(h, line, ctx);
      return true;
    }
    const t = TCP.exec(line);
    if (t) {
      parseTcp(t, line, ctx);
      return true;
    }
    return parseOwn(line, ctx);
  },
  samples: [
    {
      line: '127.0.0.1:47706 [01/Dec/2026:14:34:27.997] fe be/s0 0/0/0/-1/1 502 209 - - SH-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
      source: 'lab: HAProxy 2.6.12 (Debian 12 package), fault close-before-response',
      expect: { kind: 'upstream-closed', stage: 'header', status: 502, upstream: 'be/s0', time: '2026-12-01T14:34:27.998Z' },
    },
    {
      line: '127.0.0.1:58346 [01/Dec/2026:14:34:29.850] fe be/s0 0/0/0/-1/1001 504 198 - - sH-- 1/1/0/0/0 0/0 "GET /report HTTP/1.1"',
      source: 'lab: HAProxy 2.6.12 (Debian 12 package), fault slow-headers (timeout server 1s)',
      expect: { kind: 'timeout', stage: 'header', status: 504, upstream: 'be/s0' },
    },
    {
      line: '127.0.0.1:54782 [01/Dec/2026:14:34:28.814] fe be/s0 0/0/0/-1/0 502 209 - - PH-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
      source: 'lab: HAProxy 2.6.12 (Debian 12 package), fault garbage-bytes',
      expect: { kind: 'invalid-response', stage: 'header', status: 502 },
    },
    {
      line: '127.0.0.1:58676 [01/Dec/2026:14:34:24.200] fe be/s0 0/0/-1/-1/1001 503 217 - - SC-- 1/1/0/0/1 0/0 "GET / HTTP/1.1"',
      source: 'lab: HAProxy 2.6.12 (Debian 12 package), fault refuse (retries 1)',
      expect: { kind: 'connect-failed', stage: 'connect', status: 503, upstream: 'be/s0' },
    },
    {
      line: '127.0.0.1:48194 [01/Dec/2026:14:34:54.059] fe be/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
      source: 'lab: HAProxy 2.6.12 (Debian 12 package), fault all-servers-down (health checks marked both servers DOWN)',
      expect: { kind: 'no-live-upstreams', status: 503, upstream: 'be' },
    },
    {
      line: '127.0.0.1:42816 [01/Dec/2026:14:34:28.269] fe be/s0 0/0/0/1/1 200 1076 - - SD-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
      source: 'lab: HAProxy 2.6.12 (Debian 12 package), fault close-mid-body (the body is cut after 1000 of 100000 bytes)',
      expect: { kind: 'upstream-reset', stage: 'body', status: 200 },
    },
    {
      line: '127.0.0.1:51334 [01/Dec/2026:14:36:06.316] fe be/s0 0/0/-1/-1/1011 503 217 - - SC-- 1/1/0/0/1 0/0 "GET / HTTP/1.1" ssl_bc_err="error:0A000086:SSL routines::certificate verify failed"',
      source: 'lab: HAProxy 2.6.12 (Debian 12 package), fault tls-expired, log-format = httplog + %{+Q}[ssl_bc_err_str]',
      expect: { kind: 'tls-cert-untrusted', stage: 'tls', status: 503 },
    },
    {
      line: 'Server be/s0 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      source: 'lab: HAProxy 2.6.12 (Debian 12 package), fault all-servers-down (check inter 5s fall 1)',
      expect: { kind: 'upstream-disabled', errno: 'ECONNREFUSED', upstream: 'be/s0' },
    },
    {
      line: "[ALERT]    (25916) : config : [/tmp/why502-lab-haproxy-dns-unresolvable-my42Ki/haproxy.cfg:19] : 'server be/s0' : could not resolve address 'app.lab.invalid'.",
      source: 'lab: HAProxy 2.6.12 (Debian 12 package), fault dns-unresolvable (HAProxy refuses to start)',
      expect: { kind: 'resolve-failed', stage: 'resolve', upstream: 'app.lab.invalid' },
    },
    {
      line: 'haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"',
      source: 'HAProxy doc/configuration.txt §8.2.3 (HTTP log format example), via ../shared/reference/proxy-facts.md',
      expect: null,
    },
  ],
};
