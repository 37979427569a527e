/** probeDns against DNS servers on loopback UDP (src/lab/dns-server.ts) that answer, deny, fail or stay silent. */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { dnsAnswer, startDns, type RunningDns } from '../../src/lab/dns-server.js';
import { compareViews, probeDns } from '../../src/probe/dns.js';
import { factOf, timed } from './helpers.js';

const running: { stop: () => Promise<void> }[] = [];
async function dns(mode: Parameters<typeof startDns>[0]): Promise<RunningDns> {
  const d = await startDns(mode);
  running.push(d);
  return d;
}

/** A server answering REFUSED: dns-server.ts has no such mode, so its SERVFAIL answer gets rcode 5. */
function refusingDns(): Promise<string> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.on('message', (msg, rinfo) => {
      const out = dnsAnswer(msg, 'servfail');
      if (!out) return;
      out[3] = ((out[3] ?? 0) & 0xf0) | 5;
      sock.send(out, rinfo.port, rinfo.address);
    });
    sock.bind(0, '127.0.0.1', () => {
      running.push({ stop: () => new Promise((r) => sock.close(() => r())) });
      resolve(`127.0.0.1:${sock.address().port}`);
    });
  });
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

describe('probeDns', { timeout: 2000 }, () => {
  it('resolves a name with a --resolver IP:PORT', { timeout: 2000 }, async () => {
    const d = await dns({ a: '127.0.0.2' });
    const { ctx, elapsed } = timed(1500);
    const r = await probeDns({ host: 'app.lab.test' }, { resolvers: [d.address], system: false }, ctx);
    expect(r.ok).toBe(true);
    expect(r.facts).toEqual([]);
    expect(r.value?.addresses).toEqual([{ address: '127.0.0.2', family: 4 }]);
    expect(r.value?.views[0]).toMatchObject({ resolver: d.address, a: ['127.0.0.2'], aaaa: [], cname: [] });
    expect(r.timings.dns).toBeGreaterThanOrEqual(0);
    expect(elapsed()).toBeLessThan(500);
  });

  it('tells NXDOMAIN', { timeout: 2000 }, async () => {
    const d = await dns('nxdomain');
    const { ctx, elapsed } = timed(1500);
    const r = await probeDns({ host: 'gone.lab.test' }, { resolvers: [d.address], system: false }, ctx);
    expect(r.ok).toBe(false);
    const f = factOf(r, 'site-lookup-failed');
    expect(f).toMatchObject({ detail: 'NXDOMAIN', errno: 'ENOTFOUND', ref: { source: 'probe', phase: 'dns' } });
    expect(elapsed()).toBeLessThan(500);
  });

  it('tells SERVFAIL', { timeout: 2000 }, async () => {
    const d = await dns('servfail');
    const { ctx, elapsed } = timed(1500);
    const r = await probeDns({ host: 'broken.lab.test' }, { resolvers: [d.address], system: false }, ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'site-lookup-failed')).toMatchObject({ detail: 'SERVFAIL', ref: { phase: 'dns' } });
    expect(elapsed()).toBeLessThan(500);
  });

  it('tells REFUSED', { timeout: 2000 }, async () => {
    const address = await refusingDns();
    const { ctx } = timed(1500);
    const r = await probeDns({ host: 'x.lab.test' }, { resolvers: [address], system: false }, ctx);
    expect(factOf(r, 'site-lookup-failed').detail).toBe('REFUSED');
  });

  it('tells a silent resolver (timeout) within the deadline', { timeout: 2000 }, async () => {
    const d = await dns('silent');
    const { ctx, elapsed } = timed(700);
    const r = await probeDns({ host: 'slow.lab.test' }, { resolvers: [d.address], system: false }, ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'site-lookup-failed')).toMatchObject({ detail: 'timeout', errno: 'ETIMEDOUT' });
    expect(elapsed()).toBeGreaterThanOrEqual(600);
    expect(elapsed()).toBeLessThan(1200);
  });

  it('flags resolvers that give different addresses', { timeout: 2000 }, async () => {
    const one = await dns({ a: '127.0.0.2' });
    const two = await dns({ a: '127.0.0.3' });
    const { ctx } = timed(1500);
    const r = await probeDns({ host: 'moved.lab.test' }, { resolvers: [one.address, two.address], system: false }, ctx);
    expect(r.ok).toBe(true);
    expect(r.value?.inconsistent).toBe(true);
    expect(factOf(r, 'site-lookup-failed').detail).toBe('inconsistent');
  });

  it('flags an answer against NXDOMAIN, and reports the NXDOMAIN too', { timeout: 2000 }, async () => {
    const one = await dns({ a: '127.0.0.2' });
    const two = await dns('nxdomain');
    const { ctx } = timed(1500);
    const r = await probeDns({ host: 'half.lab.test' }, { resolvers: [one.address, two.address], system: false }, ctx);
    expect(r.facts.map((f) => f.detail).sort()).toEqual(['NXDOMAIN', 'inconsistent']);
    expect(r.value?.addresses.map((a) => a.address)).toEqual(['127.0.0.2']);
  });

  it('does not flag resolvers that agree', { timeout: 2000 }, async () => {
    const one = await dns({ a: '127.0.0.2' });
    const two = await dns({ a: '127.0.0.2' });
    const { ctx } = timed(1500);
    const r = await probeDns({ host: 'same.lab.test' }, { resolvers: [one.address, two.address], system: false }, ctx);
    expect(r.facts).toEqual([]);
    expect(r.value?.inconsistent).toBe(false);
  });

  it('does not flag a CDN that answers each resolver with other addresses behind the same CNAME', () => {
    const view = (resolver: string, a: string) => ({ resolver, a: [a], aaaa: [], cname: ['d111.cloudfront.net'], ms: 1 });
    expect(compareViews([view('r1', '192.0.2.1'), view('r2', '192.0.2.9')])).toBe(false);
    expect(compareViews([{ ...view('r1', '192.0.2.1'), cname: [] }, { ...view('r2', '192.0.2.9'), cname: [] }])).toBe(true);
  });

  it('skips DNS for IP literals', async () => {
    const { ctx } = timed(500);
    const v4 = await probeDns({ host: '192.0.2.7' }, {}, ctx);
    expect(v4).toMatchObject({ ok: true, value: { literal: true, addresses: [{ address: '192.0.2.7', family: 4 }], views: [] } });
    const v6 = await probeDns({ host: '[2001:db8::1]' }, {}, ctx);
    expect(v6.value?.addresses).toEqual([{ address: '2001:db8::1', family: 6 }]);
  });

  it('uses getaddrinfo for the system view (/etc/hosts: localhost)', { timeout: 2000 }, async () => {
    const { ctx } = timed(1500);
    const r = await probeDns({ host: 'localhost' }, {}, ctx);
    expect(r.ok).toBe(true);
    expect(r.value?.views[0]?.resolver).toBe('system');
    expect(r.value?.addresses.some((a) => a.address === '127.0.0.1' || a.address === '::1')).toBe(true);
  });

  it('rejects a malformed --resolver as a programmer error', async () => {
    await expect(probeDns({ host: 'x.test' }, { resolvers: ['dns.google'] }, timed(500).ctx)).rejects.toThrow(TypeError);
  });
});
