/**
 * probeHttp (HTTP/1.1) against raw loopback servers that write exact bytes: healthy, 502, reset, closed before or
 * during the answer, malformed, garbage, huge or endless or slow headers, an endless body, invalid chunking, and
 * keep-alive reuse (including the race where the server drops a request on an idle connection).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createH2cServer } from 'node:http2';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf } from '../../src/lab/certs.js';
import { okResponse, rawServer, tlsServer, type OnRequest, type RawServer } from '../../src/lab/faults/raw-server.js';
import { probeHttp } from '../../src/probe/http.js';
import { probeTcp } from '../../src/probe/tcp.js';
import { factOf, httpTo, portOf, timed } from './helpers.js';

const servers: RawServer[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
async function serve(onRequest: OnRequest, waitHeaders = true): Promise<string> {
  const s = await rawServer(onRequest, { waitHeaders });
  servers.push(s);
  return s.address;
}

/** Write `data` forever, respecting backpressure, until the peer goes; counts what was written. */
function endless(s: Socket, data: Buffer, written: { bytes: number; closedAt?: number }): void {
  s.on('close', () => (written.closedAt = Date.now()));
  const pump = (): void => {
    while (!s.destroyed) {
      written.bytes += data.length;
      if (!s.write(data)) {
        s.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

describe('probeHttp over HTTP/1.1', { timeout: 2000 }, () => {
  it('reads a healthy answer: status, reason, ordered raw headers, body, timings', { timeout: 2000 }, async () => {
    let request = '';
    const address = await serve((s, first) => {
      request = first.toString('latin1');
      s.end('HTTP/1.1 200 OK\r\nServer: lab\r\nX-Two: 2\r\nx-one: 1\r\nContent-Length: 5\r\n\r\nhello');
    });
    const { ctx, elapsed } = timed(1500);
    const r = await httpTo(address, ctx, { headers: [['Cookie', 'session=abc']] }, '/p?q=1');
    expect(r.facts).toEqual([]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ httpVersion: '1.1', status: 200, reason: 'OK', bodyBytes: 5, truncated: false, reused: false, reusable: false });
    expect(r.value.headers).toEqual([['Server', 'lab'], ['X-Two', '2'], ['x-one', '1'], ['Content-Length', '5']]);
    expect(r.value.body.toString()).toBe('hello');
    expect(r.timings.ttfb).toBeGreaterThanOrEqual(0);
    expect(request).toMatch(/^GET \/p\?q=1 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nUser-Agent: why502\/[\d.]+\r\nAccept: \*\/\*\r\nCookie: session=abc\r\nConnection: close\r\n\r\n$/);
    // The transcript shows the exchange with the cookie masked.
    expect(r.transcript).toContain('> GET /p?q=1 HTTP/1.1');
    expect(r.transcript).toContain('> Cookie: ***');
    expect(r.transcript).toContain('< HTTP/1.1 200 OK');
    expect(elapsed()).toBeLessThan(500);
  });

  it('reports a 5xx answer as gateway-status, with the response as value', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end('HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\nContent-Length: 3\r\n\r\nbad'));
    const r = await httpTo(address, timed(1500).ctx);
    expect(r.ok).toBe(true);
    expect(factOf(r, 'gateway-status')).toMatchObject({ status: 502, ref: { source: 'probe', phase: 'http' } });
    expect(r.ok && r.value.reason).toBe('Bad Gateway');
  });

  it('skips 1xx interim answers and reads a body framed by close', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil close'));
    const r = await httpTo(address, timed(1500).ctx);
    expect(r.ok && r.value).toMatchObject({ httpVersion: '1.0', status: 200, interim: [103] });
    expect(r.ok && r.value.body.toString()).toBe('until close');
  });

  it('reads a chunked body', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n'));
    const r = await httpTo(address, timed(1500).ctx);
    expect(r.ok && r.value.body.toString()).toBe('hello world');
  });

  it('tells a reset before the response (upstream-reset, header)', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.resetAndDestroy());
    const r = await httpTo(address, timed(1500).ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'upstream-reset')).toMatchObject({ errno: 'ECONNRESET', stage: 'header', ref: { phase: 'http' } });
  });

  it('tells a close before any byte (upstream-closed, header)', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end());
    const r = await httpTo(address, timed(1500).ctx);
    expect(factOf(r, 'upstream-closed')).toMatchObject({ stage: 'header', detail: 'closed before any byte', ref: { phase: 'http' } });
    expect(r.value?.reused).toBe(false);
  });

  it('tells a close in the middle of the header', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end('HTTP/1.1 200 OK\r\nContent-Le'));
    const r = await httpTo(address, timed(1500).ctx);
    expect(factOf(r, 'upstream-closed')).toMatchObject({ stage: 'header', detail: 'closed after 27 bytes of the header' });
  });

  it('tells a close mid-body (Content-Length not reached)', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'));
    const r = await httpTo(address, timed(1500).ctx);
    expect(factOf(r, 'upstream-closed')).toMatchObject({ stage: 'body', detail: 'closed after 9 of 100 body bytes' });
    expect(r.value).toMatchObject({ status: 200, bodyBytes: 9 });
  });

  it('tells a close mid-body (chunked not terminated)', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'));
    const r = await httpTo(address, timed(1500).ctx);
    expect(factOf(r, 'upstream-closed')).toMatchObject({ stage: 'body', detail: 'chunked body not terminated (closed after 5 body bytes)' });
  });

  it('shows a malformed status line as sent', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end('HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n'));
    const r = await httpTo(address, timed(1500).ctx);
    expect(factOf(r, 'invalid-response')).toMatchObject({ stage: 'header', detail: 'invalid status line: "HTTP/1.1 2OO OK"' });
    expect(!r.ok && r.value?.firstBytes).toBe('HTTP/1.1 2OO OK\\r\\nContent-Length: 0\\r\\n\\r\\n');
  });

  it('shows garbage bytes escaped, without waiting for a header end', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.write(Buffer.from([0x00, 0xff, 0x41, 0x0d, 0x0a, 0x42])));
    const { ctx, elapsed } = timed(1500);
    const r = await httpTo(address, ctx);
    expect(factOf(r, 'invalid-response').detail).toBe('invalid status line: "\\x00\\xffA\\r\\nB"');
    expect(elapsed()).toBeLessThan(500);
  });

  it('tells an invalid header name', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end('HTTP/1.1 200 OK\r\nBad Header: x\r\nContent-Length: 0\r\n\r\n'));
    const r = await httpTo(address, timed(1500).ctx);
    expect(factOf(r, 'invalid-response').detail).toBe('invalid header line: "Bad Header: x"');
  });

  it('tells conflicting framing headers', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'));
    const r = await httpTo(address, timed(1500).ctx);
    expect(factOf(r, 'invalid-response').detail).toBe('conflicting Content-Length: "3, 4"');
  });

  it('tells invalid chunked encoding (body stage)', { timeout: 2000 }, async () => {
    const address = await serve((s) => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n'));
    const r = await httpTo(address, timed(1500).ctx);
    expect(factOf(r, 'invalid-response')).toMatchObject({ stage: 'body', detail: 'invalid chunk size: "ZZ"' });
  });

  it('tells a response header over 64 KiB (header-too-big)', { timeout: 2000 }, async () => {
    const big = `X-Big: ${'a'.repeat(100 * 1024)}\r\n`;
    const address = await serve((s) => s.end(`HTTP/1.1 200 OK\r\n${big}Content-Length: 0\r\n\r\n`));
    const r = await httpTo(address, timed(1500).ctx);
    expect(factOf(r, 'header-too-big')).toMatchObject({ stage: 'header', ref: { phase: 'http' } });
  });

  it('cuts headers sent at one byte a second at the deadline (timeout, header)', { timeout: 2000 }, async () => {
    const address = await serve((s) => {
      const bytes = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      let i = 0;
      s.write(bytes.subarray(i, ++i));
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write(bytes.subarray(i, ++i))), 1000);
      timers.push(t);
    });
    const { ctx, elapsed } = timed(1200);
    const r = await httpTo(address, ctx);
    expect(factOf(r, 'timeout')).toMatchObject({ stage: 'header', detail: 'deadline', ref: { phase: 'http' } });
    expect(!r.ok && r.value?.firstBytes).toBe('HT');
    expect(elapsed()).toBeGreaterThanOrEqual(1150);
    expect(elapsed()).toBeLessThan(1500);
  });

  it('cuts headers that never end at the deadline', { timeout: 2000 }, async () => {
    const address = await serve((s) => {
      s.write('HTTP/1.1 200 OK\r\n');
      let n = 0;
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write(`X-Line-${n++}: more\r\n`)), 10);
      timers.push(t);
    });
    const { ctx, elapsed } = timed(600);
    const r = await httpTo(address, ctx);
    expect(factOf(r, 'timeout')).toMatchObject({ stage: 'header' });
    expect(elapsed()).toBeLessThan(900);
  });

  it('stops reading an endless body at maxBody, with bounded memory', { timeout: 2000 }, async () => {
    const written: { bytes: number; closedAt?: number } = { bytes: 0 };
    const address = await serve((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n');
      endless(s, Buffer.alloc(64 * 1024, 0x61), written);
    });
    const before = process.memoryUsage();
    const { ctx, elapsed } = timed(1500);
    const r = await httpTo(address, ctx);
    const after = process.memoryUsage();
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.truncated).toBe(true);
    expect(r.value.body.length).toBe(256 * 1024);
    expect(r.value.bodyBytes).toBeLessThan(512 * 1024);
    expect(elapsed()).toBeLessThan(500);
    // The prober closed the connection: the server's writes stop there.
    await new Promise((res) => setTimeout(res, 50));
    expect(written.closedAt).toBeDefined();
    const writtenThen = written.bytes;
    await new Promise((res) => setTimeout(res, 100));
    expect(written.bytes).toBe(writtenThen);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(32 * 1024 * 1024);
  });

  it('stops an endless chunked body too', { timeout: 2000 }, async () => {
    const written = { bytes: 0 };
    const address = await serve((s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      endless(s, Buffer.from(`1000\r\n${'b'.repeat(0x1000)}\r\n`), written);
    });
    const r = await httpTo(address, timed(1500).ctx, { maxBody: 10_000 });
    expect(r.ok && r.value).toMatchObject({ truncated: true, reusable: false });
    expect(r.ok && r.value.body.length).toBe(10_000);
  });

  it('sends a second request on a kept-alive connection and says it was reused', { timeout: 2000 }, async () => {
    let connections = 0;
    const address = await serve((s, first) => {
      connections++;
      let buf = first;
      const answer = (): void => {
        for (let end = buf.indexOf('\r\n\r\n'); end !== -1; end = buf.indexOf('\r\n\r\n')) {
          buf = buf.subarray(end + 4);
          s.write(okResponse('again\n'));
        }
      };
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        answer();
      });
      answer();
    }, false);
    const port = portOf(address);
    const { ctx } = timed(1500);
    const tcp = await probeTcp({ address: '127.0.0.1', port }, {}, ctx);
    if (!tcp.ok) throw new Error('connect');
    const target = { host: '127.0.0.1', port, path: '/', secure: false };
    const one = await probeHttp(target, { socket: tcp.value.socket, keepAlive: true }, ctx);
    expect(one.ok && one.value).toMatchObject({ status: 200, reused: false, reusable: true });
    const two = await probeHttp(target, { socket: tcp.value.socket, keepAlive: true }, ctx);
    expect(two.ok && two.value).toMatchObject({ status: 200, reused: true, reusable: true });
    expect(two.transcript[0]).toMatch(/reusing the connection/);
    expect(connections).toBe(1);
    const three = await probeHttp(target, { socket: tcp.value.socket }, ctx);
    expect(three.ok && three.value).toMatchObject({ reused: true, reusable: false });
    expect(tcp.value.socket.destroyed).toBe(true);
  });

  it('tells the keep-alive race: a request dropped on a reused idle connection', { timeout: 2000 }, async () => {
    // Like the lab's keepalive-idle-close: a request arriving on a connection idle for more than 150 ms is dropped.
    const address = await serve((s, first) => {
      let last = 0;
      const onRequest = (): void => {
        if (last !== 0 && Date.now() - last > 150) return void s.destroy();
        s.write(okResponse());
        last = Date.now();
      };
      s.on('data', onRequest);
      if (first.length > 0) onRequest();
    });
    const port = portOf(address);
    const { ctx } = timed(1800);
    const tcp = await probeTcp({ address: '127.0.0.1', port }, {}, ctx);
    if (!tcp.ok) throw new Error('connect');
    const target = { host: '127.0.0.1', port, path: '/', secure: false };
    const one = await probeHttp(target, { socket: tcp.value.socket, keepAlive: true }, ctx);
    expect(one.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 250));
    const two = await probeHttp(target, { socket: tcp.value.socket, keepAlive: true }, ctx);
    expect(two.ok).toBe(false);
    expect(two.value?.reused).toBe(true);
    expect(factOf(two, 'upstream-closed')).toMatchObject({ stage: 'header', detail: 'closed before any byte' });
    expect(factOf(two, 'upstream-closed').ref.text).toMatch(/reused keep-alive connection/);
  });

  it('does not reuse a kept-alive connection the server closed while idle', { timeout: 2000 }, async () => {
    const address = await serve((s) => {
      s.write(okResponse());
      setTimeout(() => s.end(), 30);
    });
    const port = portOf(address);
    const { ctx } = timed(1500);
    const tcp = await probeTcp({ address: '127.0.0.1', port }, {}, ctx);
    if (!tcp.ok) throw new Error('connect');
    const target = { host: '127.0.0.1', port, path: '/', secure: false };
    expect((await probeHttp(target, { socket: tcp.value.socket, keepAlive: true }, ctx)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    const two = await probeHttp(target, { socket: tcp.value.socket, keepAlive: true }, ctx);
    expect(two.value?.reused).toBe(true);
    expect(factOf(two, 'upstream-closed')).toMatchObject({ stage: 'send', detail: 'closed while idle' });
    expect(tcp.value.socket.destroyed).toBe(true);
  });

  it('tells plain HTTP sent to an h2c-only server from its SETTINGS frame', { timeout: 2000 }, async () => {
    const h2c = createH2cServer();
    h2c.on('sessionError', () => undefined);
    await new Promise<void>((r) => h2c.listen(0, '127.0.0.1', r));
    const addr = h2c.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const r = await httpTo(`127.0.0.1:${port}`, timed(1500).ctx);
      expect(factOf(r, 'unexpected-protocol')).toMatchObject({ detail: 'h1-to-h2c', stage: 'header' });
    } finally {
      await new Promise((r) => h2c.close(r));
    }
  });

  it('tells plain HTTP sent to a TLS port (the server drops it)', { timeout: 2000 }, async () => {
    // The TLS server needs a certificate; the drop happens before it is used, so any will do.
    const dir = mkdtempSync(join(tmpdir(), 'why502-probe-http-'));
    const leaf = await makeLeaf(dir, await makeCa(dir), 'leaf', { names: ['localhost'] });
    const tls = await tlsServer((s) => s.end(okResponse()), leaf);
    servers.push({ address: tls.address, stop: () => tls.stop().then(() => rmSync(dir, { recursive: true, force: true })) });
    const r = await httpTo(tls.address, timed(1500).ctx);
    expect(r.ok).toBe(false);
    const f = r.facts[0];
    expect(['upstream-closed', 'upstream-reset', 'unexpected-protocol']).toContain(f?.kind);
    expect(f?.stage).toBe('header');
    expect(f?.scheme).toBe('http');
  });

  it('rejects a request header with a newline as a programmer error', async () => {
    const address = await serve((s) => s.end(okResponse()));
    await expect(httpTo(address, timed(500).ctx, { headers: [['X-Evil', 'a\r\nInjected: 1']] })).rejects.toThrow(TypeError);
  });
});
