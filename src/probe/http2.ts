/** The HTTP prober's HTTP/2 half: one request with node:http2 on a TLS socket whose ALPN chose h2. */
import { connect as h2connect, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, constants } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { errnoFromNodeCode } from '../evidence/errno.js';
import type { Fact } from '../evidence/facts.js';
import { startBudget } from './budget.js';
import { hostPort, probeFact, since, Transcript } from './evidence.js';
import { authority, requestHeaders } from './http-request.js';
import { DEFAULT_MAX_BODY, type HttpOptions, type HttpPartial, type HttpResponse, type HttpTarget } from './http-types.js';
import type { ProbeContext, ProbeResult, ProbeTimings } from './types.js';

/** RST_STREAM / GOAWAY error codes (RFC 9113 §7), by number. */
const H2_ERRORS = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2) or carries as pseudo-headers: not sent as given. */
const NOT_IN_H2 = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

interface H2Conn {
  session: ClientHttp2Session;
  requests: number;
}

const sessions = new WeakMap<TLSSocket, H2Conn>();
const ignore = (): void => undefined;

type Ending = { how: 'end' } | { how: 'truncated' } | { how: 'error'; code: string; h2?: string } | { how: 'closed'; h2?: string } | { how: 'ended'; why: string };

function h2Name(code: number | undefined): string | undefined {
  return code === undefined ? undefined : (H2_ERRORS[code] ?? `0x${code.toString(16)}`);
}

/**
 * Send one request on an h2 TLS socket; same result shape as probeHttp (which calls this when ALPN chose h2).
 * @example const r = await probeHttp2(target, { socket: tls.value.socket }, ctx);
 */
