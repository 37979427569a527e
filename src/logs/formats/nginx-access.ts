/** nginx access log (combined, common, main, upstream timings, ingress-nginx, or any `log_format` given). */
import { parseClfTime, parseIsoTime } from '../time.js';
import { emitAccess, splitRequest, unescapeLogged, type AccessFields } from './access-fields.js';
import { compileLogFormat, knownFormats, TAIL_VAR, tailFields, type CompiledLogFormat } from './nginx-log-format.js';
import type { ParseContext, ScanFormat } from './types.js';

/** Statuses a gateway produces for upstream trouble; other 5xx only count when an error line explains them. */
export function isGatewayStatus(s: number): boolean {
  return s === 502 || s === 503 || s === 504 || (s >= 520 && s <= 530);
}

/** An access-log format bound to one compiled `log_format`. */
export interface AccessLogFormat extends ScanFormat {
  compiled: CompiledLogFormat;
}

function fieldIndex(c: CompiledLogFormat, name: string): number {
  return c.vars.indexOf(name);
}

/**
 * Build the access-log format for a compiled log_format.
 * @example accessLogFor(compileLogFormat('mine', '$remote_addr [$time_local] "$request" $status'))
 */
export function accessLogFor(compiled: CompiledLogFormat, id = 'nginx-access'): AccessLogFormat {
  const at = (name: string): number => fieldIndex(compiled, name);
  const iStatus = at('status');
  const iTimeLocal = at('time_local');
  const iTimeIso = at('time_iso8601');
  const iMsec = at('msec');
  const iRequest = at('request');
  const iMethod = at('request_method');
  const iUri = at('request_uri');
  const iClient = at('remote_addr');
  const iHost = at('host');
  const iUpAddr = at('upstream_addr');
  const iUpStatus = at('upstream_status');
  const iUpConnect = at('upstream_connect_time');
  const iUpHeader = at('upstream_header_time');
  const iUpResponse = at('upstream_response_time');
  const iReqId = Math.max(at('request_id'), at('req_id'));
  const iUpName = at('proxy_upstream_name');
  const iBytes = at('body_bytes_sent');
  const iTail = at(TAIL_VAR);

  const timeFromGroups = (g: RegExpExecArray): number => {
    if (iTimeLocal >= 0) return parseClfTime(g[iTimeLocal + 1] ?? '');
    if (iTimeIso >= 0) return parseIsoTime(g[iTimeIso + 1] ?? '');
    if (iMsec >= 0) return Number(g[iMsec + 1]) * 1000;
    return NaN;
  };

  const format: AccessLogFormat = {
    id,
    title: `nginx access log (${compiled.name})`,
    software: 'nginx',
    role: 'access',
    compiled,
    needles: compiled.statusNeedle ? [compiled.statusNeedle] : [],
    recipe: { kind: 'nginx-access', name: compiled.name, source: compiled.source, tail: compiled.tail },
    withZone() {
      return format;
    },
    sniff(line) {
      return compiled.regex.test(line) ? 0.6 + Math.min(compiled.vars.length, 30) / 100 : 0;
    },
    timeOf(line) {
      const g = compiled.regex.exec(line);
      return g ? timeFromGroups(g) : NaN;
    },
    parse(line: string, ctx: ParseContext) {
      const g = compiled.regex.exec(line);
      if (!g) return false;
      const tailText = iTail >= 0 ? g[iTail + 1] : undefined;
      const tail = tailText ? tailFields(tailText) : undefined;
      const get = (i: number, name: string): string | undefined => (i >= 0 ? g[i + 1] : tail?.[name]);
      const t = timeFromGroups(g);
      const fields: AccessFields = { status: iStatus >= 0 ? Number(g[iStatus + 1]) : NaN, time: Number.isNaN(t) ? null : t };
      if (iRequest >= 0) Object.assign(fields, splitRequest(g[iRequest + 1] ?? ''));
      if (iMethod >= 0) fields.method = g[iMethod + 1];
      if (iUri >= 0) fields.uri = unescapeLogged(g[iUri + 1] ?? '');
      if (iClient >= 0 && g[iClient + 1]) fields.client = g[iClient + 1];
      fields.host = get(iHost, 'host') || undefined;
      fields.upstreamAddr = get(iUpAddr, 'upstream_addr');
      fields.upstreamName = iUpName >= 0 ? g[iUpName + 1] : undefined;
      fields.upstreamStatus = get(iUpStatus, 'upstream_status');
      fields.upstreamConnect = get(iUpConnect, 'upstream_connect_time');
      fields.upstreamHeader = get(iUpHeader, 'upstream_header_time');
      fields.upstreamResponse = get(iUpResponse, 'upstream_response_time');
      fields.requestId = get(iReqId, 'request_id');
      fields.bytes = iBytes >= 0 ? g[iBytes + 1] : undefined;
      emitAccess(fields, ctx, line, id, 'nginx');
      return true;
    },
    samples: [],
  };
  return format;
}

