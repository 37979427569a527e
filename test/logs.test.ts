/** `why502 logs` end to end as a process: counts, gzip, bad input, pasted text, exit codes, redaction, windows. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/types.js';
import { assertValidReport, runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'why502-logs-test-'));
chmodSync(dir, 0o755);

// Message texts as nginx 1.22.1 wrote them in the lab (test/causes/*/fire-lab-nginx-*.log).
const REFUSED = 'connect() failed (111: Connection refused) while connecting to upstream';
const TOO_BIG = 'upstream sent too big header while reading response header from upstream';
const CLOSED = 'upstream prematurely closed connection while reading response header from upstream';

function errorLine(sec: number, conn: number, msg: string, path: string): string {
  const t = new Date(Date.UTC(2026, 11, 1, 10, 0, sec));
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `2026/12/01 ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}`;
  return `${stamp} [error] 811#811: *${conn} ${msg}, client: 203.0.113.7, server: shop.example, request: "GET ${path} HTTP/1.1", upstream: "http://10.0.0.5:8080${path}", host: "shop.example"`;
}

/** 50 refused, 30 too big header, 20 prematurely closed, interleaved with notices. */
function mixedErrorLog(): string {
  const kinds = [...Array<string>(50).fill(REFUSED), ...Array<string>(30).fill(TOO_BIG), ...Array<string>(20).fill(CLOSED)];
  // Deterministic interleaving.
  const order = kinds.map((k, i) => ({ k, r: (i * 7919) % 101 })).sort((a, b) => a.r - b.r);
  const lines: string[] = [];
  order.forEach((o, i) => {
    lines.push(errorLine(i * 3, 100 + i, o.k, `/item/${i}?token=secret${i}`));
    if (i % 4 === 0) lines.push(`2026/12/01 10:00:00 [notice] 810#810: signal process started`);
  });
  return `${lines.join('\n')}\n`;
}

async function json(args: string[], stdin?: string | Buffer): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runCli([...args, '--json'], stdin === undefined ? {} : { stdin });
  let report: unknown;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 300)}`);
  }
  assertValidReport(report);
  return { code: r.code, report, stderr: r.stderr };
}

describe('counts per cause', () => {
  const plain = join(dir, 'error.log');
  const gz = join(dir, 'error.log.1.gz');
  beforeAll(() => {
    writeFileSync(plain, mixedErrorLog());
    writeFileSync(gz, gzipSync(mixedErrorLog()));
  });
  for (const [name, file] of [['plain', () => plain], ['gzip', () => gz]] as const) {
    it(`50 refused, 30 too big, 20 closed (${name})`, async () => {
      const { code, report } = await json(['logs', file()]);
      expect(code).toBe(1);
      expect(report.causes.map((c) => [c.id, c.count])).toEqual([
        ['upstream-refused', 50],
        ['upstream-header-too-big', 30],
        ['upstream-closed-early', 20],
      ]);
      expect(report.causes[0]?.upstreams).toEqual(['10.0.0.5:8080']);
      expect(JSON.stringify(report)).not.toContain('secret1');
    });
  }
  it('counts verbatim repeats of one line as separate requests', async () => {
    const line = errorLine(0, 5, REFUSED, '/');
    const { report } = await json(['logs', '-'], `${line}\n${line}\n${line}\n`);
    expect(report.causes[0]).toMatchObject({ id: 'upstream-refused', count: 3 });
  });
  it('counts retries and the "no live upstreams" of one request once', async () => {
    const l = (up: string, msg: string): string => `2026/12/01 10:00:00 [error] 7#7: *9 ${msg}, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "http://${up}/", host: "a"`;
    const text = [l('10.0.0.1:80', REFUSED), l('10.0.0.2:80', REFUSED), l('backend', 'no live upstreams while connecting to upstream')].join('\n');
    const { report } = await json(['logs', '-'], text);
    expect(report.causes.map((c) => [c.id, c.count])).toEqual([['upstream-refused', 1]]);
  });
});

