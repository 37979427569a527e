/**
 * bench/logs: generates a realistic 1 GB nginx access log and its error log, then measures `why502 logs` (a whole
 * CLI process: MB/s, peak RSS) beside `LC_ALL=C grep -c '" 502 '` (output to a file, since GNU grep stops at the
 * first match when writing to /dev/null) and GoAccess on a 100 MB slice, alternating runs in the same session.
 * Usage: npm run bench:logs [-- --size-mb 1000 --rounds 5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, generateProxyLog } from './generate.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const sizeMb = opt('size-mb', 1000);
const rounds = opt('rounds', 5);
const dir = join('bench', '.data');
mkdirSync(dir, { recursive: true });
const files = (profile: string, mb: number): { access: string; error: string } => ({ access: join(dir, `access-${profile}-${mb}M.log`), error: join(dir, `error-${profile}-${mb}M.log`) });
const full = files('typical', sizeMb);
const half = files('typical', Math.round(sizeMb / 2));
const heavy = files('heavy', Math.round(sizeMb / 2));
const slice = join(dir, 'access-100M.log');
const haproxyLog = join(dir, `haproxy-${Math.round(sizeMb / 2)}M.log`);
const envoyLog = join(dir, `envoy-${Math.round(sizeMb / 2)}M.json`);

async function ensureProxy(path: string, mb: number, kind: 'haproxy' | 'envoy-json'): Promise<void> {
  if (existsSync(path) && statSync(path).size >= mb * 1e6) return;
  process.stderr.write(`generating ${path} (${mb} MB, ${kind})...\n`);
  const r = await generateProxyLog(path, mb * 1e6, kind);
  process.stderr.write(`  ${r.lines} lines, ${r.failed} failed requests\n`);
}

async function ensure(f: { access: string; error: string }, mb: number, profile: 'typical' | 'heavy'): Promise<void> {
  if (existsSync(f.access) && statSync(f.access).size >= mb * 1e6) return;
  process.stderr.write(`generating ${f.access} (${mb} MB, ${profile})...\n`);
  const r = await generate(f.access, f.error, mb * 1e6, profile);
  process.stderr.write(`  ${r.lines} lines, ${r.failed} failed requests\n`);
}

async function head(src: string, dst: string, bytes: number): Promise<void> {
  if (existsSync(dst)) return;
  await new Promise<void>((resolve, reject) => {
    createReadStream(src, { start: 0, end: bytes - 1 }).pipe(createWriteStream(dst)).on('finish', resolve).on('error', reject);
  });
}

/** Run a command under /usr/bin/time; returns seconds and peak RSS in MB. */
function timed(cmd: string, argv: string[], stdoutFile: string): { s: number; rssMb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', join(dir, 'time.out'), 'sh', '-c', `"$0" "$@" > '${stdoutFile}'`, cmd, ...argv], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw r.error;
  const [s, kb] = readFileSync(join(dir, 'time.out'), 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return { s: s ?? NaN, rssMb: (kb ?? 0) / 1024 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

await ensure(full, sizeMb, 'typical');
await ensure(half, Math.round(sizeMb / 2), 'typical');
await ensure(heavy, Math.round(sizeMb / 2), 'heavy');
await head(full.access, slice, 100e6);
await ensureProxy(haproxyLog, Math.round(sizeMb / 2), 'haproxy');
await ensureProxy(envoyLog, Math.round(sizeMb / 2), 'envoy-json');
const cli = join('dist', 'why502.js');
if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });

const mb = (p: string): number => statSync(p).size / 1e6;
const results: Record<string, { s: number[]; rss: number[] }> = {};
const record = (k: string, r: { s: number; rssMb: number }): void => {
  const slot = (results[k] ??= { s: [], rss: [] });
  slot.s.push(r.s);
  slot.rss.push(r.rssMb);
};
const failedIn = (json: string): number => {
  const r = JSON.parse(readFileSync(json, 'utf8')) as { causes: { count: number }[] };
  return r.causes.reduce((n, c) => n + c.count, 0);
};
for (let i = 0; i < rounds; i++) {
  process.stderr.write(`round ${i + 1}/${rounds}\n`);
  record('grep-half', timed('grep', ['-c', '" 502 ', half.access], join(dir, 'grep.out')));
  record('why502-half', timed(process.execPath, [cli, 'logs', half.access, half.error, '--json'], join(dir, 'why502-half.json')));
  record('grep-heavy', timed('grep', ['-c', '" 502 ', heavy.access], join(dir, 'grep.out')));
  record('why502-heavy', timed(process.execPath, [cli, 'logs', heavy.access, heavy.error, '--json'], join(dir, 'why502-heavy.json')));
  record('why502-full', timed(process.execPath, [cli, 'logs', full.access, full.error, '--json'], join(dir, 'why502-full.json')));
  record('why502-haproxy', timed(process.execPath, [cli, 'logs', haproxyLog, '--json', '--tz', 'UTC'], join(dir, 'why502-haproxy.json')));
  record('why502-envoy', timed(process.execPath, [cli, 'logs', envoyLog, '--json'], join(dir, 'why502-envoy.json')));
}
const goaccess = spawnSync('which', ['goaccess']).status === 0 ? timed('goaccess', [slice, '--log-format=COMBINED', '-o', join(dir, 'goaccess.json')], join(dir, 'goaccess.out')) : null;

const row = (name: string, input: number, k: string): string => {
  const r = results[k];
  if (!r) return '';
  const s = median(r.s);
  return `| ${name} | ${input.toFixed(0)} MB | ${s.toFixed(2)} s | ${(input / s).toFixed(0)} MB/s | ${Math.max(...r.rss).toFixed(0)} MB |`;
};
const pct = (k: string, path: string): string => {
  const nginx = (mb(half.access) + mb(half.error)) / median(results['why502-half']?.s ?? []);
  const own = mb(path) / median(results[k]?.s ?? []);
  return `${Math.round((100 * own) / nginx)}%`;
};
const ratio = (a: string, b: string): string => (median(results[a]?.s ?? []) / median(results[b]?.s ?? [])).toFixed(2);
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, Node ${process.version}; medians of ${rounds} alternating rounds (\`npm run bench:logs\`).`,
  `Typical log: ${failedIn(join(dir, 'why502-half.json'))} failed requests in ${mb(half.access).toFixed(0)} MB; heavy log: ${failedIn(join(dir, 'why502-heavy.json'))}.`,
  '',
  '| run | input | time | throughput | peak RSS |',
  '|---|---|---|---|---|',
  row(`\`LC_ALL=C grep -c '" 502 '\`, typical access log`, mb(half.access), 'grep-half'),
  row('`why502 logs access.log error.log --json`, typical', mb(half.access) + mb(half.error), 'why502-half'),
  row(`\`LC_ALL=C grep -c '" 502 '\`, heavy access log`, mb(heavy.access), 'grep-heavy'),
  row('`why502 logs access.log error.log --json`, heavy', mb(heavy.access) + mb(heavy.error), 'why502-heavy'),
  row('`why502 logs access.log error.log --json`, typical 1 GB', mb(full.access) + mb(full.error), 'why502-full'),
  row('`why502 logs haproxy.log --json`, HAProxy HTTP log, same traffic', mb(haproxyLog), 'why502-haproxy'),
  row('`why502 logs envoy.json --json`, Envoy JSON access log, same traffic', mb(envoyLog), 'why502-envoy'),
  goaccess ? `| GoAccess 1.7 \`--log-format=COMBINED\` (100 MB slice) | ${mb(slice).toFixed(0)} MB | ${goaccess.s.toFixed(2)} s | ${(mb(slice) / goaccess.s).toFixed(0)} MB/s | ${goaccess.rssMb.toFixed(0)} MB |` : '| GoAccess | not installed | | | |',
  '',
  `why502 / grep: ${ratio('why502-half', 'grep-half')}× on the typical log, ${ratio('why502-heavy', 'grep-heavy')}× on the heavy one.`,
  `Throughput relative to the nginx typical run: HAProxy ${pct('why502-haproxy', haproxyLog)}, Envoy JSON ${pct('why502-envoy', envoyLog)}.`,
];
const out = lines.join('\n');
writeFileSync(join('bench', 'logs', 'results.md'), `${out}\n`);
console.log(out);
