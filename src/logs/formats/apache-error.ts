/**
 * Apache httpd error log (2.4's default ErrorLogFormat and 2.2's):
 * "[Tue Dec 01 14:34:54.962540 2026] [proxy:error] [pid 25990:tid 26054] (111)Connection refused: [client 1.2.3.4:5] AH00957: ..."
 * Messages are those of mod_proxy, mod_proxy_http, mod_proxy_fcgi, mod_ssl and the MPMs (httpd modules/proxy/*.c,
 * modules/ssl/ssl_engine_kernel.c); the "(N)text:" prefix is the APR/OS error of the failed call.
 */
import type { ErrnoCode, Fact, FactKind, Stage } from '../../evidence/facts.js';
import { errnoFromNumber } from '../../evidence/errno.js';
import { recogniseAppMessage } from '../messages/app.js';
import { normaliseUpstream } from '../messages/nginx.js';
import { wallToUtc } from '../time.js';
import type { LogFormat, ParseContext } from './types.js';

const LINE =
  /^\[(?:\w{3} )?(\w{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (\d{4})\] \[(?:([\w-]+):)?(\w+)\] (?:\[pid (\d+)(?::tid (\d+))?\] )?(?:\S+\(\d+\): )?(?:\((\d+|EAI -?\d+)\)([^:[]*(?:\[[^\]]*\][^:[]*)*): )?(?:\[(client|remote) ([^\]]+)\] )?([\s\S]*)$/;
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

// APR error numbers (apr_errno.h) that are not OS errnos (20014, APR_EGENERAL, is the "internal error" default).
const APR_TIMEUP = 70007;
const APR_INCOMPLETE = 70008;

// OpenSSL X.509 verify codes as mod_ssl prints them ("Certificate Verification: Error (10): certificate has expired").
const VERIFY_EXPIRED = new Set([9, 10]);
const VERIFY_NAME = new Set([62]);

const SCHEMES: Record<string, string> = { proxy_http: 'http', proxy_fcgi: 'fastcgi', proxy_uwsgi: 'uwsgi', proxy_ajp: 'ajp', proxy_http2: 'h2' };

interface Parsed {
  level: string;
  module: string;
  pid?: string;
  tid?: string;
  apr?: number;
  eai?: number;
  errText?: string;
  peer?: { kind: string; addr: string };
  message: string;
}

interface Meaning {
  kind: FactKind;
  stage?: Stage;
  errno?: ErrnoCode;
  detail: string;
  upstream?: string;
  path?: string;
}

function osErrno(p: Parsed): ErrnoCode | undefined {
  if (p.apr === undefined || p.apr >= 20000) return undefined;
  return errnoFromNumber(p.apr);
}

/** The ip of "ip:port" / "[v6]:port" (the access log names clients without their port). */
function ipOf(addr: string): string {
  const v6 = /^\[([^\]]+)\]:\d+$/.exec(addr);
  if (v6) return v6[1] ?? addr;
  const m = /^([^:]+):\d+$/.exec(addr);
  return m?.[1] ?? addr;
}

/** What one message means; null when it is recognised but carries no 5xx evidence. */
function meaningOf(p: Parsed): Meaning | null {
  const msg = p.message;
  const tag = /^(AH\d{5}): /.exec(msg)?.[1];
  const body = tag ? msg.slice(tag.length + 2) : msg;
  const errno = osErrno(p);
  const returnedBy = /returned by (\S+)/.exec(body)?.[1];
  switch (tag) {
    case 'AH00957': {
      const up = /attempt to connect to (\S+)/.exec(body)?.[1];
      return { kind: 'connect-failed', stage: 'connect', ...(errno ? { errno } : {}), detail: `${tag} connect failed`, ...(up ? { upstream: up } : {}) };
    }
    case 'AH02454': {
      const path = /Unix domain socket (\S+)/.exec(body)?.[1];
      return { kind: 'connect-failed', stage: 'connect', ...(errno ? { errno } : {}), detail: `${tag} connect to unix socket failed`, ...(path ? { upstream: `unix:${path}` } : {}) };
    }
    case 'AH01102': {
      // mod_proxy_http could not read the status line: the errno says how the connection ended.
      const up = /remote server (\S+)/.exec(body)?.[1];
      const base = { detail: `${tag} error reading status line`, ...(up ? { upstream: up } : {}) };
      if (p.apr === APR_TIMEUP || errno === 'ETIMEDOUT') return { kind: 'timeout', stage: 'header', errno: 'ETIMEDOUT', ...base };
      if (errno === 'ECONNRESET' || errno === 'EPIPE' || errno === 'ECONNABORTED') return { kind: 'upstream-reset', stage: 'header', errno, ...base };
      // EINVAL: what arrived was not a status line at all (binary, or not HTTP).
      if (p.apr === 22) return { kind: 'invalid-response', stage: 'header', ...base, detail: `${tag} not a status line` };
      return { kind: 'upstream-closed', stage: 'header', ...base };
    }
    case 'AH01110': {
      // Reading the body failed: incomplete = the upstream closed mid-body; a general error = a body it could not parse.
      if (p.apr === APR_INCOMPLETE) return { kind: 'upstream-closed', stage: 'body', detail: `${tag} body cut short` };
      if (errno === 'ECONNRESET') return { kind: 'upstream-reset', stage: 'body', errno, detail: `${tag} reset while reading the body` };
      if (p.apr === APR_TIMEUP) return { kind: 'timeout', stage: 'body', errno: 'ETIMEDOUT', detail: `${tag} timeout reading the body` };
      return { kind: 'invalid-response', stage: 'body', detail: `${tag} invalid body (chunked encoding)` };
    }
    case 'AH00898': {
      if (/^DNS lookup failure for: (\S+)/.test(body)) {
        const host = /^DNS lookup failure for: (\S+)/.exec(body)?.[1] ?? '';
        const detail = p.eai === -2 || p.eai === 2 || p.eai === -5 ? 'NXDOMAIN' : p.eai === -3 || p.eai === 3 ? 'SERVFAIL' : (p.errText ?? 'lookup failed').trim();
        return { kind: 'resolve-failed', stage: 'resolve', detail, upstream: host, ...(returnedBy ? { path: returnedBy } : {}) };
      }
      if (/^Error during SSL Handshake with remote server/.test(body)) return { kind: 'tls-handshake-failed', stage: 'tls', detail: `${tag} SSL handshake failed`, ...(returnedBy ? { path: returnedBy } : {}) };
      if (/^Timeout on 100-Continue/.test(body)) return { kind: 'timeout', stage: 'header', detail: `${tag} timeout on 100-Continue`, ...(returnedBy ? { path: returnedBy } : {}) };
      // "Error reading from remote server returned by /x": the mechanism is on the line before; this one names the request.
      return { kind: 'request-failed', detail: `${tag} ${body.replace(/ returned by \S+$/, '')}`, ...(returnedBy ? { path: returnedBy } : {}) };
    }
    case 'AH01097':
      // mod_proxy_http's summary of the AH01084 just before it (same thread).
      return { kind: 'request-failed', detail: `${tag} pass request body failed` };
    case 'AH01084': {
      const up = /failed to (\S+)/.exec(body)?.[1];
      return { kind: 'upstream-reset', stage: 'send', ...(errno ? { errno } : {}), detail: `${tag} pass request body failed`, ...(up ? { upstream: up } : {}) };
    }
    case 'AH10124':
      return { kind: 'header-too-big', stage: 'header', detail: `${tag} ${/ResponseFieldSize \(\d+ bytes\)/.exec(body)?.[0] ?? 'response header over the limit'}` };
    case 'AH01106': {
      // Its "(GET)" is not used as the method: the thread's other lines name none, and they must stay one request.
      const m = /returned by (\S+) \(\w+\)/.exec(body);
      return { kind: 'invalid-response', stage: 'header', detail: `${tag} bad response header`, ...(m ? { path: m[1] ?? '' } : {}) };
    }
    case 'AH02429':
      return { kind: 'invalid-response', stage: 'header', detail: `${tag} invalid characters in a response header name` };
    case 'AH01068': {
      const v = /bogus version (\d+)/.exec(body)?.[1];
      return { kind: 'invalid-response', stage: 'header', detail: v === '72' ? 'fastcgi-got-http' : `fastcgi-version-${v ?? '?'}` };
    }
    case 'AH01067':
      return { kind: 'upstream-closed', stage: 'header', detail: `${tag} failed to read FastCGI header` };
    case 'AH01075':
    case 'AH01114':
    case 'AH01079':
      // The request-level summary of a failure the line before explains (AH00957, AH02454, AH01068).
      return { kind: 'request-failed', detail: `${tag} ${body}` };
    case 'AH01071': {
      const inner = /Got error '([\s\S]*)'?$/.exec(body)?.[1] ?? body;
      const app = recogniseAppMessage(inner.replace(/\\n/g, '\n'));
      return app ? { kind: app.kind, detail: app.detail } : { kind: 'app-fatal', detail: `${tag} FastCGI stderr` };
    }
    case 'AH00959': {
      const up = /disabling worker for \(([^)]+)\)/.exec(body)?.[1];
      return { kind: 'upstream-disabled', detail: `${tag} worker disabled`, ...(up ? { upstream: up } : {}) };
    }
    case 'AH00940': {
      const up = /disabled connection for \(([^)]+)\)/.exec(body)?.[1];
      return { kind: 'no-live-upstreams', detail: `${tag} worker in error state`, ...(up ? { upstream: up } : {}) };
    }
    case 'AH01144':
      return { kind: 'proxy-crash', detail: `${tag} no protocol handler (a proxy module is not loaded)` };
    case 'AH00161':
    case 'AH00484':
      return { kind: 'proxy-resource', detail: `${tag} MaxRequestWorkers reached` };
    case 'AH02039':
    case 'AH02276': {
      const m = /Error \((\d+)\): ([^[]*)/.exec(body);
      const code = Number(m?.[1]);
      const detail = `${code}:${(m?.[2] ?? '').trim()}`;
      if (VERIFY_EXPIRED.has(code)) return { kind: 'tls-cert-expired', stage: 'tls', detail };
      if (VERIFY_NAME.has(code)) return { kind: 'tls-name-mismatch', stage: 'tls', detail };
      return { kind: 'tls-cert-untrusted', stage: 'tls', detail };
    }
    case 'AH02411':
    case 'AH02412':
      return { kind: 'tls-name-mismatch', stage: 'tls', detail: `${tag} ${body}` };
    default:
      break;
  }
  // mod_ssl at info: "SSL Library Error: error:0A00010B:SSL routines::wrong version number" after AH02008 (handshake).
  const lib = /^SSL Library Error: (?:\d+ )?error:[0-9A-F]+:[^:]*:[^:]*:(.+)$/.exec(msg);
  if (lib && p.module === 'ssl') return { kind: 'tls-handshake-failed', stage: 'tls', detail: (lib[1] ?? '').trim().toLowerCase() };
  // Apache 2.2: "proxy: HTTP: attempt to connect to 10.0.0.5:8080 (10.0.0.5) failed", "proxy: error reading status line".
  if (/^proxy: \w+: attempt to connect to (\S+)/.test(msg)) {
    const up = /attempt to connect to (\S+)/.exec(msg)?.[1];
    return { kind: 'connect-failed', stage: 'connect', ...(errno ? { errno } : {}), detail: '2.2 connect failed', ...(up ? { upstream: up } : {}) };
  }
  if (/^proxy: error reading status line from remote server/.test(msg)) {
    if (p.apr === APR_TIMEUP || errno === 'ETIMEDOUT') return { kind: 'timeout', stage: 'header', errno: 'ETIMEDOUT', detail: '2.2 timeout reading status line' };
    return { kind: errno === 'ECONNRESET' ? 'upstream-reset' : 'upstream-closed', stage: 'header', ...(errno ? { errno } : {}), detail: '2.2 error reading status line' };
  }
  return null;
}

