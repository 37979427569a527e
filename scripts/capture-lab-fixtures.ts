/**
 * Records fixtures from the lab: runs each nginx fault behind the real nginx, and writes the error-log lines
 * (notices dropped) and access-log lines into test/causes/<cause>/fire-lab-nginx-<fault>.log with their source.
 * Run: node --import tsx scripts/capture-lab-fixtures.ts [fault...]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faults } from '../src/lab/faults/index.js';
import { runNginxScenario } from '../src/lab/nginx-scenario.js';

const only = process.argv.slice(2);
// `nginx -v` prints to stderr.
const v = spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' });
const nginxVersion = `${v.stderr}${v.stdout}`.trim().replace('nginx version: ', '') || 'nginx';
const today = new Date().toISOString().slice(0, 10);

for (const fault of faults) {
  if (only.length > 0 && !only.includes(fault.name)) continue;
  const run = await runNginxScenario(fault);
  try {
    if (!run.proxy) {
      console.log(`${fault.name}: skipped (${run.notApplicable ?? 'n/a'})`);
      continue;
    }
    const err = readFileSync(run.proxy.logs.error ?? '', 'utf8').split('\n').filter((l) => l && !/\[(notice|info)\]/.test(l));
    let acc: string[] = [];
    try {
      acc = readFileSync(run.proxy.logs.access ?? '', 'utf8').split('\n').filter(Boolean);
    } catch {
      /* no access log when nginx did not start */
    }
    const dir = join('test', 'causes', fault.cause);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `fire-lab-nginx-${fault.name}.log`);
    const header = [
      `# source: lab: ${nginxVersion} (Debian 12 package), fault "${fault.name}": ${fault.title}; recorded ${today} by scripts/capture-lab-fixtures.ts`,
      `# expect: fire ${fault.cause} top`,
    ];
    writeFileSync(file, `${[...header, ...err, ...acc].join('\n')}\n`);
    console.log(`${fault.name}: ${err.length} error + ${acc.length} access lines -> ${file}`);
  } finally {
    await run.cleanup();
  }
}
