/** probeTcp on real loopback sockets: connected, refused, unreachable, timed out (a listener whose queue is full). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lab/ports.js';
import { probeTcp } from '../../src/probe/tcp.js';
import { factOf, timed } from './helpers.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function listen(host: string): Promise<Server | null> {
  return new Promise((resolve) => {
    const srv = createServer((s) => s.destroy());
    srv.once('error', () => resolve(null));
    srv.listen(0, host, () => {
      cleanup.push(() => srv.close());
      resolve(srv);
    });
  });
}

/**
 * A listener whose accept queue is full: a child process listens with backlog 1 and blocks its event loop, so it
 * never accepts; once two connections fill the queue, the kernel drops further SYNs and connects hang.
 */
async function blackHole(): Promise<{ port: number; child: ChildProcess }> {
  const code = `const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,20000),20)})`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  cleanup.push(() => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  await new Promise((r) => setTimeout(r, 100));
  return { port, child };
}

describe('probeTcp', { timeout: 2000 }, () => {
  it('connects over IPv4 and hands the socket on', { timeout: 2000 }, async () => {
    const srv = await listen('127.0.0.1');
    const addr = srv?.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const { ctx, elapsed } = timed(1000);
    const r = await probeTcp({ address: '127.0.0.1', port }, {}, ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.family).toBe(4);
    expect(r.value.socket.remotePort).toBe(port);
    expect(r.timings.connect).toBeGreaterThanOrEqual(0);
    r.value.socket.destroy();
    expect(elapsed()).toBeLessThan(300);
  });

  it('connects over IPv6 separately', { timeout: 2000 }, async (t) => {
    const srv = await listen('::1');
    if (!srv) return t.skip();
    const addr = srv.address();
    const r = await probeTcp({ address: '::1', port: typeof addr === 'object' && addr ? addr.port : 0 }, {}, timed(1000).ctx);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.family).toBe(6);
      r.value.socket.destroy();
    }
  });

  it('tells a refused connection (closed port)', { timeout: 2000 }, async () => {
    const port = await freePort();
    const { ctx, elapsed } = timed(1000);
    const r = await probeTcp({ address: '127.0.0.1', port }, {}, ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'connect-failed')).toMatchObject({ errno: 'ECONNREFUSED', stage: 'connect', upstream: `127.0.0.1:${port}`, ref: { source: 'probe', phase: 'connect' } });
    expect(elapsed()).toBeLessThan(300);
  });

  it('tells an unreachable network (TCP to a multicast address: ENETUNREACH on Linux)', { timeout: 2000 }, async (t) => {
    if (process.platform !== 'linux') return t.skip();
    const r = await probeTcp({ address: '224.0.0.1', port: 80 }, {}, timed(1000).ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'connect-failed')).toMatchObject({ errno: 'ENETUNREACH', ref: { phase: 'connect' } });
  });

  it('tells a connect timeout: no SYN-ACK before the deadline', { timeout: 2000 }, async () => {
    const { port } = await blackHole();
    const fillers = await Promise.all([0, 1].map(() => probeTcp({ address: '127.0.0.1', port }, {}, timed(300).ctx)));
    for (const f of fillers) if (f.ok) cleanup.push(() => f.value.socket.destroy());
    const { ctx, elapsed } = timed(500);
    const r = await probeTcp({ address: '127.0.0.1', port }, {}, ctx);
    expect(r.ok).toBe(false);
    expect(factOf(r, 'timeout')).toMatchObject({ stage: 'connect', detail: 'deadline', ref: { phase: 'connect' } });
    expect(elapsed()).toBeGreaterThanOrEqual(490);
    expect(elapsed()).toBeLessThan(800);
  });

  it('stops at once when the caller aborts', { timeout: 2000 }, async () => {
    const { port } = await blackHole();
    await Promise.all([0, 1].map(async () => {
      const f = await probeTcp({ address: '127.0.0.1', port }, {}, timed(300).ctx);
      if (f.ok) cleanup.push(() => f.value.socket.destroy());
    }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const started = Date.now();
    const r = await probeTcp({ address: '127.0.0.1', port }, {}, { signal: ac.signal, deadline: Date.now() + 1500 });
    expect(factOf(r, 'timeout').detail).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('wants an IP address (names go through probeDns)', async () => {
    await expect(probeTcp({ address: 'localhost', port: 80 }, {}, timed(100).ctx)).rejects.toThrow(TypeError);
  });
});
