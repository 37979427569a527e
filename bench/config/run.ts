/**
 * Config benchmark: parse a generated tree of 5,000 included files (bench/config/generate.ts) with
 * loadNginxConfig, the first time in this process and the median of 5 more, beside `nginx -t` on the same tree
 * when nginx is installed. Target: under 2 s. Prints the table and writes bench/config/results.md.
 * Run: node --import tsx bench/config/run.ts
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeIncludeTree } from './generate.js';
import { toCrossplane } from '../../src/config/dump.js';
import { loadNginxConfig } from '../../src/config/nginx-load.js';
import { directives } from '../../src/config/nginx-lookup.js';

const FILES = 5000;
const dir = resolve('bench', '.data', 'config-tree');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const gen = writeIncludeTree(dir, FILES);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const time = <T>(f: () => T): [T, number] => {
  const t0 = process.hrtime.bigint();
  const v = f();
  return [v, Number(process.hrtime.bigint() - t0) / 1e6];
};

const [first, firstMs] = time(() => loadNginxConfig({ path: gen.main }));
if (first.errors.length > 0 || first.files.length !== gen.files || directives(first, 'location').length !== gen.locations) {
  throw new Error(`the tree did not parse as generated: ${first.errors.length} errors, ${first.files.length} files`);
}
const again: number[] = [];
for (let i = 0; i < 5; i++) again.push(time(() => loadNginxConfig({ path: gen.main }))[1]);
const [, dumpMs] = time(() => JSON.stringify(toCrossplane(first)).length);

let nginxMs: number | null = null;
const nginx = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => existsSync(p));
if (nginx) {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [r, ms] = time(() => spawnSync(nginx, ['-t', '-q', '-p', `${dir}/`, '-c', gen.main, '-e', 'stderr'], { encoding: 'utf8' }));
    if (r.status !== 0) throw new Error(`nginx -t rejected the tree: ${r.stderr}`);
    runs.push(ms);
  }
  nginxMs = median(runs);
}

const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`);
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, Node ${process.version} (\`node --import tsx bench/config/run.ts\`).`,
  '',
  `Tree: nginx.conf with \`include conf.d/*.conf;\` and ${FILES} files, each an upstream and a server with 4 locations (${gen.servers} servers, ${gen.locations} locations). Target: under 2 s.`,
  '',
  '| run | time |',
  '|---|---|',
  `| \`loadNginxConfig\`, first parse in the process (files just written, in the page cache) | ${ms(firstMs)} |`,
  `| \`loadNginxConfig\`, median of 5 more | ${ms(median(again))} |`,
  `| \`toCrossplane\` + \`JSON.stringify\` of the result | ${ms(dumpMs)} |`,
  nginxMs === null ? '| `nginx -t` on the same tree | (nginx not installed) |' : `| \`nginx -t\` on the same tree (median of 3, whole process) | ${ms(nginxMs)} |`,
];
const out = lines.join('\n');
console.log(out);
writeFileSync(join('bench', 'config', 'results.md'), `${out}\n`);
