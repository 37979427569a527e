/**
 * The lab matrix: every fault behind real nginx, HAProxy, Apache and Caddy (Debian packages), each diagnosed to
 * its cause from that proxy's own logs (or to the cause a proxy's logs support, where a fault says so with
 * `expectFor`). In CI a missing proxy is a failure.
 */
import { describe, expect, it } from 'vitest';
import { launchers, PROXY_KINDS } from '../src/lab/launchers/index.js';
import { liveProcessCount } from '../src/lab/processes.js';
import { runMatrix, scenarios, type ScenarioResult } from '../src/lab/scenario.js';

const inCi = process.env.CI === 'true';

describe('lab matrix', () => {
  let results: ScenarioResult[] = [];
  it('runs every scenario on every installed proxy', { timeout: 300_000 }, async () => {
    for (const p of PROXY_KINDS) if (inCi) expect(launchers[p].binary(), `${p} must be installed in CI`).not.toBeNull();
    results = await runMatrix(scenarios(), { concurrency: 2 });
    const broken = results.filter((r) => r.outcome === 'error');
    expect(broken.map((r) => `${r.proxy}/${r.fault}: ${r.reason ?? ''}`)).toEqual([]);
  });
  for (const proxy of PROXY_KINDS) {
    it(`diagnoses every ${proxy} scenario from ${proxy}'s logs`, () => {
      const own = results.filter((r) => r.proxy === proxy && r.outcome !== 'not-applicable' && r.outcome !== 'missing-proxy');
      if (launchers[proxy].binary()) expect(own.length).toBeGreaterThan(15);
      const wrong = own.filter((r) => r.outcome !== 'ok').map((r) => `${r.fault}: expected ${r.expected}, diagnosed ${r.diagnosed?.cause ?? 'nothing'}`);
      expect(wrong).toEqual([]);
    });
  }
  it('reproduces the keep-alive race as intermittent failures, diagnosed as keepalive-race', () => {
    for (const proxy of ['nginx', 'haproxy', 'caddy'] as const) {
      const r = results.find((x) => x.proxy === proxy && x.fault === 'keepalive-idle-close');
      if (!launchers[proxy].binary()) continue;
      expect(r?.responses.some((s) => /^50[234]$/.test(s)), proxy).toBe(true);
      expect(r?.responses.filter((s) => s === '200').length, proxy).toBeGreaterThan(0);
      expect(r?.diagnosed?.cause, proxy).toBe('keepalive-race');
    }
  });
  it('the probe names the emitting proxy and the status, from outside', () => {
    const probed = results.filter((r) => r.probe && r.probe.status !== null && r.probe.status >= 500);
    if (PROXY_KINDS.some((p) => launchers[p].binary())) expect(probed.length).toBeGreaterThan(20);
    const wrong = probed.filter((r) => r.probe?.emitter !== r.proxy).map((r) => `${r.proxy}/${r.fault}: probe names ${r.probe?.emitter ?? 'nothing'} (${r.probe?.status ?? '?'})`);
    expect(wrong).toEqual([]);
  });
  it('states a reason for every combination a proxy cannot produce', () => {
    for (const r of results.filter((x) => x.outcome === 'not-applicable')) expect(r.reason).toMatch(/not applicable|queues/);
  });
  it('leaves no lab process running', () => {
    expect(liveProcessCount()).toBe(0);
  });
});

describe('lab up', () => {
  it.skipIf(!launchers.nginx.binary())('prints the URL and the logs, and leaves nothing running after Ctrl-C', { timeout: 30_000 }, async () => {
    const { spawn, execFileSync } = await import('node:child_process');
    const child = spawn(process.execPath, ['dist/why502.js', 'lab', 'up', 'nginx', 'refuse'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 15_000;
    while (!/Ctrl-C stops everything/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/URL\s+http:\/\/127\.0\.0\.1:\d+\//);
    expect(out).toMatch(/log\s+\S+error\.log/);
    const url = /URL\s+(\S+)/.exec(out)?.[1] ?? '';
    const res = await fetch(url).then((r) => r.status);
    expect(res).toBe(502);
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('why502-lab-nginx-refuse'));
    expect(left).toEqual([]);
  });
});