function wallOf(m: RegExpExecArray): number {
  const mon = MONTHS[m[1] ?? ''];
  if (mon === undefined) return NaN;
  const ms = m[6] ? Number(m[6].padEnd(3, '0').slice(0, 3)) : 0;
  return Date.UTC(Number(m[7]), mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), ms);
}

export const apacheErrorLog: LogFormat = {
  id: 'apache-error',
  title: 'Apache httpd error log',
  software: 'apache',
  role: 'error',
  wallClock: true,
  sniff(line) {
    const m = LINE.exec(line);
    return m && MONTHS[m[1] ?? ''] !== undefined ? 0.95 : 0;
  },
  parse(line: string, ctx: ParseContext) {
    const m = LINE.exec(line);
    if (!m || MONTHS[m[1] ?? ''] === undefined) return false;
    const errRaw = m[12];
    const p: Parsed = { level: m[9] ?? 'error', module: m[8] ?? '', message: (m[16] ?? '').replace(/, referer: \S*$/, '') };
    if (m[10] !== undefined) p.pid = m[10];
    if (m[11] !== undefined) p.tid = m[11];
    if (errRaw !== undefined) {
      if (errRaw.startsWith('EAI')) p.eai = Number(errRaw.slice(4));
      else p.apr = Number(errRaw);
      p.errText = m[13] ?? '';
    }
    if (m[14] !== undefined && m[15] !== undefined) p.peer = { kind: m[14], addr: m[15] };
    if (p.level === 'debug' || p.level.startsWith('trace') || p.level === 'notice') return true;
    const meaning = meaningOf(p);
    if (!meaning) return true;
    // Info lines only for mod_ssl's handshake details (they name what "Error during SSL Handshake" does not).
    if (p.level === 'info' && meaning.stage !== 'tls') return true;
    const wall = wallOf(m);
    const f: Fact = {
      kind: meaning.kind,
      producer: 'apache-error',
      software: 'apache',
      ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line },
      time: Number.isNaN(wall) ? null : wallToUtc(wall, ctx.zone),
      level: p.level,
      detail: meaning.detail,
    };
    if (meaning.stage) f.stage = meaning.stage;
    // The module says which protocol Apache spoke to the upstream.
    const scheme = SCHEMES[p.module];
    if (scheme) f.scheme = scheme;
    const errno = meaning.errno ?? osErrno(p);
    if (errno && meaning.kind !== 'request-failed') f.errno = errno;
    // A [remote host:port] on mod_ssl lines is the upstream itself.
    const upstream = meaning.upstream ?? (p.peer?.kind === 'remote' ? p.peer.addr : undefined);
    if (upstream) f.upstream = normaliseUpstream(upstream);
    // One worker thread serves one request at a time: pid:tid ties the lines of a request together.
    if (p.tid !== undefined || p.peer?.kind === 'client' || meaning.path !== undefined) {
      f.request = {};
      if (p.tid !== undefined) f.request.conn = p.tid;
      if (p.pid !== undefined) f.request.pid = p.pid;
      if (p.peer?.kind === 'client') f.request.client = ipOf(p.peer.addr);
      if (meaning.path !== undefined) f.request.uri = meaning.path;
    }
    ctx.emit(f);
    return true;
  },
  samples: [
    {
      line: '[Tue Dec 01 14:34:54.962540 2026] [proxy:error] [pid 25990:tid 26054] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:36883 (127.0.0.1:36883) failed',
      source: 'lab: Apache/2.4.71 (Debian 12 package), fault refuse',
      expect: { kind: 'connect-failed', errno: 'ECONNREFUSED', stage: 'connect', upstream: '127.0.0.1:36883', time: '2026-12-01T14:34:54.962Z' },
    },
    {
      line: '[Tue Dec 01 14:34:55.474915 2026] [proxy_http:error] [pid 26160:tid 26185] (104)Connection reset by peer: [client 127.0.0.1:48308] AH01102: error reading status line from remote server 127.0.0.1:35627',
      source: 'lab: Apache/2.4.71 (Debian 12 package), fault reset-before-response',
      expect: { kind: 'upstream-reset', errno: 'ECONNRESET', stage: 'header', upstream: '127.0.0.1:35627' },
    },
    {
      line: '[Tue Dec 01 14:34:58.507423 2026] [proxy_http:error] [pid 26883:tid 26892] (70007)The timeout specified has expired: [client 127.0.0.1:38396] AH01102: error reading status line from remote server 127.0.0.1:37223',
      source: 'lab: Apache/2.4.71 (Debian 12 package), fault slow-headers (ProxyTimeout 1)',
      expect: { kind: 'timeout', stage: 'header', upstream: '127.0.0.1:37223' },
    },
    {
      line: '[Tue Dec 01 14:35:05.512259 2026] [ssl:error] [pid 27118:tid 27121] [remote 127.0.0.1:39385] AH02039: Certificate Verification: Error (10): certificate has expired',
      source: 'lab: Apache/2.4.71 (Debian 12 package), fault tls-expired (SSLProxyVerify require)',
      expect: { kind: 'tls-cert-expired', stage: 'tls', upstream: '127.0.0.1:39385', detail: '10:certificate has expired' },
    },
    {
      line: '[Tue Dec 01 14:35:20.144080 2026] [proxy:error] [pid 27933:tid 27959] (EAI 2)Name or service not known: [client 127.0.0.1:43864] AH00898: DNS lookup failure for: app.lab.invalid returned by /',
      source: 'lab: Apache/2.4.71 (Debian 12 package), fault dns-unresolvable',
      expect: { kind: 'resolve-failed', stage: 'resolve', upstream: 'app.lab.invalid', detail: 'NXDOMAIN' },
    },
    {
      line: "[Tue Dec 01 14:34:57.258401 2026] [proxy_http:warn] [pid 26799:tid 26816] (28)No space left on device: [client 127.0.0.1:51140] AH10124: header size is over the limit allowed by ResponseFieldSize (8192 bytes). Bad response header: 'Set-Cookie: session=xxxxxxxx[...]xxxxxxxx'",
      source: 'lab: Apache/2.4.71 (Debian 12 package), fault huge-headers (the header value shortened here)',
      expect: { kind: 'header-too-big', stage: 'header' },
    },
    {
      line: '[Tue Dec 01 14:35:19.892145 2026] [proxy:error] [pid 27840:tid 27844] (13)Permission denied: AH02454: http: attempt to connect to Unix domain socket /tmp/why502-lab-apache-socket-permission-Jo1bXw/app.sock (localhost:80) failed',
      source: 'lab: Apache/2.4.71 (Debian 12 package), fault socket-permission',
      expect: { kind: 'connect-failed', errno: 'EACCES', upstream: 'unix:/tmp/why502-lab-apache-socket-permission-Jo1bXw/app.sock' },
    },
    {
      line: '[Tue Dec 01 14:35:07.308749 2026] [proxy_fcgi:error] [pid 27641:tid 27646] [client 127.0.0.1:53462] AH01068: Got bogus version 72',
      source: 'lab: Apache/2.4.71 (Debian 12 package), fault http-to-fastcgi',
      expect: { kind: 'invalid-response', detail: 'fastcgi-got-http' },
    },
    {
      line: '[Tue Dec 01 14:35:20.686393 2026] [proxy:error] [pid 28097:tid 28138] AH00959: ap_proxy_connect_backend disabling worker for (127.0.0.1:39541) for 30s',
      source: 'lab: Apache/2.4.71 (Debian 12 package), fault all-servers-down',
      expect: { kind: 'upstream-disabled', upstream: '127.0.0.1:39541' },
    },
    {
      line: '[Tue Dec 01 14:34:54.194758 2026] [mpm_event:notice] [pid 26433:tid 26433] AH00489: Apache/2.4.71 (Debian) configured -- resuming normal operations',
      source: 'lab: Apache/2.4.71 (Debian 12 package), start-up notice',
      expect: null,
    },
  ],
};