export async function probeHttp2(target: HttpTarget, options: HttpOptions, ctx: ProbeContext): Promise<ProbeResult<HttpResponse, HttpPartial>> {
  const start = performance.now();
  const socket = options.socket as TLSSocket;
  const where = hostPort(target.host, target.port);
  const base = { upstream: where, scheme: 'https' };
  const t = new Transcript();
  const maxBody = options.maxBody ?? DEFAULT_MAX_BODY;
  const method = (options.method ?? 'GET').toUpperCase();
  const extra = requestHeaders(target, options).filter(([k]) => !NOT_IN_H2.has(k.toLowerCase()));

  let conn = sessions.get(socket);
  const reused = conn !== undefined && conn.requests > 0;
  if (conn && (conn.session.closed || conn.session.destroyed)) {
    socket.destroy();
    t.note(`the HTTP/2 connection to ${where} was closed while idle: not reused`);
    const fact = probeFact('upstream-closed', 'http', `${where}: the kept-alive HTTP/2 connection was closed while idle`, { ...base, stage: 'send', detail: 'closed while idle' });
    return { ok: false, value: { reused, bodyBytes: 0 }, facts: [fact], timings: { total: since(start) }, transcript: t.lines };
  }
  if (!conn) {
    const session = h2connect(`https://${authority(target)}`, { createConnection: () => socket, maxHeaderListPairs: 1000 });
    session.on('error', ignore);
    conn = { session, requests: 0 };
    sessions.set(socket, conn);
  }
  conn.requests++;
  const session = conn.session;
  if (reused) t.note(`reusing the HTTP/2 connection to ${where} (request ${conn.requests})`);

  const headers: Record<string, string | string[]> = { ':method': method, ':path': target.path, ':scheme': 'https', ':authority': authority(target) };
  for (const [k, v] of extra) {
    const name = k.toLowerCase();
    const prev = headers[name];
    headers[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) t.sent(`${k}: ${one}`);

  const budget = startBudget(ctx);
  const sent = performance.now();
  let ttfb: number | undefined;
  let status: number | undefined;
  let respHeaders: [string, string][] = [];
  const body: Buffer[] = [];
  let kept = 0;
  let bodyBytes = 0;
  let stream: ClientHttp2Stream | undefined;

  const ending = await new Promise<Ending>((resolve) => {
    let settled = false;
    const done = (e: Ending): void => {
      if (settled) return;
      settled = true;
      session.off('close', onSessionClose);
      session.off('error', onSessionError);
      budget.signal.removeEventListener('abort', onAbort);
      resolve(e);
    };
    const onSessionClose = (): void => done({ how: 'closed' });
    const onSessionError = (e: Error & { code?: string }): void => done({ how: 'error', code: e.code ?? 'EOTHER' });
    const onAbort = (): void => done({ how: 'ended', why: budget.ended() ?? 'deadline' });
    session.once('close', onSessionClose);
    session.on('error', onSessionError);
    if (budget.signal.aborted) return onAbort();
    budget.signal.addEventListener('abort', onAbort, { once: true });
    try {
      stream = session.request(headers, { endStream: options.body === undefined });
    } catch (e) {
      return done({ how: 'error', code: (e as { code?: string }).code ?? 'EOTHER' });
    }
    const s = stream;
    s.on('response', (h: IncomingHttpHeaders, _flags: number, raw?: string[]) => {
      ttfb = since(sent);
      status = Number(h[':status']);
      const pairs: [string, string][] = [];
      if (raw) for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] ?? '', raw[i + 1] ?? '']);
      else for (const [k, v] of Object.entries(h)) for (const one of Array.isArray(v) ? v : [v]) pairs.push([k, String(one)]);
      respHeaders = pairs.filter(([k]) => !k.startsWith(':'));
    });
    s.on('data', (d: Buffer) => {
      bodyBytes += d.length;
      const part = d.subarray(0, Math.max(0, maxBody - kept));
      if (part.length > 0) body.push(part);
      kept += part.length;
      // More than maxBody arrived: stop the stream (the session survives) so an endless body costs nothing more.
      if (bodyBytes > maxBody) {
        s.close(constants.NGHTTP2_CANCEL);
        done({ how: 'truncated' });
      }
    });
    // A stream cut by a lost connection also ends, but with an RST code set (CANCEL) and its session gone.
    const cut = (): Ending => ({ how: 'closed', h2: session.destroyed || session.closed ? undefined : h2Name(s.rstCode) });
    s.on('end', () => done(s.rstCode ? cut() : { how: 'end' }));
    s.on('error', (e: Error & { code?: string }) => done({ how: 'error', code: e.code ?? 'EOTHER', h2: h2Name(s.rstCode) }));
    s.on('close', () => done(cut()));
    if (options.body !== undefined) s.end(options.body);
  });
  budget.dispose();
  const timings: ProbeTimings = { ...(ttfb !== undefined ? { ttfb } : {}), total: since(start) };
  if (status !== undefined) {
    t.received(`:status: ${status}`);
    for (const [k, v] of respHeaders) t.received(`${k}: ${v}`);
  }
  const closeAll = (): void => {
    stream?.close(constants.NGHTTP2_CANCEL);
    session.destroy();
    socket.destroy();
  };

  if (ending.how === 'end' || ending.how === 'truncated') {
    const keep = (options.keepAlive ?? false) && ending.how === 'end' && !session.closed && !session.destroyed;
    if (!keep) closeAll();
    t.note(ending.how === 'truncated' ? `body: stopped reading at ${kept} bytes (maxBody)` : `body: ${bodyBytes} bytes`);
    t.note(keep ? 'connection kept open for reuse' : 'connection closed');
    const st = status ?? 0;
    const value: HttpResponse = { httpVersion: '2', status: st, reason: '', headers: respHeaders, body: Buffer.concat(body), bodyBytes, truncated: ending.how === 'truncated', interim: [], reused, reusable: keep };
    const facts: Fact[] = st >= 500 && st <= 599 ? [probeFact('gateway-status', 'http', `${where}: HTTP/2 ${st}`, { ...base, status: st })] : [];
    return { ok: true, value, facts, timings, transcript: t.lines };
  }

  closeAll();
  const stage = status === undefined ? 'header' : 'body';
  const onReused = reused ? ' on a reused HTTP/2 connection' : '';
  let fact: Fact;
  if (ending.how === 'ended') {
    fact = probeFact('timeout', 'http', `${where}: ${ending.why === 'aborted' ? 'aborted' : 'deadline passed'} waiting for the HTTP/2 response ${stage}${onReused}`, { ...base, stage, detail: ending.why });
  } else if (ending.h2 === 'PROTOCOL_ERROR' || ending.h2 === 'COMPRESSION_ERROR' || (ending.how === 'error' && /^ERR_HTTP2_(?:ERROR|INVALID|HEADER|PROTOCOL)/.test(ending.code))) {
    const detail = `HTTP/2 ${ending.h2 ?? (ending.how === 'error' ? ending.code : 'protocol error')}`;
    fact = probeFact('invalid-response', 'http', `${where}: ${detail}${onReused}`, { ...base, stage, detail });
  } else if (ending.h2 !== undefined && ending.h2 !== 'NO_ERROR') {
    fact = probeFact('upstream-reset', 'http', `${where}: the server reset the HTTP/2 stream (${ending.h2}) before the response ${stage === 'header' ? 'header' : 'ended'}${onReused}`, { ...base, stage, detail: ending.h2 });
  } else if (ending.how === 'error' && /^E[A-Z]+$/.test(ending.code)) {
    fact = probeFact('upstream-reset', 'http', `${where}: ${ending.code} on the HTTP/2 connection${onReused}`, { ...base, stage, errno: errnoFromNodeCode(ending.code), detail: ending.code });
  } else {
    const detail = stage === 'header' ? 'closed before the response header' : `closed after ${bodyBytes} body bytes`;
    fact = probeFact('upstream-closed', 'http', `${where}: HTTP/2 ${detail}${ending.how === 'error' ? ` (${ending.code})` : ''}${onReused}`, { ...base, stage, detail });
  }
  t.note(fact.ref.text);
  const partial: HttpPartial = { reused, bodyBytes, ...(status !== undefined ? { httpVersion: '2', status, reason: '', headers: respHeaders } : {}) };
  return { ok: false, value: partial, facts: [fact], timings, transcript: t.lines };
}
