/**
 * probeFastcgi against the real PHP-FPM installed here (Debian's php-fpm8.2) and against raw servers that write
 * exact bytes: an HTTP server (nginx's "unsupported FastCGI protocol version: 72"), a TLS port, a server that
 * closes, resets, stalls, or stops mid-answer.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawServer, okResponse, type RawServer } from '../../src/lab/faults/raw-server.js';
import { fpmBinary, launchFpm, type RunningFpm } from '../../src/lab/launchers/php-fpm.js';
import { FASTCGI_DEFAULT_PATH, fastcgiRequest, probeFastcgi } from '../../src/probe/fastcgi.js';
import { factOf, portOf, timed } from './helpers.js';

/** Connect to "unix:/path" or "127.0.0.1:port". */
function dial(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = address.startsWith('unix:') ? connect({ path: address.slice(5) }) : connect({ host: '127.0.0.1', port: portOf(address) });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** One FastCGI record as bytes (what a FastCGI server writes). */
function rec(type: number, content: Buffer | string, id = 1): Buffer {
  const body = Buffer.from(content);
  const pad = (8 - (body.length % 8)) % 8;
  const head = Buffer.from([1, type, id >> 8, id & 0xff, body.length >> 8, body.length & 0xff, pad, 0]);
  return Buffer.concat([head, body, Buffer.alloc(pad)]);
}

/** Decode the PARAMS of a request the prober sent: the name-value pairs of every FCGI_PARAMS record. */
function paramsOf(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let body = Buffer.alloc(0);
  for (let off = 0; off + 8 <= buf.length; ) {
    const type = buf[off + 1];
    const len = buf.readUInt16BE(off + 4);
    const pad = buf[off + 6] ?? 0;
    if (type === 4) body = Buffer.concat([body, buf.subarray(off + 8, off + 8 + len)]);
    off += 8 + len + pad;
  }
  const size = (at: number): [number, number] => ((body[at] ?? 0) < 128 ? [body[at] ?? 0, 1] : [body.readUInt32BE(at) & 0x7fffffff, 4]);
  for (let at = 0; at < body.length; ) {
    const [nl, a] = size(at);
    const [vl, b] = size(at + a);
    const start = at + a + b;
    out.set(body.toString('latin1', start, start + nl), body.toString('latin1', start + nl, start + nl + vl));
    at = start + nl + vl;
  }
  return out;
}

const END_OK = rec(3, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]));
const servers: RawServer[] = [];
afterAll(async () => {
  for (const s of servers.splice(0)) await s.stop();
});
async function raw(onRequest: (s: Socket, first: Buffer) => void): Promise<string> {
  const r = await rawServer(onRequest, { waitHeaders: false });
  servers.push(r);
  return r.address;
}