describe('bad input', () => {
  it('binary garbage, invalid UTF-8 and an empty file: clear, no stack trace', async () => {
    const bin = join(dir, 'garbage.bin');
    writeFileSync(bin, Buffer.from(Array.from({ length: 5000 }, (_v, i) => (i * 37) % 256)));
    const utf = join(dir, 'bad-utf8.log');
    writeFileSync(utf, Buffer.concat([Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x0a]), Buffer.from(`${errorLine(1, 1, REFUSED, '/')}\n`)]));
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, '');
    const r = await runCli(['logs', bin, utf, empty, '--json']);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    const report = JSON.parse(r.stdout) as Report;
    assertValidReport(report);
    expect(report.causes[0]?.id).toBe('upstream-refused');
    expect(r.code).toBe(1);
  });
  it('an empty file alone exits 2 with a one-line message', async () => {
    const empty = join(dir, 'only-empty.log');
    writeFileSync(empty, '');
    const r = await runCli(['logs', empty]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/empty/);
  });
  it('a truncated gzip: the lines before the cut are read and the cut is reported', async () => {
    const whole = gzipSync(Buffer.from(mixedErrorLog().repeat(20)));
    const cut = join(dir, 'cut.log.gz');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const { code, report } = await json(['logs', cut]);
    expect(code).toBe(1);
    expect(report.errors.join('\n')).toMatch(/truncated gzip/);
    expect(report.causes[0]?.count).toBeGreaterThan(10);
  });
  it('a 10 MB line: cut, reported, and the line after it is still read', async () => {
    const big = join(dir, 'big-line.log');
    writeFileSync(big, `${errorLine(0, 1, TOO_BIG, '/a')}\n${'x'.repeat(10 * 1024 * 1024)}\n${errorLine(2, 2, REFUSED, '/b')}\n`);
    const { code, report } = await json(['logs', big]);
    expect(code).toBe(1);
    expect(report.causes.map((c) => c.id).sort()).toEqual(['upstream-header-too-big', 'upstream-refused']);
    expect(report.errors.join('\n')).toMatch(/big-line\.log:2: line longer than/);
  });
  it('a missing path exits 2; a missing path beside a good file still reads the good one', async () => {
    const missing = await runCli(['logs', join(dir, 'nope.log')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr + missing.stdout).toMatch(/no such file/);
    const good = join(dir, 'good.log');
    writeFileSync(good, `${errorLine(0, 1, REFUSED, '/')}\n`);
    const { code, report } = await json(['logs', join(dir, 'nope.log'), good]);
    expect(code).toBe(1);
    expect(report.errors[0]).toMatch(/nope\.log: no such file/);
  });
  it('an unreadable file is reported, not thrown', async () => {
    const secret = join(dir, 'secret.log');
    writeFileSync(secret, `${errorLine(0, 1, REFUSED, '/')}\n`);
    chmodSync(secret, 0o600);
    // Root reads everything: run the CLI as nobody when we are root.
    const asNobody = process.getuid?.() === 0;
    const args = asNobody ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, 'dist/why502.js', 'logs', secret] : [];
    const { spawnSync } = await import('node:child_process');
    const r = asNobody ? spawnSync('setpriv', args, { encoding: 'utf8' }) : spawnSync(process.execPath, ['dist/why502.js', 'logs', secret], { encoding: 'utf8' });
    if (!asNobody) chmodSync(secret, 0o000);
    expect(r.status).toBe(2);
    expect(`${r.stdout}${r.stderr}`).toMatch(/permission denied/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('pasted input', () => {
  it('recognises lines with prefixes, bare messages and error-page lines, and lists the rest', async () => {
    const text = [
      'Dec 01 10:00:01 web nginx[811]: 2026/12/01 10:00:01 [error] 811#811: *3 connect() to unix:/run/php/php8.2-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "a"',
      'this line means nothing',
      '<center><h1>502 Bad Gateway</h1></center>',
      '<hr><center>nginx</center>',
    ].join('\n');
    const { code, report } = await json(['logs', '-'], text);
    expect(code).toBe(1);
    expect(report.causes[0]?.id).toBe('upstream-overloaded');
    expect(report.stats.unrecognisedLines).toEqual(['-:2']);
    expect(report.summary).toMatch(/1 line\(s\) not recognised/);
  });
  it('rejoins a line a terminal wrapped in two', async () => {
    const full = errorLine(0, 4, REFUSED, '/checkout');
    const cutAt = full.indexOf('request:') + 12;
    const { report } = await json(['logs', '-'], `${full.slice(0, cutAt)}\n${full.slice(cutAt)}\n`);
    expect(report.causes[0]).toMatchObject({ id: 'upstream-refused', count: 1 });
    expect(report.stats.unrecognisedLines ?? []).toEqual([]);
  });
});

describe('exit codes, output, redaction, windows', () => {
  it('a healthy access log: exit 0, no cause', async () => {
    const ok = join(dir, 'access-ok.log');
    writeFileSync(ok, '127.0.0.1 - - [01/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/7.88.1"\n'.repeat(20));
    const { code, report } = await json(['logs', ok]);
    expect(code).toBe(0);
    expect(report.causes).toEqual([]);
    expect(report.stats.linesRead).toBe(20);
  });
  it('failures outside --since: the summary says the window held nothing, not the logs', async () => {
    const { code, report } = await json(['logs', 'examples/nginx', '--since', '2099-01-01T00:00:00Z']);
    expect(code).toBe(0);
    expect(report.summary).toBe('No 502/503/504 evidence since 2099-01-01T00:00:00Z (90 line(s) read; lines outside the window are not examined).');
  });
  it('usage errors exit 2', async () => {
    expect((await runCli(['logs', '--format', 'nope', 'x'])).code).toBe(2);
    expect((await runCli(['logs', '--since', 'sometime', '-'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });
  it('--no-redact shows secrets; the default masks them in every format', async () => {
    const f = join(dir, 'secret-query.log');
    writeFileSync(f, `${errorLine(0, 1, REFUSED, '/login?password=hunter2&next=/')}\n`);
    for (const fmt of [[], ['--json'], ['--markdown']]) {
      const r = await runCli(['logs', f, ...fmt]);
      expect(r.stdout).not.toContain('hunter2');
      // The terminal view cuts long lines; the full ones carry the mask.
      if (fmt.length > 0) expect(r.stdout).toContain('password=***');
    }
    expect((await runCli(['logs', f, '--json', '--no-redact'])).stdout).toContain('hunter2');
  });
  it('a --log-format that matches nothing says so; one that matches reads the file', async () => {
    const f = join(dir, 'custom-format.log');
    writeFileSync(f, '2026-12-01T10:00:00+00:00|10.0.0.1|GET /x HTTP/1.1|502|10.0.0.9:8080\n'.repeat(3));
    const wrong = await json(['logs', f, '--log-format', '$remote_addr [$time_local] "$request" $status']);
    expect(wrong.report.errors.join('\n')).toMatch(/--log-format given matches none/);
    const right = await json(['logs', f, '--log-format', '$time_iso8601|$remote_addr|$request|$status|$upstream_addr']);
    expect(right.report.errors).toEqual([]);
    expect(right.report.stats.statuses).toEqual({ '502': 3 });
    expect(right.report.stats.unexplained).toBe(3);
    expect(right.report.stats.failures?.byUpstream).toEqual([{ key: '10.0.0.9:8080', count: 3 }]);
  });
  it('a request retried on the next server after a timeout counts once, even when the retry is logged a minute later', async () => {
    const f = join(dir, 'late-retry.log');
    const timeout = 'upstream timed out (110: Connection timed out) while reading response header from upstream';
    const first = errorLine(0, 7, timeout, '/slow');
    const second = errorLine(60, 7, timeout, '/slow').replace('10.0.0.5:8080', '10.0.0.6:8080');
    const other = errorLine(30, 9, REFUSED, '/x');
    writeFileSync(f, [first, other, second].join('\n'));
    const { report } = await json(['logs', f, '--tz', 'UTC']);
    const t = report.causes.find((c) => c.id === 'upstream-timeout');
    expect(t?.count).toBe(1);
    expect(t?.evidence.map((e) => e.line)).toContain(3);
    // The same upstream timing out twice on one connection is two requests (keep-alive), not a retry.
    writeFileSync(f, [first, other, errorLine(60, 7, timeout, '/slow')].join('\n'));
    expect((await json(['logs', f, '--tz', 'UTC'])).report.causes.find((c) => c.id === 'upstream-timeout')?.count).toBe(2);
  });
  it('--since/--until keep only the window', async () => {
    const f = join(dir, 'window.log');
    writeFileSync(f, [errorLine(0, 1, REFUSED, '/a'), errorLine(600, 2, TOO_BIG, '/b'), errorLine(1200, 3, CLOSED, '/c')].join('\n'));
    const { report } = await json(['logs', f, '--tz', 'UTC', '--since', '2026-12-01T10:05:00Z', '--until', '2026-12-01T10:15:00Z']);
    expect(report.causes.map((c) => c.id)).toEqual(['upstream-header-too-big']);
  });
  it('joins error and access lines across a time-zone offset', async () => {
    const e = join(dir, 'tz-error.log');
    const a = join(dir, 'tz-access.log');
    // The access log is in +0100: the error log's wall clock 11:00:05 is 10:00:05Z.
    writeFileSync(e, '2026/12/01 11:00:05 [error] 9#9: *1 upstream prematurely closed connection while reading response header from upstream, client: 1.2.3.4, server: a, request: "POST /pay HTTP/1.1", upstream: "http://10.0.0.9:80/pay", host: "a"\n');
    writeFileSync(a, '1.2.3.4 - - [01/Dec/2026:11:00:05 +0100] "POST /pay HTTP/1.1" 502 157 "-" "ua"\n');
    const { report } = await json(['logs', e, a]);
    expect(report.causes[0]).toMatchObject({ id: 'upstream-closed-early', count: 1, firstSeen: '2026-12-01T10:00:05Z' });
    expect(report.causes[0]?.evidence.some((x) => x.file === a)).toBe(true);
    expect(report.stats.unexplained).toBe(0);
  });
  it('markdown and text renderers answer what, where, how sure, what to do', async () => {
    const f = join(dir, 'md.log');
    writeFileSync(f, `${errorLine(0, 1, REFUSED, '/')}\n`);
    const md = await runCli(['logs', f, '--markdown']);
    expect(md.stdout).toMatch(/^# why502 logs/);
    expect(md.stdout).toContain('What the site owner can do');
    const text = await runCli(['logs', f]);
    expect(text.stdout).toContain('The upstream refused the connection');
    expect(text.stdout).toContain('What to do');
    expect(text.stdout).not.toMatch(/\x1b\[/);
  });
});
