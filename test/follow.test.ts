/** `why502 logs --follow` as a process: first verdict, a new one when appended lines change it, rotation, Ctrl-C. */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/types.js';
import { assertValidReport } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'why502-follow-'));

function line(sec: number, conn: number, msg: string): string {
  return `2026/12/01 10:00:${String(sec).padStart(2, '0')} [error] 811#811: *${conn} ${msg}, client: 203.0.113.7, server: shop, request: "GET /p${conn} HTTP/1.1", upstream: "http://10.0.0.5:8080/p${conn}", host: "shop"\n`;
}
const REFUSED = 'connect() failed (111: Connection refused) while connecting to upstream';
const TOO_BIG = 'upstream sent too big header while reading response header from upstream';
const TIMEOUT = 'upstream timed out (110: Connection timed out) while reading response header from upstream';

describe('logs --follow', () => {
  it('prints the first verdict, a new one when appended lines change the cause, follows a rotation, and ends on SIGINT', { timeout: 30_000 }, async () => {
    const file = join(dir, 'error.log');
    writeFileSync(file, line(1, 1, REFUSED));
    const child = spawn(process.execPath, ['dist/why502.js', 'logs', file, '--follow', '--follow-interval', '100', '--json', '--tz', 'UTC'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const reports: Report[] = [];
    let buf = '';
    const waiters: (() => void)[] = [];
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        reports.push(JSON.parse(buf.slice(0, nl)) as Report);
        buf = buf.slice(nl + 1);
        waiters.splice(0).forEach((w) => w());
      }
    });
    const next = async (n: number): Promise<Report> => {
      const deadline = Date.now() + 10_000;
      while (reports.length < n) {
        if (Date.now() > deadline) throw new Error(`no report ${n} (got ${reports.length})`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return reports[n - 1] as Report;
    };
    try {
      const first = await next(1);
      assertValidReport(first);
      expect(first.causes[0]?.id).toBe('upstream-refused');
      // Lines appended: three oversized headers. The verdict changes.
      appendFileSync(file, line(5, 2, TOO_BIG) + line(5, 3, TOO_BIG) + line(6, 4, TOO_BIG));
      const second = await next(2);
      assertValidReport(second);
      expect(second.causes[0]).toMatchObject({ id: 'upstream-header-too-big', count: 3 });
      // The same kind of line again: same verdict, nothing printed. Then a rotation to a new file with timeouts.
      appendFileSync(file, line(7, 5, TOO_BIG));
      await new Promise((r) => setTimeout(r, 400));
      expect(reports).toHaveLength(2);
      renameSync(file, `${file}.1`);
      writeFileSync(file, line(20, 6, TIMEOUT) + line(21, 7, TIMEOUT) + line(21, 8, TIMEOUT) + line(22, 9, TIMEOUT) + line(22, 10, TIMEOUT));
      const third = await next(3);
      expect(third.causes[0]?.id).toBe('upstream-timeout');
    } finally {
      child.kill('SIGINT');
    }
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(1);
  });
  it('refuses to follow stdin', async () => {
    const child = spawn(process.execPath, ['dist/why502.js', 'logs', '-', '--follow'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end('');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(2);
  });
});
