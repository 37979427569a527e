/**
 * HTTP prober: sends one request on a connected socket and reads the answer raw (HTTP/1.1), or with node:http2
 * when ALPN chose h2. Tells apart a closed, reset, slow, oversized or malformed answer, and whether the request
 * went on a reused keep-alive connection.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { errnoFromNodeCode } from '../evidence/errno.js';
import type { Fact } from '../evidence/facts.js';
import { startBudget } from './budget.js';
import { escapeBytes, hostPort, probeFact, since, Transcript } from './evidence.js';
import { Http1ResponseParser } from './http1-parser.js';
import { probeHttp2 } from './http2.js';
import { requestHeaders } from './http-request.js';
import { DEFAULT_MAX_BODY, DEFAULT_MAX_HEADER, type HttpOptions, type HttpPartial, type HttpResponse, type HttpTarget } from './http-types.js';
import type { ProbeContext, ProbeResult, ProbeTimings } from './types.js';

export type { HttpOptions, HttpPartial, HttpResponse, HttpTarget } from './http-types.js';

/** What this module knows of a socket between requests: how many it carried, and whether it closed while idle. */
interface ConnState {
  requests: number;
  closedWhileIdle: boolean;
  strayBytes: number;
  stopIdle: (() => void) | null;
}

const conns = new WeakMap<Socket, ConnState>();
const ignore = (): void => undefined;

/** Errors while no exchange listens (idle keep-alive) must not crash the process; attach the no-op once per socket. */
function quiet(socket: Socket): void {
  if (!socket.listeners('error').includes(ignore)) socket.on('error', ignore);
}

function connState(socket: Socket): ConnState {
  let s = conns.get(socket);
  if (!s) {
    s = { requests: 0, closedWhileIdle: false, strayBytes: 0, stopIdle: null };
    conns.set(socket, s);
  }
  return s;
}

/**
 * While a kept-alive socket waits for the caller's next request, notice the server closing it (and destroy it
 * then), and count bytes it sends unasked (a 408 before closing, garbage): they make the connection unusable.
 */
function watchIdle(socket: Socket, state: ConnState): void {
  const onData = (d: Buffer): void => {
    state.strayBytes += d.length;
  };
  const onGone = (): void => {
    state.closedWhileIdle = true;
    socket.destroy();
  };
  socket.on('data', onData);
  socket.once('end', onGone);
  socket.once('close', onGone);
  quiet(socket);
  socket.resume();
  state.stopIdle = () => {
    socket.off('data', onData);
    socket.off('end', onGone);
    socket.off('close', onGone);
    state.stopIdle = null;
  };
}

type Ending = { how: 'parsed' } | { how: 'eof' } | { how: 'error'; code: string; onWrite: boolean } | { how: 'ended'; why: string };

/** Send the request and read until the parser is done or fails, the peer closes or errs, or the budget ends. */
function exchange(socket: Socket, request: Buffer, parser: Http1ResponseParser, signal: AbortSignal, ended: () => string | null, onFirstByte: () => void): Promise<Ending> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (e: Ending): void => {
      if (settled) return;
      settled = true;
      // Paused, so bytes already buffered behind this response wait for the idle watcher instead of being lost.
      socket.pause();
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      resolve(e);
    };
    const onData = (d: Buffer): void => {
      if (parser.received === 0) onFirstByte();
      parser.feed(d);
      if (parser.state === 'done' || parser.state === 'error') done({ how: 'parsed' });
    };
    const onEnd = (): void => {
      parser.end();
      done({ how: 'eof' });
    };
    const onError = (e: Error & { code?: string }): void => done({ how: 'error', code: e.code ?? 'EOTHER', onWrite: false });
    const onAbort = (): void => done({ how: 'ended', why: ended() ?? 'deadline' });
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.on('error', onError);
    socket.resume();
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.write(request, (err?: Error | null) => {
      if (err) done({ how: 'error', code: (err as { code?: string }).code ?? 'EPIPE', onWrite: parser.received === 0 });
    });
  });
}

