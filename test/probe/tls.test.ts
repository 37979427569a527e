/**
 * probeTls against TLS servers on loopback with certificates minted in the test (src/lab/certs.ts): valid,
 * expired, not yet valid, for another host, self-signed, from an unknown CA; a TLS 1.0-only server, a plain HTTP
 * server, a server that drops the handshake or never answers it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf, type KeyPair } from '../../src/lab/certs.js';
import { okResponse, rawServer, tlsServer, type RawServer } from '../../src/lab/faults/raw-server.js';
import { probeHttp } from '../../src/probe/http.js';
import { probeTls } from '../../src/probe/tls.js';
import { factOf, portOf, timed } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'why502-probe-tls-'));
const DAY = 86_400_000;
let ca: KeyPair;
const certs: Record<string, KeyPair> = {};
let caPem: Buffer;

beforeAll(async () => {
  ca = await makeCa(dir);
  caPem = readFileSync(ca.cert);
  const names = ['localhost', '127.0.0.1'];
  const [good, expired, notYet, other, self] = await Promise.all([
    makeLeaf(dir, ca, 'good', { names }),
    makeLeaf(dir, ca, 'expired', { names, notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - 2 * DAY) }),
    makeLeaf(dir, ca, 'notyet', { names, notBefore: new Date(Date.now() + 5 * DAY), notAfter: new Date(Date.now() + 50 * DAY) }),
    makeLeaf(dir, ca, 'other', { names: ['other.lab.test'] }),
    makeLeaf(dir, ca, 'self', { names, selfSigned: true }),
  ]);
  Object.assign(certs, { good, expired, notYet, other, self });
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
async function serve(cert: KeyPair, extra: Parameters<typeof tlsServer>[2] = {}): Promise<number> {
  const s = await tlsServer((sock) => sock.end(okResponse('secure\n')), cert, extra);
  servers.push(s);
  return portOf(s.address);
}

describe('probeTls', { timeout: 2000 }, () => {
  it('completes a verified handshake and reports protocol, cipher, ALPN and the chain', { timeout: 2000 }, async () => {
    const port = await serve(certs.good as KeyPair, { ALPNProtocols: ['http/1.1'] });
    const { ctx, elapsed } = timed(1500);
    const r = await probeTls({ host: 'localhost', port, address: '127.0.0.1' }, { ca: caPem }, ctx);
    expect(r.facts).toEqual([]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ protocol: 'TLSv1.3', alpn: 'http/1.1', servername: 'localhost', chainVerified: true, nameMatches: true });
    expect(r.value.cipher).toMatch(/^TLS_/);
    expect(r.value.chain[0]).toMatchObject({ subject: 'CN=localhost', issuer: 'CN=why502 lab CA' });
    expect(r.value.chain[0]?.daysToExpiry).toBeGreaterThan(360);
    expect(r.timings.connect).toBeDefined();
    expect(r.timings.tls).toBeDefined();
    // The socket carries HTTP on.
    const h = await probeHttp({ host: 'localhost', port, path: '/', secure: true }, { socket: r.value.socket }, ctx);
    expect(h.ok && h.value.status).toBe(200);
    expect(h.ok && h.value.body.toString()).toBe('secure\n');
    expect(elapsed()).toBeLessThan(700);
  });

  it('tells an expired certificate (CERT_HAS_EXPIRED) and keeps its dates', { timeout: 2000 }, async () => {
    const port = await serve(certs.expired as KeyPair);
    const r = await probeTls({ host: 'localhost', port, address: '127.0.0.1' }, { ca: caPem }, timed(1500).ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'tls-cert-expired')).toMatchObject({ detail: 'CERT_HAS_EXPIRED', stage: 'tls', ref: { source: 'probe', phase: 'tls' } });
    expect(r.value?.chain[0]?.daysToExpiry).toBeLessThan(0);
  });

  it('tells a certificate that is not yet valid (CERT_NOT_YET_VALID)', { timeout: 2000 }, async () => {
    const port = await serve(certs.notYet as KeyPair);
    const r = await probeTls({ host: 'localhost', port, address: '127.0.0.1' }, { ca: caPem }, timed(1500).ctx);
    expect(factOf(r, 'tls-cert-expired')).toMatchObject({ detail: 'CERT_NOT_YET_VALID', stage: 'tls' });
  });

  it('tells a certificate for another host (ERR_TLS_CERT_ALTNAME_INVALID)', { timeout: 2000 }, async () => {
    const port = await serve(certs.other as KeyPair);
    const r = await probeTls({ host: 'localhost', port, address: '127.0.0.1' }, { ca: caPem }, timed(1500).ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'tls-name-mismatch')).toMatchObject({ detail: 'ERR_TLS_CERT_ALTNAME_INVALID', stage: 'tls' });
    expect(r.facts.map((f) => f.kind)).toEqual(['tls-name-mismatch']);
    expect(r.value?.chainVerified).toBe(true);
  });

  it('tells a self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)', { timeout: 2000 }, async () => {
    const port = await serve(certs.self as KeyPair);
    const r = await probeTls({ host: 'localhost', port, address: '127.0.0.1' }, { ca: caPem }, timed(1500).ctx);
    expect(factOf(r, 'tls-cert-untrusted')).toMatchObject({ detail: 'DEPTH_ZERO_SELF_SIGNED_CERT', stage: 'tls' });
  });

  it('tells a certificate from an unknown CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)', { timeout: 2000 }, async () => {
    const port = await serve(certs.good as KeyPair);
    const r = await probeTls({ host: 'localhost', port, address: '127.0.0.1' }, {}, timed(1500).ctx);
    expect(factOf(r, 'tls-cert-untrusted').detail).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('with insecure, completes the handshake and still reports the verdict', { timeout: 2000 }, async () => {
    const port = await serve(certs.expired as KeyPair);
    const { ctx } = timed(1500);
    const r = await probeTls({ host: 'localhost', port, address: '127.0.0.1' }, { ca: caPem, insecure: true }, ctx);
    expect(r.ok).toBe(true);
    expect(factOf(r, 'tls-cert-expired').detail).toBe('CERT_HAS_EXPIRED');
    if (!r.ok) return;
    expect(r.value.verifyError).toBe('CERT_HAS_EXPIRED');
    const h = await probeHttp({ host: 'localhost', port, path: '/', secure: true }, { socket: r.value.socket }, ctx);
    expect(h.ok && h.value.status).toBe(200);
  });

  it('tells a server that only speaks TLS 1.0 (protocol version)', { timeout: 2000 }, async () => {
    const port = await serve(certs.good as KeyPair, { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' });
    const r = await probeTls({ host: 'localhost', port, address: '127.0.0.1' }, { ca: caPem }, timed(1500).ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'tls-handshake-failed')).toMatchObject({ detail: 'tlsv1 alert protocol version', stage: 'tls', ref: { phase: 'tls' } });
  });

  it('tells TLS spoken to a plain HTTP server ("wrong version number")', { timeout: 2000 }, async () => {
    const plain = await rawServer((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'), { waitHeaders: false });
    servers.push(plain);
    const r = await probeTls({ host: 'localhost', port: portOf(plain.address), address: '127.0.0.1' }, {}, timed(1500).ctx);
    expect(factOf(r, 'tls-handshake-failed')).toMatchObject({ detail: 'wrong version number', stage: 'tls' });
    expect(r.transcript.join('\n')).toMatch(/does not speak TLS/);
  });

  it('tells a server that drops the connection during the handshake', { timeout: 2000 }, async () => {
    const closer = await rawServer((s) => s.destroy(), { waitHeaders: false });
    servers.push(closer);
    const r = await probeTls({ host: 'localhost', port: portOf(closer.address), address: '127.0.0.1' }, {}, timed(1500).ctx);
    expect(factOf(r, 'tls-handshake-failed')).toMatchObject({ errno: 'ECONNRESET', detail: 'connection closed during handshake' });
  });

  it('tells a handshake the server never answers (timeout, stage tls)', { timeout: 2000 }, async () => {
    const mute = await rawServer(() => undefined, { waitHeaders: false });
    servers.push(mute);
    const { ctx, elapsed } = timed(600);
    const r = await probeTls({ host: 'localhost', port: portOf(mute.address), address: '127.0.0.1' }, {}, ctx);
    expect(factOf(r, 'timeout')).toMatchObject({ stage: 'tls', ref: { phase: 'tls' } });
    expect(elapsed()).toBeLessThan(900);
  });

  it('passes on a refused connect when it connects itself', { timeout: 2000 }, async () => {
    const port = await serve(certs.good as KeyPair);
    await servers.splice(0)[0]?.stop();
    const r = await probeTls({ host: '127.0.0.1', port }, {}, timed(1000).ctx);
    expect(factOf(r, 'connect-failed').errno).toBe('ECONNREFUSED');
  });
});
