/**
 * probeUrl end to end against loopback servers for every failure mode: the top cause and the phase where it
 * failed, the emitting hop, the visitor checks (proxy vs direct), and the deadline against hostile servers.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf, type KeyPair } from '../../src/lab/certs.js';
import { startDns } from '../../src/lab/dns-server.js';
import { freePort } from '../../src/lab/ports.js';
import { okResponse, rawServer, tlsServer, type OnRequest, type RawServer } from '../../src/lab/faults/raw-server.js';
import { probeUrl, schemeFor, type ProbeUrlOptions } from '../../src/probe/probe-url.js';
import type { Report } from '../../src/report/types.js';
import { assertValidReport } from '../helpers.js';

const servers: RawServer[] = [];
const stops: (() => Promise<void> | void)[] = [];
const dir = mkdtempSync(join(tmpdir(), 'why502-probe-url-'));
let ca: KeyPair;
const QUICK: ProbeUrlOptions = { attempts: 2, spacingMs: 10, timeoutMs: 4000 };

beforeAll(async () => {
  ca = await makeCa(dir);
}, 30_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const s of stops) await s();
});

async function serve(onRequest: OnRequest): Promise<string> {
  const s = await rawServer(onRequest, { waitHeaders: true });
  servers.push(s);
  return `http://${s.address}`;
}

async function serveTls(name: string, onRequest: OnRequest, leaf: Parameters<typeof makeLeaf>[3], extra = {}): Promise<string> {
  const cert = await makeLeaf(dir, ca, name, leaf);
  const s = await tlsServer(onRequest, cert, extra);
  servers.push(s);
  return `https://localhost:${s.address.split(':').pop() ?? ''}`;
}

async function probe(url: string, o: ProbeUrlOptions = {}): Promise<Report> {
  const r = await probeUrl(url, { ...QUICK, ca: ca.cert, ...o });
  assertValidReport(r);
  return r;
}

const top = (r: Report): string | undefined => r.causes[0]?.id;
const phaseOf = (r: Report): string | undefined => r.causes[0]?.evidence.find((e) => e.phase)?.phase;

describe('probeUrl: each failure mode names its cause and phase', { timeout: 10_000 }, () => {
  it('a healthy URL: no cause, exit-0 shape, timings', async () => {
    const url = await serve((s) => s.end(okResponse('hello\n')));
    const r = await probe(url);
    expect(r.causes).toEqual([]);
    expect(r.stats.probe?.attempts).toHaveLength(1);
    expect(r.summary).toMatch(/answered 200/);
  });
  it('refused', async () => {
    const r = await probe(`http://127.0.0.1:${await freePort()}/`);
    expect([top(r), phaseOf(r)]).toEqual(['upstream-refused', 'connect']);
    expect(r.chain ?? []).toEqual([]);
  });
  it('reset before the response', async () => {
    const url = await serve((s) => s.resetAndDestroy());
    const r = await probe(url);
    expect([top(r), phaseOf(r)]).toEqual(['upstream-closed-early', 'http']);
  });
  it('closed before the response, and mid-body', async () => {
    expect(top(await probe(await serve((s) => s.end())))).toBe('upstream-closed-early');
    const mid = await serve((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(1000)));
    expect(top(await probe(mid))).toBe('upstream-closed-early');
  });
  it('malformed status line and garbage', async () => {
    expect(top(await probe(await serve((s) => s.end('HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n'))))).toBe('upstream-invalid-response');
    expect(top(await probe(await serve((s) => s.end(Buffer.from([0, 255, 19, 55, 13, 10])))))).toBe('upstream-invalid-response');
  });
  it('huge response headers', async () => {
    const r = await probe(await serve((s) => s.end(`HTTP/1.1 200 OK\r\nSet-Cookie: s=${'x'.repeat(80_000)}\r\nContent-Length: 0\r\n\r\n`)));
    expect(top(r)).toBe('upstream-header-too-big');
  });
  it('slow headers end at the deadline and read as a timeout', async () => {
    const url = await serve((s) => {
      s.write('HTTP/1.1 200 OK\r\nX-Slow: ');
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('a')), 300);
      s.on('close', () => clearInterval(t));
    });
    const started = Date.now();
    const r = await probe(url, { timeoutMs: 1500, attempts: 1 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(top(r)).toBe('upstream-timeout');
  });
  it('an endless body is cut at the bound and the probe ends', async () => {
    const url = await serve((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = (): void => {
        while (!s.destroyed && s.write(chunk));
        if (!s.destroyed) s.once('drain', pump);
      };
      pump();
    });
    const started = Date.now();
    const r = await probe(url, { timeoutMs: 3000 });
    expect(Date.now() - started).toBeLessThan(3500);
    expect(r.causes).toEqual([]);
  });
  it('TLS: expired, not yet valid, wrong host, self-signed, TLS 1.0 only, TLS to a plain port', async () => {
    const ok = (s: Socket): void => void s.end(okResponse());
    const day = 86_400_000;
    const expired = await serveTls('exp', ok, { names: ['localhost'], notBefore: new Date(Date.now() - 400 * day), notAfter: new Date(Date.now() - 30 * day) });
    const future = await serveTls('fut', ok, { names: ['localhost'], notBefore: new Date(Date.now() + 30 * day), notAfter: new Date(Date.now() + 400 * day) });
    const wrong = await serveTls('wrong', ok, { names: ['other.example'] });
    const self = await serveTls('self', ok, { names: ['localhost'], selfSigned: true });
    const old = await serveTls('old', ok, { names: ['localhost'] }, { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    expect([top(await probe(expired)), phaseOf(await probe(expired))]).toEqual(['upstream-tls-expired', 'tls']);
    expect(top(await probe(future))).toBe('upstream-tls-expired');
    expect(top(await probe(wrong))).toBe('upstream-tls-untrusted');
    expect(top(await probe(self))).toBe('upstream-tls-untrusted');
    expect(top(await probe(old))).toBe('upstream-tls-handshake');
    // A plain-HTTP server answers the ClientHello's bytes with an HTTP error, as nginx and Apache do.
    const plain = await rawServer((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), { waitHeaders: false });
    servers.push(plain);
    expect(top(await probe(`https://localhost:${plain.address.split(':').pop() ?? ''}/`))).toBe('protocol-mismatch');
  }, 30_000);
  it('the site name does not resolve (NXDOMAIN, SERVFAIL) at a given resolver', async () => {
    for (const mode of ['nxdomain', 'servfail'] as const) {
      const dns = await startDns(mode);
      stops.push(dns.stop);
      const r = await probe('http://shop.why502.test/', { resolvers: [dns.address], systemResolver: false });
      expect([top(r), phaseOf(r)], mode).toEqual(['site-dns', 'dns']);
    }
  });
  it('names nginx as the hop that emitted a 502 page, and the status', async () => {
    const page = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n';
    const url = await serve((s) => s.end(`HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nContent-Length: ${page.length}\r\n\r\n${page}`));
    const r = await probe(url);
    expect(r.chain?.find((h) => h.emitted)).toMatchObject({ layer: 'nginx', status: 502, role: 'proxy' });
    expect(r.notAssessed.map((n) => n.need).join(' ')).toMatch(/error log of nginx/);
  });
  it("a 502 that only the visitor's proxy produces is client-proxy", async () => {
    const site = await serve((s) => s.end(okResponse('fine\n')));
    const proxy: Server = createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 502 Bad Gateway\r\nServer: squid/6.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    stops.push(() => new Promise<void>((r) => proxy.close(() => r())));
    const port = (proxy.address() as AddressInfo).port;
    const r = await probe(site, { env: { HTTP_PROXY: `http://127.0.0.1:${port}` } });
    expect(top(r)).toBe('client-proxy');
  });
});

describe('a URL typed without a scheme', () => {
  it('is https, unless a port other than 443/8443 is given (then http, as a browser does)', () => {
    expect(['shop.example', 'shop.example/checkout', 'shop.example:443/x', '10.0.0.1:8443', '[::1]'].map(schemeFor)).toEqual(['https', 'https', 'https', 'https', 'https']);
    expect(['shop.example:8080', '127.0.0.1:32897/index.php', '[::1]:3000', 'localhost:80?a=1'].map(schemeFor)).toEqual(['http', 'http', 'http', 'http']);
  });

  it('a plain-HTTP port typed without a scheme is probed over HTTP: no TLS blamed on the site', { timeout: 10_000 }, async () => {
    const srv = await rawServer((s) => s.end(okResponse()));
    try {
      const r = await probeUrl(srv.address, { timeoutMs: 5000 });
      assertValidReport(r);
      expect(r.target).toMatch(/^http:\/\//);
      expect(r.causes).toEqual([]);
    } finally {
      await srv.stop();
    }
  });
});
