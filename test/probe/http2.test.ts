/** probeHttp when ALPN chose h2: node:http2 on the probed TLS socket, same result fields as HTTP/1.1. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, createSecureServer, type Http2SecureServer, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf, type KeyPair } from '../../src/lab/certs.js';
import { probeHttp, type HttpOptions } from '../../src/probe/http.js';
import { probeTls } from '../../src/probe/tls.js';
import type { ProbeContext } from '../../src/probe/types.js';
import { factOf, timed } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'why502-probe-h2-'));
let ca: Buffer;
let leaf: KeyPair;
beforeAll(async () => {
  const authority = await makeCa(dir);
  ca = readFileSync(authority.cert);
  leaf = await makeLeaf(dir, authority, 'h2', { names: ['localhost', '127.0.0.1'] });
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Running servers with their open sessions: close() waits for sessions, and the tests' are the prober's to end. */
const servers: { srv: Http2SecureServer; sessions: Set<ServerHttp2Session> }[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      ({ srv, sessions }) =>
        new Promise<void>((r) => {
          srv.close(() => r());
          for (const s of sessions) s.destroy();
        }),
    ),
  );
});

let sessionsSeen = 0;
async function h2(onStream: (s: ServerHttp2Stream, headers: Record<string, unknown>) => void): Promise<number> {
  const srv = createSecureServer({ cert: readFileSync(leaf.cert), key: readFileSync(leaf.key), allowHTTP1: false });
  const sessions = new Set<ServerHttp2Session>();
  srv.on('session', (s: ServerHttp2Session) => {
    sessionsSeen++;
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => undefined);
  });
  srv.on('stream', (st: ServerHttp2Stream, headers: Record<string, unknown>) => {
    st.on('error', () => undefined);
    onStream(st, headers);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  servers.push({ srv, sessions });
  const a = srv.address();
  return typeof a === 'object' && a ? a.port : 0;
}

async function tlsTo(port: number, ctx: ProbeContext): Promise<HttpOptions['socket']> {
  const t = await probeTls({ host: 'localhost', port, address: '127.0.0.1' }, { ca }, ctx);
  if (!t.ok) throw new Error(`TLS failed: ${JSON.stringify(t.facts)}`);
  expect(t.value.alpn).toBe('h2');
  return t.value.socket;
}

describe('probeHttp over HTTP/2', { timeout: 2000 }, () => {
  it('reads a healthy h2 answer with ordered headers', { timeout: 2000 }, async () => {
    let seen: Record<string, unknown> = {};
    const port = await h2((s, headers) => {
      seen = headers;
      s.respond({ ':status': 200, server: 'lab-h2', 'x-b': '2', 'x-a': '1' });
      s.end('hello h2');
    });
    const { ctx, elapsed } = timed(1500);
    const socket = await tlsTo(port, ctx);
    const r = await probeHttp({ host: 'localhost', port, path: '/h?x=1', secure: true }, { socket, headers: [['Cookie', 'sid=secret']] }, ctx);
    expect(r.facts).toEqual([]);
    expect(r.ok && r.value).toMatchObject({ httpVersion: '2', status: 200, reason: '', bodyBytes: 8, truncated: false, reused: false, reusable: false });
    if (!r.ok) return;
    expect(r.value.headers.slice(0, 3)).toEqual([['server', 'lab-h2'], ['x-b', '2'], ['x-a', '1']]);
    expect(r.value.body.toString()).toBe('hello h2');
    expect(r.timings.ttfb).toBeGreaterThanOrEqual(0);
    expect(seen).toMatchObject({ ':path': '/h?x=1', ':authority': `localhost:${port}`, cookie: 'sid=secret' });
    expect(r.transcript).toContain('> cookie: ***');
    expect(socket.destroyed).toBe(true);
    expect(elapsed()).toBeLessThan(700);
  });

  it('reports an h2 5xx as gateway-status', { timeout: 2000 }, async () => {
    const port = await h2((s) => {
      s.respond({ ':status': 503 });
      s.end('down');
    });
    const { ctx } = timed(1500);
    const r = await probeHttp({ host: 'localhost', port, path: '/', secure: true }, { socket: await tlsTo(port, ctx) }, ctx);
    expect(factOf(r, 'gateway-status')).toMatchObject({ status: 503, ref: { phase: 'http' } });
  });

  it('reuses the h2 connection for a second request and says so', { timeout: 2000 }, async () => {
    sessionsSeen = 0;
    const port = await h2((s) => {
      s.respond({ ':status': 200 });
      s.end('ok');
    });
    const { ctx } = timed(1500);
    const socket = await tlsTo(port, ctx);
    const target = { host: 'localhost', port, path: '/', secure: true };
    const one = await probeHttp(target, { socket, keepAlive: true }, ctx);
    expect(one.ok && one.value).toMatchObject({ reused: false, reusable: true });
    const two = await probeHttp(target, { socket, keepAlive: true }, ctx);
    expect(two.ok && two.value).toMatchObject({ status: 200, reused: true, reusable: true });
    const three = await probeHttp(target, { socket }, ctx);
    expect(three.ok && three.value).toMatchObject({ reused: true, reusable: false });
    expect(sessionsSeen).toBe(1);
    expect(socket.destroyed).toBe(true);
  });

  it('tells a stream reset before the response (upstream-reset with the h2 code)', { timeout: 2000 }, async () => {
    const port = await h2((s) => s.close(constants.NGHTTP2_INTERNAL_ERROR));
    const { ctx } = timed(1500);
    const r = await probeHttp({ host: 'localhost', port, path: '/', secure: true }, { socket: await tlsTo(port, ctx) }, ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'upstream-reset')).toMatchObject({ stage: 'header', detail: 'INTERNAL_ERROR', ref: { phase: 'http' } });
  });

  it('tells a connection closed mid-body', { timeout: 2000 }, async () => {
    const port = await h2((s) => {
      s.respond({ ':status': 200 });
      s.write('part', () => s.session?.destroy());
    });
    const { ctx } = timed(1500);
    const r = await probeHttp({ host: 'localhost', port, path: '/', secure: true }, { socket: await tlsTo(port, ctx) }, ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'upstream-closed')).toMatchObject({ stage: 'body', detail: 'closed after 4 body bytes' });
    expect(r.value?.status).toBe(200);
  });

  it('stops an endless h2 body at maxBody', { timeout: 2000 }, async () => {
    const port = await h2((s) => {
      s.respond({ ':status': 200 });
      const chunk = Buffer.alloc(16 * 1024, 0x62);
      const pump = (): void => {
        while (!s.destroyed && !s.closed) if (!s.write(chunk)) return void s.once('drain', pump);
      };
      s.on('error', () => undefined);
      pump();
    });
    const { ctx, elapsed } = timed(1500);
    const r = await probeHttp({ host: 'localhost', port, path: '/', secure: true }, { socket: await tlsTo(port, ctx), maxBody: 100_000 }, ctx);
    expect(r.ok && r.value).toMatchObject({ truncated: true });
    expect(r.ok && r.value.body.length).toBe(100_000);
    expect(elapsed()).toBeLessThan(700);
  });

  it('cuts an h2 answer that never comes at the deadline', { timeout: 2000 }, async () => {
    const port = await h2(() => undefined);
    const { ctx, elapsed } = timed(600);
    const r = await probeHttp({ host: 'localhost', port, path: '/', secure: true }, { socket: await tlsTo(port, ctx) }, ctx);
    expect(factOf(r, 'timeout')).toMatchObject({ stage: 'header', detail: 'deadline' });
    expect(elapsed()).toBeLessThan(900);
  });
});
