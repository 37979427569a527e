/**
 * Varnish: varnishlog excerpts (the FetchError tag of a backend transaction says why a fetch failed and
 * Varnish answered "503 Backend fetch failed"), varnishtest's vsl lines, varnishncsa in its default layout
 * (combined, with the absolute URL in the request) and varnishncsa JSON layouts that log %{VSL:FetchError}x.
 * FetchError meanings: varnish-cache.org/tips/varnishlog/fetcherror.html ("http first read error: EOF" is
 * usually a first byte timeout, "http read error" a between-bytes timeout, "no backend connection" an unhealthy
 * backend or a connect timeout); newer Varnish names connect errors ("backend X: fail errno 111 (...)").
 */
import type { ErrnoCode, Fact, FactKind, Stage } from '../../evidence/facts.js';
import { errnoFromNumber } from '../../evidence/errno.js';
import { parseClfTime } from '../time.js';
import { emitAccess, splitRequest } from './access-fields.js';
import { innerLine } from './envelope.js';
import type { LogFormat, ParseContext } from './types.js';

// Tags of varnishlog's grouped output ("-   FetchError     ..."), raw output ("  13 FetchError   c ..."),
// varnishtest ("**** v1    2.3 vsl|       1002 FetchError      b ...") and Varnish 2/3 ("- 13 FetchError c ...").
const TAGS = 'Begin|End|Timestamp|Link|ReqStart|ReqMethod|ReqURL|ReqProtocol|ReqHeader|ReqUnset|ReqAcct|RespStatus|RespReason|RespProtocol|RespHeader|RespUnset|VCL_call|VCL_return|VCL_use|VCL_Log|VCL_Error|BereqMethod|BereqURL|BereqProtocol|BereqHeader|BereqUnset|BereqAcct|BerespProtocol|BerespStatus|BerespReason|BerespHeader|BerespUnset|BackendOpen|BackendClose|BackendReuse|FetchError|Error|Storage|ObjProtocol|ObjStatus|ObjReason|ObjHeader|Fetch_Body|Gzip|Length|Hit|HitMiss|HitPass|TTL|SessOpen|SessClose|Proxy|Filters|TxStatus|TxResponse|RxURL|ReqEnd|Debug';
const VSL = new RegExp(String.raw`^(?:\*{4} \S+ +[\d.]+ vsl\| +\d+ |- {2,}|-? *\d+ +)(${TAGS}) +(?:([bc-]) +)?(.*)$`);
// A FetchError quoted on its own ("FetchError c Could not get storage").
const BARE = /^(FetchError) +(?:([bc]) +)?(.+)$/;
const GROUP = /^\*\s+<< (?:Request|BeReq|Session|Pipe)\s*>>/;
// varnishncsa's default: %h %l %u %t "%r" %s %b "%{Referer}i" "%{User-agent}i", %r with the absolute URL.
const NCSA = /^(\S+) \S+ \S+ \[(\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "([A-Z]+ https?:\/\/[^"\s]+ [^"]*)" (\d{3}) (\d+|-) "[^"]*" "[^"]*"\s*$/;

interface Meaning {
  kind: FactKind;
  stage?: Stage;
  errno?: ErrnoCode;
  upstream?: string;
  detail: string;
}

/** What a FetchError text says about the backend fetch. */
function fetchErrorMeaning(text: string): Meaning {
  const detail = text;
  let m: RegExpExecArray | null;
  if ((m = /^backend (\S+?): fail errno (\d+) \(([^)]*)\)/.exec(text))) {
    const errno = errnoFromNumber(Number(m[2]));
    return { kind: errno === 'ETIMEDOUT' ? 'timeout' : 'connect-failed', stage: 'connect', errno, upstream: m[1] ?? '', detail };
  }
  if ((m = /^backend (\S+?): unhealthy/.exec(text))) return { kind: 'no-live-upstreams', upstream: m[1] ?? '', detail };
  if (/^http first read error|first byte timeout/.test(text)) return { kind: 'timeout', stage: 'header', detail };
  if (/^http read error|between bytes timeout/.test(text)) return { kind: 'timeout', stage: 'body', detail };
  // Unhealthy backends and connect timeouts read the same here; the fetch timestamps tell them apart.
  if (/^no backend connection/i.test(text)) return { kind: 'connect-failed', stage: 'connect', detail: 'no backend connection (backend unhealthy, or connect timeout)' };
  if ((m = /^(?:backend write error|req\.body read error): (\d+)/.exec(text))) return { kind: 'upstream-reset', stage: 'send', errno: errnoFromNumber(Number(m[1])), detail };
  if (/Could not get storage|Cannot allocate memory/i.test(text)) return { kind: 'proxy-resource', detail: `cache storage (${text})` };
  return { kind: 'gateway-status', detail: `FetchError ${text}` };
}

function fact(m: Meaning, ctx: ParseContext, line: string, time: number | null): Fact {
  const f: Fact = { kind: m.kind, producer: 'varnish', software: 'varnish', ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line }, time, detail: m.detail };
  if (m.stage) f.stage = m.stage;
  if (m.errno) f.errno = m.errno;
  if (m.upstream) f.upstream = m.upstream;
  return f;
}