/** Is the connection fit for another request after this response? (RFC 9112 §9.3) */
function keepable(parser: Http1ResponseParser, keepAlive: boolean, socket: Socket): boolean {
  const head = parser.head;
  if (!keepAlive || !head || parser.truncated || parser.leftover > 0 || parser.framing === 'close' || socket.destroyed) return false;
  const connection = head.headers.filter(([k]) => k.toLowerCase() === 'connection').map(([, v]) => v.toLowerCase()).join(',');
  if (/\bclose\b/.test(connection)) return false;
  return head.version === '1.1' || /\bkeep-alive\b/.test(connection);
}

function partialOf(parser: Http1ResponseParser, reused: boolean): HttpPartial {
  const p: HttpPartial = { reused, bodyBytes: parser.bodyBytes };
  if (parser.head) {
    p.httpVersion = parser.head.version;
    p.status = parser.head.status;
    p.reason = parser.head.reason;
    p.headers = parser.head.headers;
  }
  if (parser.received > 0) p.firstBytes = escapeBytes(parser.firstBytes);
  return p;
}

/** The failure fact for an exchange that did not end in a complete response. */
function failureFact(ending: Ending, parser: Http1ResponseParser, where: string, scheme: string, reused: boolean): Fact {
  const base = { upstream: where, scheme };
  const stage = parser.state === 'body' ? 'body' : 'header';
  const onReused = reused ? ' on a reused keep-alive connection' : '';
  if (parser.state === 'error' && parser.error) {
    const e = parser.error;
    return probeFact(e.kind, 'http', `${where}: ${e.detail}${onReused}; first bytes: "${escapeBytes(parser.firstBytes)}"`, { ...base, stage: e.stage, detail: e.detail });
  }
  if (ending.how === 'ended') {
    const got = stage === 'body' ? `${parser.bodyBytes} body bytes` : parser.received === 0 ? 'no byte of the answer' : `${parser.received} bytes of the header, not its end`;
    const text = ending.why === 'aborted' ? `${where}: aborted while waiting for the ${stage} (${got})` : `${where}: deadline passed waiting for the response ${stage}: got ${got}${onReused}`;
    return probeFact('timeout', 'http', text, { ...base, stage, detail: ending.why });
  }
  if (ending.how === 'error') {
    const errno = errnoFromNodeCode(ending.code);
    const at = ending.onWrite ? 'send' : stage;
    return probeFact('upstream-reset', 'http', `${where}: ${ending.code} while ${at === 'send' ? 'sending the request' : `reading the response ${stage}`}${onReused}`, { ...base, stage: at, errno, detail: ending.code });
  }
  // EOF before the response was complete.
  let detail: string;
  if (stage === 'header') detail = parser.received === 0 ? 'closed before any byte' : `closed after ${parser.received} bytes of the header`;
  else if (parser.framing === 'length') detail = `closed after ${parser.bodyBytes} of ${parser.contentLength} body bytes`;
  else detail = `chunked body not terminated (closed after ${parser.bodyBytes} body bytes)`;
  return probeFact('upstream-closed', 'http', `${where}: ${detail}${onReused}`, { ...base, stage, detail });
}

/**
 * Send one request and read the answer.
 * @example
 * const r = await probeHttp({ host: 'example.com', port: 443, path: '/', secure: true }, { socket: tls.value.socket }, ctx);
 * if (r.ok) console.log(r.value.status, r.value.headers);
 */
