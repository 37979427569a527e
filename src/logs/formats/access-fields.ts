/**
 * The fields an access log line can carry, whatever its layout (a `log_format`, a key=value tail, JSON), and
 * the one place that turns them into facts: who made a 5xx (the gateway or the application), which upstream,
 * which request, with the upstream timings.
 */
import type { Fact } from '../../evidence/facts.js';
import { normaliseUpstream } from '../messages/nginx.js';
import { parseTimes, splitAttempts } from './nginx-log-format.js';
import type { AccessRecord, ParseContext } from './types.js';

/** Raw field values as logged (nginx variable semantics; multi-attempt values as "a, b : c"). */
export interface AccessFields {
  status: number;
  time: number | null;
  method?: string | undefined;
  uri?: string | undefined;
  client?: string | undefined;
  host?: string | undefined;
  upstreamAddr?: string | undefined;
  upstreamName?: string | undefined;
  upstreamStatus?: string | undefined;
  upstreamConnect?: string | undefined;
  upstreamHeader?: string | undefined;
  upstreamResponse?: string | undefined;
  requestId?: string | undefined;
  bytes?: string | undefined;
}

/** Split "GET /path?q HTTP/1.1" into method and URI; nginx escapes unprintable bytes as \xHH. */
export function splitRequest(req: string): { method?: string; uri?: string } {
  const sp = req.indexOf(' ');
  if (sp <= 0) return {};
  const sp2 = req.lastIndexOf(' ');
  const uri = sp2 > sp ? req.slice(sp + 1, sp2) : req.slice(sp + 1);
  return { method: req.slice(0, sp), uri: unescapeLogged(uri) };
}

/** Undo nginx's and Apache's `\xHH` escaping, so a request logged in the access log joins its error-log line. */
export function unescapeLogged(s: string): string {
  if (!s.includes('\\x')) return s;
  return s.replace(/\\x([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The upstream a request ended on (the last attempt), normalised. */
function lastUpstream(f: AccessFields): string | undefined {
  const addrs = f.upstreamAddr !== undefined ? splitAttempts(f.upstreamAddr).filter((a) => a !== '-' && a !== '') : [];
  const last = addrs[addrs.length - 1];
  if (last) return normaliseUpstream(last);
  return f.upstreamName && f.upstreamName !== '-' ? f.upstreamName : undefined;
}

/**
 * Emit the facts of one access-log request (none for a success) and report it to the statistics.
 * @example emitAccess({ status: 502, time: 0, uri: '/' }, ctx, line, 'nginx-access', 'nginx')
 */
export function emitAccess(f: AccessFields, ctx: ParseContext, line: string, producer: string, software: string): void {
  const upstream = lastUpstream(f);
  if (ctx.request && f.time !== null && !Number.isNaN(f.status)) {
    const rec: AccessRecord = { time: f.time, status: f.status };
    if (f.uri !== undefined) rec.path = f.uri.split('?')[0] ?? f.uri;
    if (upstream) rec.upstream = upstream;
    ctx.request(rec);
  }
  const request: NonNullable<Fact['request']> = {};
  if (f.client) request.client = f.client;
  if (f.method) request.method = f.method;
  if (f.uri) request.uri = f.uri;
  const ref = { source: 'log' as const, file: ctx.file, line: ctx.lineNo, text: line };
  if (f.status === 9) {
    // nginx logs status 009 when it passed an answer through as HTTP/0.9 ("upstream sent no valid HTTP/1.0 header").
    const bytes = Number(f.bytes);
    const fact: Fact = { kind: 'invalid-response', producer, software, ref, time: f.time, stage: 'header', detail: Number.isNaN(bytes) ? 'http09' : `http09:${bytes}` };
    fact.request = request;
    if (upstream) fact.upstream = upstream;
    ctx.emit(fact);
    return;
  }
  if (!(f.status >= 500 && f.status <= 599)) return;
  const timing = {
    connect: parseTimes(f.upstreamConnect),
    header: parseTimes(f.upstreamHeader),
    response: parseTimes(f.upstreamResponse),
    statuses: parseTimes(f.upstreamStatus),
  };
  // Who made the 5xx: nginx writes $upstream_header_time "-" when no valid header arrived, so a 5xx with a
  // header time and the same $upstream_status was passed through from the upstream. Without $upstream_status
  // in the format, a header time alone says the upstream answered (nginx only replaces the status with
  // proxy_intercept_errors, which then logs the error_page's status).
  const lastHeader = timing.header?.[timing.header.length - 1];
  const lastUpStatus = timing.statuses?.[timing.statuses.length - 1];
  const passedThrough = lastHeader !== undefined && lastHeader !== null && (timing.statuses === undefined || lastUpStatus === f.status);
  const fact: Fact = { kind: passedThrough ? 'app-status' : 'gateway-status', producer, software, ref, time: f.time, status: f.status };
  if (upstream) fact.upstream = upstream;
  if (f.host) request.host = f.host;
  if (f.requestId && f.requestId !== '-') request.id = f.requestId;
  fact.request = request;
  if (timing.connect || timing.header || timing.response || timing.statuses) {
    fact.timing = {};
    if (timing.connect) fact.timing.connect = timing.connect;
    if (timing.header) fact.timing.header = timing.header;
    if (timing.response) fact.timing.response = timing.response;
    if (timing.statuses) fact.timing.statuses = timing.statuses;
  }
  ctx.emit(fact);
}
