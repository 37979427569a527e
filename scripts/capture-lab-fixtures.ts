/**
 * Records fixtures from the lab: runs each scenario of one proxy (or the faults named) behind the real proxy and
 * writes its log lines (notices dropped) into test/causes/<cause>/fire-lab-<proxy>-<fault>.log, or into --out DIR.
 * Run: node --import tsx scripts/capture-lab-fixtures.ts [--proxy nginx|haproxy|apache|caddy] [--out DIR] [fault...]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faults } from '../src/lab/faults/index.js';
import { expectedCause } from '../src/lab/faults/types.js';
import type { ProxyKind } from '../src/lab/launchers/types.js';
import { startScenario } from '../src/lab/scenario.js';
import { sendTraffic } from '../src/lab/traffic.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const proxy = (flag('--proxy') ?? 'nginx') as ProxyKind;
const outDir = flag('--out');
const only = args;
const VERSION_CMD: Record<ProxyKind, [string, string[], (s: string) => string]> = {
  // `nginx -v` prints to stderr.
  nginx: ['/usr/sbin/nginx', ['-v'], (s) => s.replace('nginx version: ', '')],
  haproxy: ['/usr/sbin/haproxy', ['-v'], (s) => (/HAProxy version (\S+)/.exec(s)?.[1] ? `HAProxy ${/HAProxy version (\S+)/.exec(s)?.[1]}` : 'HAProxy')],
  apache: ['/usr/sbin/apache2', ['-v'], (s) => /Server version: (\S+)/.exec(s)?.[1] ?? 'Apache'],
  caddy: ['/usr/bin/caddy', ['version'], (s) => `Caddy ${s.split(' ')[0] ?? ''}`],
};
const [cmd, cmdArgs, pick] = VERSION_CMD[proxy];
const v = spawnSync(cmd, cmdArgs, { encoding: 'utf8' });
const proxyVersion = pick(`${v.stderr}${v.stdout}`.trim()) || proxy;
const today = new Date().toISOString().slice(0, 10);

for (const fault of faults) {
  if (only.length > 0 && !only.includes(fault.name)) continue;
  if (fault.notFor?.[proxy]) continue;
  let live;
  try {
    live = await startScenario(proxy, fault);
  } catch (e) {
    // A proxy that cannot produce this fault says so when it is started.
    console.log(`${fault.name}: skipped (${e instanceof Error ? e.message : String(e)})`);
    continue;
  }
  try {
    if (!live.proxy.startError) await sendTraffic(live.proxy.url, fault.traffic ?? { requests: [{ method: 'GET', path: '/' }, { method: 'GET', path: '/?page=2&token=s3cr3t' }, { method: 'POST', path: '/form', body: 'a=1' }] });
    await new Promise((r) => setTimeout(r, 150));
  } finally {
    await live.stop();
  }
  const lines: string[] = [];
  for (const log of live.logs) {
    try {
      lines.push(...readFileSync(log, 'utf8').split('\n').filter((l) => l && !/\[(notice|info)\]|NOTICE: (fpm is running|ready to handle|systemd monitor|Terminating|exiting)/.test(l)));
    } catch {
      /* a log the run did not write */
    }
  }
  const expected = expectedCause(fault, proxy);
  const dir = outDir ?? join('test', 'causes', expected);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `fire-lab-${proxy}-${fault.name}.log`);
  const header = [`# source: lab: ${proxyVersion} (Debian 12 package), fault "${fault.name}": ${fault.title}; recorded ${today} by scripts/capture-lab-fixtures.ts`, `# expect: fire ${expected} top`];
  writeFileSync(file, `${[...header, ...lines].join('\n')}\n`);
  console.log(`${fault.name}: ${lines.length} lines -> ${file}`);
  rmSync(live.dir, { recursive: true, force: true });
}