export async function probeHttp(target: HttpTarget, options: HttpOptions, ctx: ProbeContext): Promise<ProbeResult<HttpResponse, HttpPartial>> {
  const socket = options.socket;
  if (socket instanceof TLSSocket && socket.alpnProtocol === 'h2') return probeHttp2(target, options, ctx);
  const start = performance.now();
  const method = (options.method ?? 'GET').toUpperCase();
  const keepAlive = options.keepAlive ?? false;
  const headers = requestHeaders(target, options);
  if (!headers.some(([k]) => k.toLowerCase() === 'connection')) headers.push(['Connection', keepAlive ? 'keep-alive' : 'close']);
  const where = hostPort(target.host, target.port);
  const scheme = target.secure ? 'https' : 'http';
  const t = new Transcript();
  const state = connState(socket);
  state.stopIdle?.();
  const reused = state.requests > 0;
  state.requests++;
  quiet(socket);

  if (state.closedWhileIdle || state.strayBytes > 0 || socket.destroyed || !socket.writable) {
    socket.destroy();
    const detail = state.strayBytes > 0 ? `sent ${state.strayBytes} unrequested bytes while idle` : reused ? 'closed while idle' : 'closed before the request';
    const text = `${where}: the connection ${state.strayBytes > 0 ? '' : 'was '}${detail}${reused ? `; request ${state.requests} not sent` : ''}`;
    t.note(text);
    const fact = probeFact('upstream-closed', 'http', text, { upstream: where, scheme, stage: 'send', detail });
    return { ok: false, value: { reused, bodyBytes: 0 }, facts: [fact], timings: { total: since(start) }, transcript: t.lines };
  }

  const head = `${method} ${target.path} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  if (reused) t.note(`reusing the connection to ${where} (request ${state.requests})`);
  t.sent(`${method} ${target.path} HTTP/1.1`);
  for (const [k, v] of headers) t.sent(`${k}: ${v}`);
  if (options.body !== undefined) t.sent(`[body ${Buffer.byteLength(options.body)} bytes]`);
  const request = options.body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(options.body)]);

  const parser = new Http1ResponseParser({ maxHeader: options.maxHeader ?? DEFAULT_MAX_HEADER, maxBody: options.maxBody ?? DEFAULT_MAX_BODY, method });
  const budget = startBudget(ctx);
  const sent = performance.now();
  let ttfb: number | undefined;
  const ending = await exchange(socket, request, parser, budget.signal, budget.ended, () => (ttfb = since(sent)));
  budget.dispose();
  const timings: ProbeTimings = { ...(ttfb !== undefined ? { ttfb } : {}), total: since(start) };

  if (parser.head) {
    t.received(`HTTP/${parser.head.version} ${parser.head.status} ${parser.head.reason}`.trimEnd());
    for (const [k, v] of parser.head.headers) t.received(`${k}: ${v}`);
  } else if (parser.received > 0) {
    t.received(escapeBytes(parser.firstBytes));
  }
  if (parser.interim.length > 0) t.note(`interim responses: ${parser.interim.join(', ')}`);

  if (parser.state !== 'done') {
    socket.destroy();
    const fact = failureFact(ending, parser, where, scheme, reused);
    t.note(fact.ref.text);
    return { ok: false, value: partialOf(parser, reused), facts: [fact], timings, transcript: t.lines };
  }

  const h = parser.head;
  if (!h) throw new Error('parser done without a head');
  const body = Buffer.concat(parser.body);
  t.note(parser.truncated ? `body: stopped reading at ${parser.kept} bytes (maxBody)` : `body: ${parser.bodyBytes} bytes`);
  const reusable = keepable(parser, keepAlive, socket);
  if (reusable) watchIdle(socket, state);
  else socket.destroy();
  t.note(reusable ? 'connection kept open for reuse' : 'connection closed');
  const value: HttpResponse = { httpVersion: h.version, status: h.status, reason: h.reason, headers: h.headers, body, bodyBytes: parser.bodyBytes, truncated: parser.truncated, interim: parser.interim, reused, reusable };
  const facts: Fact[] = [];
  if (h.status >= 500 && h.status <= 599) {
    facts.push(probeFact('gateway-status', 'http', `${where}: HTTP/${h.version} ${h.status} ${h.reason}`.trimEnd(), { upstream: where, scheme, status: h.status }));
  }
  return { ok: true, value, facts, timings, transcript: t.lines };
}