/** The detection entry: matches any known nginx access format; `pickAccessFormat` chooses the variant per file. */
export const nginxAccessLog: AccessLogFormat = (() => {
  const combined = knownFormats().find((f) => f.name === 'combined');
  if (!combined) throw new Error('combined format missing');
  const f = accessLogFor(combined);
  f.title = 'nginx access log (common, combined, main, upstream timings, ingress-nginx)';
  f.sniff = (line) => {
    for (const k of knownFormats()) if (k.regex.test(line)) return 0.6 + Math.min(k.vars.length, 30) / 100;
    return 0;
  };
  // Line by line (pasted text, mixed files), any known format: the last one that matched is tried first.
  const variants = knownFormats().map((k) => accessLogFor(k));
  let lastHit = variants.find((v) => v.compiled.name === 'combined') ?? f;
  f.parse = (line, ctx) => {
    if (lastHit.parse(line, ctx)) return true;
    for (const v of variants) {
      if (v !== lastHit && v.parse(line, ctx)) {
        lastHit = v;
        return true;
      }
    }
    return false;
  };
  f.samples = [
    {
      line: '127.0.0.1 - - [01/Dec/2026:12:56:13 +0000] "GET /refused?token=abc HTTP/1.1" 502 157 "-" "curl/7.88.1"',
      source: 'lab: nginx 1.22.1 (Debian 12), combined format, proxy_pass to a closed port',
      expect: { kind: 'gateway-status', status: 502, time: '2026-12-01T12:56:13Z' },
    },
    {
      line: '127.0.0.1 - - [01/Dec/2026:12:56:13 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/7.88.1"',
      source: 'lab: nginx 1.22.1 (Debian 12), combined format, a healthy request',
      expect: null,
    },
    {
      line: '127.0.0.1 - - [01/Dec/2026:13:13:42 +0000] "GET /report HTTP/1.1" 504 167 "-" "-"',
      source: 'lab: nginx 1.22.1 (Debian 12), fault slow-headers (test/causes/upstream-timeout/fire-lab-nginx-slow-headers.log)',
      expect: { kind: 'gateway-status', status: 504, time: '2026-12-01T13:13:42Z' },
    },
    {
      line: '127.0.0.1 - - [01/Dec/2026:13:18:52 +0000] "GET / HTTP/1.1" 009 14 "-" "-"',
      source: 'lab: nginx 1.22.1 (Debian 12), fault malformed-status-line: the answer passed through as HTTP/0.9',
      expect: { kind: 'invalid-response', stage: 'header', detail: 'http09:14' },
    },
    {
      line: '127.0.0.1 - - [01/Dec/2026:13:15:15 +0000] "GET /app502 HTTP/1.1" 502 12 "-" "-" rt=0.000 uct="0.000" uht="0.000" urt="0.000"',
      source: 'lab: nginx 1.22.1 (Debian 12), the nginx.com upstream_time format, an application that answers 502 itself',
      expect: { kind: 'app-status', status: 502 },
    },
    {
      line: '127.0.0.1 - - [01/Dec/2026:14:02:08 +0000] "POST /index.php HTTP/1.1" 500 5 "-" "-"',
      source: 'lab: nginx 1.22.1 (Debian 12), fault php-fatal (a 500 from PHP; explained only with the error log line)',
      expect: { kind: 'gateway-status', status: 500 },
    },
  ];
  return f;
})();

/**
 * Choose the access format for a file from its first lines: a user-given log_format wins, else the most
 * specific known format that parses most of the lines.
 */
export function pickAccessFormat(head: string[], userFormat?: string): AccessLogFormat | null {
  if (userFormat) return accessLogFor(compileLogFormat('custom', userFormat));
  let best: { f: CompiledLogFormat; hits: number } | null = null;
  for (const k of knownFormats()) {
    let hits = 0;
    for (const l of head) if (k.regex.test(l)) hits++;
    if (hits > 0 && (!best || hits > best.hits)) best = { f: k, hits };
  }
  return best ? accessLogFor(best.f) : null;
}
