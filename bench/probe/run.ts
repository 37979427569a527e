/**
 * Probe benchmark: (1) the whole CLI on one healthy loopback URL, median wall-clock of 11 runs; (2) 1,000
 * loopback URLs with `why502 probe --list --concurrency 100`, URLs/s and peak RSS, beside curl run 100 at a
 * time over the same list (`xargs -P 100`). The server runs in its own process so it does not share the CPU
 * budget of the measured one. Run: npm run bench:probe
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join('bench', '.data');
mkdirSync(dir, { recursive: true });
const cli = join('dist', 'why502.js');
if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });

// A keep-alive-capable server answering 200 with a small page, in a child process.
const server = spawn(process.execPath, ['-e', "const s=require('http').createServer((q,r)=>{r.writeHead(200,{'Content-Type':'text/html','Server':'bench'});r.end('<!doctype html><title>ok</title><p>ok</p>')});s.listen(0,'127.0.0.1',()=>console.log(s.address().port));setTimeout(()=>process.exit(0),600000)"], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) => server.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));

function timed(cmd: string, argv: string[], stdoutFile: string): { s: number; rssMb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', join(dir, 'time.out'), 'sh', '-c', `"$0" "$@" > '${stdoutFile}'`, cmd, ...argv], { encoding: 'utf8' });
  if (r.error) throw r.error;
  const [s, kb] = readFileSync(join(dir, 'time.out'), 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return { s: s ?? NaN, rssMb: (kb ?? 0) / 1024 };
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

try {
  const single: number[] = [];
  for (let i = 0; i < 11; i++) single.push(timed(process.execPath, [cli, `http://127.0.0.1:${port}/`, '--json'], join(dir, 'probe-one.json')).s);
  const urls = Array.from({ length: 1000 }, (_v, i) => `http://127.0.0.1:${port}/item/${i}`);
  const list = join(dir, 'probe-urls.txt');
  writeFileSync(list, `${urls.join('\n')}\n`);
  const rounds = 3;
  const why: { s: number; rssMb: number }[] = [];
  const curl: { s: number; rssMb: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    why.push(timed(process.execPath, [cli, 'probe', '--list', list, '--concurrency', '100', '--jsonl'], join(dir, 'probe-list.jsonl')));
    curl.push(timed('sh', ['-c', `xargs -P 100 -n 1 curl -s -o /dev/null -w '%{http_code}\\n' < '${list}'`], join(dir, 'curl-list.out')));
  }
  const ok = readFileSync(join(dir, 'probe-list.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"command":"probe"') && l.includes('"causes":[]')).length;
  const ws = median(why.map((r) => r.s));
  const cs = median(curl.map((r) => r.s));
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, Node ${process.version} (\`npm run bench:probe\`).`,
    '',
    '| run | time | rate | peak RSS |',
    '|---|---|---|---|',
    `| \`why502 http://127.0.0.1:PORT/ --json\`, one healthy URL (whole CLI process, median of 11) | ${(median(single) * 1000).toFixed(0)} ms | | |`,
    `| \`why502 probe --list 1000-urls --concurrency 100 --jsonl\` (${ok} of 1000 healthy) | ${ws.toFixed(2)} s | ${(1000 / ws).toFixed(0)} URLs/s | ${Math.max(...why.map((r) => r.rssMb)).toFixed(0)} MB |`,
    `| \`xargs -P 100 curl\` over the same list | ${cs.toFixed(2)} s | ${(1000 / cs).toFixed(0)} URLs/s | (one process per URL) |`,
  ];
  writeFileSync(join('bench', 'probe', 'results.md'), `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
} finally {
  server.kill();
}
