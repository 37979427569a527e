/** nginx access log (combined, common, main, upstream timings, ingress-nginx, or any `log_format` given). */
import type { Fact } from '../../evidence/facts.js';
import { normaliseUpstream } from '../messages/nginx.js';
import { parseClfTime, parseIsoTime } from '../time.js';
import { compileLogFormat, knownFormats, parseTimes, splitAttempts, type CompiledLogFormat } from './nginx-log-format.js';
import type { LogFormat, ParseContext } from './types.js';

/** Statuses a gateway produces for upstream trouble; other 5xx only count when an error line explains them. */
export function isGatewayStatus(s: number): boolean {
  return s === 502 || s === 503 || s === 504 || (s >= 520 && s <= 530);
}

/** An access-log format bound to one compiled `log_format`. */
export interface AccessLogFormat extends LogFormat {
  compiled: CompiledLogFormat;
  /** Read the time of a line quickly (for request-rate statistics), NaN when absent. */
  timeOf(line: string): number;
}

function fieldIndex(c: CompiledLogFormat, name: string): number {
  return c.vars.indexOf(name);
}

/**
 * Build the access-log format for a compiled log_format.
 * @example accessLogFor(compileLogFormat('mine', '$remote_addr [$time_local] "$request" $status'))
 */
export function accessLogFor(compiled: CompiledLogFormat, id = 'nginx-access'): AccessLogFormat {
  const iStatus = fieldIndex(compiled, 'status');
  const iTimeLocal = fieldIndex(compiled, 'time_local');
  const iTimeIso = fieldIndex(compiled, 'time_iso8601');
  const iMsec = fieldIndex(compiled, 'msec');
  const iRequest = fieldIndex(compiled, 'request');
  const iMethod = fieldIndex(compiled, 'request_method');
  const iUri = fieldIndex(compiled, 'request_uri');
  const iClient = fieldIndex(compiled, 'remote_addr');
  const iHost = fieldIndex(compiled, 'host');
  const iUpAddr = fieldIndex(compiled, 'upstream_addr');
  const iUpStatus = fieldIndex(compiled, 'upstream_status');
  const iUpConnect = fieldIndex(compiled, 'upstream_connect_time');
  const iUpHeader = fieldIndex(compiled, 'upstream_header_time');
  const iUpResponse = fieldIndex(compiled, 'upstream_response_time');
  const iReqId = Math.max(fieldIndex(compiled, 'request_id'), fieldIndex(compiled, 'req_id'));
  const iUpName = fieldIndex(compiled, 'proxy_upstream_name');
  const iBytes = fieldIndex(compiled, 'body_bytes_sent');

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
      const status = iStatus >= 0 ? Number(g[iStatus + 1]) : NaN;
      const t = timeFromGroups(g);
      const time = Number.isNaN(t) ? null : t;
      let method: string | undefined;
      let uri: string | undefined;
      if (iRequest >= 0) {
        const req = g[iRequest + 1] ?? '';
        const sp = req.indexOf(' ');
        if (sp > 0) {
          method = req.slice(0, sp);
          const sp2 = req.lastIndexOf(' ');
          uri = sp2 > sp ? req.slice(sp + 1, sp2) : req.slice(sp + 1);
        }
      }
      if (iMethod >= 0) method = g[iMethod + 1];
      if (iUri >= 0) uri = g[iUri + 1];
      const upAddrs = iUpAddr >= 0 ? splitAttempts(g[iUpAddr + 1] ?? '').filter((a) => a !== '-' && a !== '') : [];
      const lastUp = upAddrs[upAddrs.length - 1];
      const upstream = lastUp ? normaliseUpstream(lastUp) : iUpName >= 0 ? g[iUpName + 1] : undefined;
      if (ctx.request && time !== null && !Number.isNaN(status)) {
        const rec: { time: number; status: number; path?: string; upstream?: string } = { time, status };
        if (uri !== undefined) rec.path = uri.split('?')[0] ?? uri;
        if (upstream) rec.upstream = upstream;
        ctx.request(rec);
      }
      if (status === 9) {
        // nginx logs status 009 when it passed an answer through as HTTP/0.9 ("upstream sent no valid HTTP/1.0 header").
        const bytes = iBytes >= 0 ? Number(g[iBytes + 1]) : NaN;
        const fact: Fact = {
          kind: 'invalid-response',
          producer: id,
          software: 'nginx',
          ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line },
          time,
          stage: 'header',
          detail: Number.isNaN(bytes) ? 'http09' : `http09:${bytes}`,
        };
        const request: NonNullable<Fact['request']> = {};
        if (iClient >= 0 && g[iClient + 1]) request.client = g[iClient + 1] ?? '';
        if (method) request.method = method;
        if (uri) request.uri = uri;
        fact.request = request;
        if (upstream) fact.upstream = upstream;
        ctx.emit(fact);
        return true;
      }
      if (!(status >= 500 && status <= 599)) return true;
      const timing = {
        connect: parseTimes(iUpConnect >= 0 ? g[iUpConnect + 1] : undefined),
        header: parseTimes(iUpHeader >= 0 ? g[iUpHeader + 1] : undefined),
        response: parseTimes(iUpResponse >= 0 ? g[iUpResponse + 1] : undefined),
        statuses: parseTimes(iUpStatus >= 0 ? g[iUpStatus + 1] : undefined),
      };
      // Who made the 5xx: nginx writes $upstream_header_time "-" when no valid header arrived, so a 5xx
      // with a header time and the same $upstream_status was passed through from the upstream.
      const lastHeader = timing.header?.[timing.header.length - 1];
      const lastUpStatus = timing.statuses?.[timing.statuses.length - 1];
      // Without $upstream_status in the format, a header time alone says the upstream answered (nginx only
      // replaces the status with proxy_intercept_errors, which then logs the error_page's status).
      const passedThrough = lastHeader !== undefined && lastHeader !== null && (timing.statuses === undefined || lastUpStatus === status);
      const fact: Fact = {
        kind: passedThrough ? 'app-status' : 'gateway-status',
        producer: id,
        software: 'nginx',
        ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line },
        time,
        status,
      };
      if (upstream) fact.upstream = upstream;
      const request: NonNullable<Fact['request']> = {};
      if (iClient >= 0 && g[iClient + 1]) request.client = g[iClient + 1] ?? '';
      if (method) request.method = method;
      if (uri) request.uri = uri;
      if (iHost >= 0 && g[iHost + 1]) request.host = g[iHost + 1] ?? '';
      if (iReqId >= 0 && g[iReqId + 1] && g[iReqId + 1] !== '-') request.id = g[iReqId + 1] ?? '';
      fact.request = request;
      if (timing.connect || timing.header || timing.response || timing.statuses) {
        fact.timing = {};
        if (timing.connect) fact.timing.connect = timing.connect;
        if (timing.header) fact.timing.header = timing.header;
        if (timing.response) fact.timing.response = timing.response;
        if (timing.statuses) fact.timing.statuses = timing.statuses;
      }
      ctx.emit(fact);
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