type Json = Record<string, unknown>;

/** A varnishncsa JSON line: keys as the -F format named them, compared without case or punctuation. */
function ncsaJson(line: string): Map<string, string> | null {
  if (!line.startsWith('{') || !/fetch.?error|varnish.?side/i.test(line)) return null;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out = new Map<string, string>();
  for (const [k, val] of Object.entries(v as Json)) {
    if (typeof val === 'string' || typeof val === 'number') out.set(k.toLowerCase().replace(/[^a-z0-9]/g, ''), String(val));
  }
  return out.has('fetcherror') || out.has('varnishside') ? out : null;
}

function parseNcsaJson(j: Map<string, string>, line: string, ctx: ParseContext): void {
  const stamp = (j.get('timestamp') ?? j.get('time') ?? '').replace(/^\[|\]$/g, '');
  const t = parseClfTime(stamp);
  const time = Number.isNaN(t) ? null : t;
  const status = Number(j.get('status'));
  const req = splitRequest(j.get('request') ?? '');
  const uri = req.uri ? req.uri.replace(/^[a-z]+:\/\/[^/]+/i, '') || '/' : undefined;
  const fe = j.get('fetcherror');
  const side = j.get('varnishside');
  if (fe && fe !== '-') {
    // The backend side of the fetch: why Varnish had no usable answer.
    const f = fact(fetchErrorMeaning(fe), ctx, line, time);
    if (status > 0) f.status = status;
    f.request = { ...(req.method ? { method: req.method } : {}), ...(uri ? { uri } : {}) };
    ctx.emit(f);
    return;
  }
  if (side === 'b') return;
  // The client side: the visitor's request, its status, and whether Varnish made the 5xx itself (its
  // builtin vcl_backend_error answers "Backend fetch failed").
  if (ctx.request && time !== null && status > 0) ctx.request({ time, status, ...(uri ? { path: uri.split('?')[0] ?? uri } : {}) });
  if (!(status >= 500 && status <= 599)) return;
  const reason = j.get('responsereason');
  const own = reason === 'Backend fetch failed' || reason === 'Service Unavailable';
  const f: Fact = { kind: own ? 'gateway-status' : 'app-status', producer: 'varnish-access', software: 'varnish', ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line }, time, status };
  if (reason && reason !== '-') f.detail = reason;
  f.request = { ...(req.method ? { method: req.method } : {}), ...(uri ? { uri } : {}) };
  ctx.emit(f);
}