describe('probeFastcgi on PHP-FPM 8.2', () => {
  let fpm: RunningFpm | null = null;
  let dir = '';
  beforeAll(async () => {
    if (!fpmBinary()) return;
    dir = await mkdtemp(join(tmpdir(), 'why502-fcgi-'));
    // PHP-FPM's workers run as nobody when the tests run as root: they must reach the scripts.
    await chmod(dir, 0o755);
    fpm = await launchFpm({ dir, scripts: { 'index.php': '<?php header("X-Probe: 1"); echo "hello";' } });
  }, 15_000);
  afterAll(async () => {
    await fpm?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('asks for a script that does not exist: PHP-FPM answers "Primary script unknown" and a 404, so it speaks FastCGI', { timeout: 5000 }, async (t) => {
    if (!fpm) return t.skip('php-fpm is not installed (apt-get install php-fpm)');
    const { ctx, elapsed } = timed(3000);
    const r = await probeFastcgi({ upstream: fpm.socket }, { socket: await dial(fpm.socket) }, ctx);
    expect(r.ok, JSON.stringify(r.facts)).toBe(true);
    if (!r.ok) return;
    expect(r.value.status).toBe(404);
    expect(r.value.stderr).toContain('Primary script unknown');
    expect(r.value.protocolStatus).toBe('request-complete');
    expect(r.value.appStatus).toBe(0);
    expect(r.value.headerBytes).toBeGreaterThan(20);
    expect(r.facts).toEqual([]);
    expect(r.transcript.join('\n')).toContain(`SCRIPT_NAME=${FASTCGI_DEFAULT_PATH}`);
    expect(r.transcript.join('\n')).toMatch(/FCGI_END_REQUEST appStatus 0, request-complete/);
    expect(elapsed()).toBeLessThan(1000);
  });

  it('runs a real script when asked for one: status 200, its headers', { timeout: 5000 }, async (t) => {
    if (!fpm) return t.skip('php-fpm is not installed (apt-get install php-fpm)');
    const r = await probeFastcgi({ upstream: fpm.socket, path: '/index.php', scriptFilename: join(fpm.root, 'index.php') }, { socket: await dial(fpm.socket) }, timed(3000).ctx);
    expect(r.ok, JSON.stringify(r.facts)).toBe(true);
    if (!r.ok) return;
    expect(r.value.status).toBe(200);
    expect(r.value.headers).toContainEqual(['X-Probe', '1']);
    expect(r.value.stdoutBytes).toBeGreaterThan(r.value.headerBytes ?? 0);
  });
});

describe('probeFastcgi on servers that are not FastCGI', { timeout: 3000 }, () => {
  it('an HTTP server (a raw one) answers HTTP: invalid-response fastcgi-got-http, nginx\'s "unsupported FastCGI protocol version: 72"', async () => {
    const address = await raw((s) => s.end(okResponse()));
    const r = await probeFastcgi({ upstream: address }, { socket: await dial(address) }, timed(2000).ctx);
    expect(r.ok).toBe(false);
    const f = factOf(r, 'invalid-response');
    expect(f.detail).toBe('fastcgi-got-http');
    expect(f.ref.text).toContain('unsupported FastCGI protocol version: 72');
    expect(f.scheme).toBe('fastcgi');
    expect(f.upstream).toBe(address);
    expect(f.ref).toMatchObject({ source: 'probe', phase: 'http' });
    expect(r.ok ? undefined : r.value?.firstBytes).toMatch(/^HTTP\/1\.1 200 OK/);
  });

  it("Node's own HTTP server answers FastCGI bytes with 400: the same fact", async () => {
    const srv = createHttpServer((_q, res) => res.end('ok'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const addr = srv.address();
      const address = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      const r = await probeFastcgi({ upstream: address }, { socket: await dial(address) }, timed(2000).ctx);
      expect(factOf(r, 'invalid-response').detail).toBe('fastcgi-got-http');
      expect(r.ok ? undefined : r.value?.firstBytes).toMatch(/^HTTP\/1\.1 400/);
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });

  it('a TLS port answers with an alert record: unexpected-protocol plain-to-tls', async () => {
    // A TLS 1.2 fatal alert (level 2, unexpected_message), as OpenSSL sends to bytes that are not a ClientHello.
    const address = await raw((s) => s.end(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x0a])));
    const r = await probeFastcgi({ upstream: address }, { socket: await dial(address) }, timed(2000).ctx);
    expect(factOf(r, 'unexpected-protocol').detail).toBe('plain-to-tls');
  });

  it('garbage: invalid-response with the version byte, as nginx reports it', async () => {
    const address = await raw((s) => s.end(Buffer.from('\x07garbage')));
    const r = await probeFastcgi({ upstream: address }, { socket: await dial(address) }, timed(2000).ctx);
    expect(factOf(r, 'invalid-response').detail).toBe('unsupported FastCGI protocol version: 7');
  });

  it('a record of a type a responder never sends: invalid-response', async () => {
    const address = await raw((s) => s.end(rec(9, '')));
    const r = await probeFastcgi({ upstream: address }, { socket: await dial(address) }, timed(2000).ctx);
    expect(factOf(r, 'invalid-response').detail).toBe('unexpected FastCGI record: 9');
  });

  it('closed before any byte: upstream-closed', async () => {
    const address = await raw((s) => s.end());
    const r = await probeFastcgi({ upstream: address }, { socket: await dial(address) }, timed(2000).ctx);
    const f = factOf(r, 'upstream-closed');
    expect(f.detail).toBe('closed before any byte');
    expect(f.stage).toBe('header');
  });

  it('reset: upstream-reset with ECONNRESET', async () => {
    const address = await raw((s) => s.resetAndDestroy());
    const r = await probeFastcgi({ upstream: address }, { socket: await dial(address) }, timed(2000).ctx);
    const f = factOf(r, 'upstream-reset');
    expect(f.errno).toBe('ECONNRESET');
  });

  it('closed after STDOUT but before END_REQUEST (a worker that died mid-answer): upstream-closed in the body', async () => {
    const address = await raw((s) => s.end(rec(6, 'Status: 200 OK\r\nContent-type: text/html\r\n\r\npartial')));
    const r = await probeFastcgi({ upstream: address }, { socket: await dial(address) }, timed(2000).ctx);
    const f = factOf(r, 'upstream-closed');
    expect(f.stage).toBe('body');
    expect(f.detail).toBe('closed before FCGI_END_REQUEST');
  });

  it('a server that never answers ends at the deadline: timeout', async () => {
    const address = await raw(() => undefined);
    const { ctx, elapsed } = timed(300);
    const r = await probeFastcgi({ upstream: address }, { socket: await dial(address) }, ctx);
    expect(factOf(r, 'timeout').detail).toBe('deadline');
    expect(elapsed()).toBeLessThan(1000);
  });
});

describe('probeFastcgi: the request it sends', { timeout: 3000 }, () => {
  it('BEGIN_REQUEST (responder, keep-conn off), the params nginx sends, empty PARAMS and STDIN; answers in several records are read whole', async () => {
    let seen: Buffer = Buffer.alloc(0);
    const address = await raw((s, first) => {
      let buf = first;
      const reply = (): void => {
        // The empty STDIN record (type 5, length 0) ends the request.
        if (!buf.includes(Buffer.from([1, 5, 0, 1, 0, 0]))) return;
        seen = buf;
        const stdout = rec(6, 'Status: 200 OK\r\nX-A: 1\r\n\r\npong');
        // Split mid-header to check reassembly.
        s.write(stdout.subarray(0, 5));
        setTimeout(() => s.end(Buffer.concat([stdout.subarray(5), rec(7, 'note'), END_OK])), 20);
      };
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        reply();
      });
      reply();
    });
    const long = `/${'x'.repeat(200)}`;
    const r = await probeFastcgi({ upstream: address, path: '/ping' }, { socket: await dial(address), params: [['HTTP_X_LONG', long]] }, timed(2000).ctx);
    expect(r.ok, JSON.stringify(r.facts)).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ status: 200, headers: [['Status', '200 OK'], ['X-A', '1']], stderr: 'note', protocolStatus: 'request-complete', records: 3 });
    expect(seen.subarray(0, 16)).toEqual(Buffer.from([1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
    const params = paramsOf(seen);
    expect(params.get('SCRIPT_NAME')).toBe('/ping');
    expect(params.get('REQUEST_URI')).toBe('/ping');
    expect(params.get('REQUEST_METHOD')).toBe('GET');
    expect(params.get('SERVER_PROTOCOL')).toBe('HTTP/1.1');
    expect(params.get('GATEWAY_INTERFACE')).toBe('CGI/1.1');
    expect(params.get('SCRIPT_FILENAME')).toMatch(/\/ping$/);
    expect(params.get('HTTP_X_LONG')).toBe(long);
  });

  it('fastcgiRequest pads records to 8 bytes and ends with empty PARAMS and STDIN', () => {
    const b = fastcgiRequest([['A', 'b']]);
    expect(b.length % 8).toBe(0);
    expect([...b.subarray(-16)]).toEqual([1, 4, 0, 1, 0, 0, 0, 0, 1, 5, 0, 1, 0, 0, 0, 0]);
  });
});
