/**
 * Records fixtures from the lab: runs each nginx scenario (or those named) behind the real nginx and writes the
 * error-log lines (notices dropped) and access-log lines into test/causes/<cause>/fire-lab-nginx-<fault>.log.
 * Run: node --import tsx scripts/capture-lab-fixtures.ts [fault...]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faults } from '../src/lab/faults/index.js';
import { startScenario } from '../src/lab/scenario.js';
import { sendTraffic } from '../src/lab/traffic.js';

const only = process.argv.slice(2);
// `nginx -v` prints to stderr.
const v = spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' });
const nginxVersion = `${v.stderr}${v.stdout}`.trim().replace('nginx version: ', '') || 'nginx';
const today = new Date().toISOString().slice(0, 10);

for (const fault of faults) {
  if (only.length > 0 && !only.includes(fault.name)) continue;
  if (fault.notFor?.nginx) continue;
  const live = await startScenario('nginx', fault);
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
  const dir = join('test', 'causes', fault.cause);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `fire-lab-nginx-${fault.name}.log`);
  const header = [`# source: lab: ${nginxVersion} (Debian 12 package), fault "${fault.name}": ${fault.title}; recorded ${today} by scripts/capture-lab-fixtures.ts`, `# expect: fire ${fault.cause} top`];
  writeFileSync(file, `${[...header, ...lines].join('\n')}\n`);
  console.log(`${fault.name}: ${lines.length} lines -> ${file}`);
  rmSync(live.dir, { recursive: true, force: true });
}