export const varnishLog: LogFormat = {
  id: 'varnish',
  title: 'Varnish: varnishlog FetchError, varnishncsa (default and JSON layouts)',
  software: 'varnish',
  role: 'access',
  sniff(line) {
    const l = innerLine(line);
    if (ncsaJson(l)) return 0.9;
    if (NCSA.test(l)) return 0.8;
    const v = VSL.exec(l);
    if (v) return v[1] === 'FetchError' ? 0.9 : 0.5;
    if (BARE.test(l)) return 0.7;
    return GROUP.test(l) ? 0.7 : 0;
  },
  parse(line, ctx) {
    const l = innerLine(line);
    const j = ncsaJson(l);
    if (j) {
      parseNcsaJson(j, line, ctx);
      return true;
    }
    const n = NCSA.exec(l);
    if (n) {
      const t = parseClfTime(n[2] ?? '');
      const req = splitRequest(n[3] ?? '');
      const uri = req.uri?.replace(/^[a-z]+:\/\/[^/]+/i, '') || '/';
      emitAccess({ status: Number(n[4]), time: Number.isNaN(t) ? null : t, method: req.method, uri, client: n[1], bytes: n[5] }, ctx, line, 'varnish-access', 'varnish');
      return true;
    }
    const v = VSL.exec(l) ?? BARE.exec(l);
    if (v) {
      // Only FetchError says why; the other tags of a transaction carry no verdict of their own.
      const text = (v[3] ?? '').trim();
      if (v[1] === 'FetchError' && text) ctx.emit(fact(fetchErrorMeaning(text), ctx, line, null));
      return true;
    }
    return GROUP.test(l);
  },
  samples: [
    {
      line: '-   FetchError     http first read error: EOF',
      source: '[doc] https://varnish-cache.org/tips/varnishlog/fetcherror.html ("Usually this indicates a first byte timeout")',
      expect: { kind: 'timeout', stage: 'header', detail: 'http first read error: EOF' },
    },
    {
      line: '-   FetchError     no backend connection',
      source: 'https://github.com/nigoroll/libvmod-dynamic/issues/4 (a dynamic director\'s backend could not be connected in time)',
      expect: { kind: 'connect-failed', stage: 'connect' },
    },
    {
      line: '**** v1    2.3 vsl|       1002 FetchError      b http first read error: EOF',
      source: 'https://github.com/varnishcache/varnish-cache/issues/2185 (varnishtest b00023, first_byte_timeout)',
      expect: { kind: 'timeout', stage: 'header' },
    },
    {
      line: '-            3 FetchError     b req.body read error: 104',
      source: 'https://github.com/varnishcache/varnish-cache/pull/3686 (the backend reset the connection while Varnish sent a large POST body)',
      expect: { kind: 'upstream-reset', stage: 'send', errno: 'ECONNRESET' },
    },
    {
      line: '- 13 FetchError c http read error: 0',
      source: 'https://pastebin.com/2x1UaSUg (Varnish 2/3 varnishlog; the backend connection broke while the body was read)',
      expect: { kind: 'timeout', stage: 'body' },
    },
    {
      line: 'FetchError c Could not get storage',
      source: 'https://github.com/varnishcache/varnish-cache/issues/1640 (the issue title is the log entry: storage exhausted, 503 although the backend answered 200)',
      expect: { kind: 'proxy-resource', detail: 'cache storage (Could not get storage)' },
    },
    {
      line: 'varnish-1  | {"Timestamp": "[15/Jan/2025:09:47:54 +0000]", "Varnish-Side": "b", "Handling": "-", "Request": "GET http://s-magento.test/ HTTP/1.1", "Status": "503", "Response-Reason": "-", "Fetch-Error": "backend default: fail errno 111 (Connection refused)", "Bytes": "0", "Time-To-Serve": 0}',
      source: 'https://github.com/rewardenv/reward/issues/96 (Varnish 7, varnishncsa -b with a JSON -F format logging %{VSL:FetchError}x; docker compose prefix)',
      expect: { kind: 'connect-failed', stage: 'connect', errno: 'ECONNREFUSED', upstream: 'default', status: 503, time: '2025-01-15T09:47:54Z' },
    },
    {
      line: 'varnish-1  | {"Timestamp": "[15/Jan/2025:09:47:54 +0000]", "Varnish-Side": "c", "Age": 0, "Handling": "miss", "Request": "GET http://s-magento.test/ HTTP/1.1", "Status": "503", "Response-Reason": "Backend fetch failed", "Fetch-Error": "-", "X-Forwarded-For": "172.18.0.1, 172.19.0.2", "Remote-User": "-", "Bytes": "279", "Time-To-Serve": 307, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Referer": "-", "X-Varnish":  "11", "X-Magento-Tags": "-", "X-Magento-Tags-Pattern": "-"}',
      source: 'https://github.com/rewardenv/reward/issues/96 (the client side of the same request: Varnish\'s own "503 Backend fetch failed")',
      expect: { kind: 'gateway-status', status: 503, time: '2025-01-15T09:47:54Z' },
    },
  ],
};
