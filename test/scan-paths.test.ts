/**
 * The fast access-log paths agree with each other: in-thread, one worker, and two workers over byte ranges give
 * the same counts, statuses and evidence line numbers (the workers run from dist/, as the CLI does).
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/types.js';

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

describe('access-log scanning paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'why502-scan-'));
  const access = join(dir, 'access.log');
  const error = join(dir, 'error.log');
  const failAt: number[] = [];
  const lines: string[] = [];
  const errors: string[] = [];
  // 60 000 lines over ~100 minutes with a 502 every 997 lines; line numbers of the failures are known.
  for (let i = 1; i <= 60_000; i++) {
    const t = new Date(Date.UTC(2026, 11, 1, 8, 0, 0) + i * 100);
    const stamp = `${p2(t.getUTCDate())}/${MON[t.getUTCMonth()]}/${t.getUTCFullYear()}:${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())} +0000`;
    const fail = i % 997 === 0;
    if (fail) failAt.push(i);
    lines.push(`10.1.${i % 250}.${i % 7} - - [${stamp}] "GET /p/${i} HTTP/1.1" ${fail ? 502 : 200} ${fail ? 157 : 1200} "-" "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/133.0"`);
    if (fail) {
      const e = `${t.getUTCFullYear()}/${p2(t.getUTCMonth() + 1)}/${p2(t.getUTCDate())} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}`;
      errors.push(`${e} [error] 7#7: *${i} connect() failed (111: Connection refused) while connecting to upstream, client: 10.1.${i % 250}.${i % 7}, server: a, request: "GET /p/${i} HTTP/1.1", upstream: "http://127.0.0.1:9000/p/${i}", host: "a"`);
    }
  }
  writeFileSync(access, `${lines.join('\n')}\n`);
  writeFileSync(error, `${errors.join('\n')}\n`);

  async function run(opts: Record<string, number>): Promise<Report> {
    const lib = (await import('../dist/index.js')) as { diagnoseLogs: (p: string[], o: Record<string, unknown>) => Promise<Report> };
    return lib.diagnoseLogs([access, error], { ...opts, tz: 'UTC' });
  }

  it('in-thread, one worker and two workers agree on counts, statuses and line numbers', async () => {
    const reports = [await run({ workerMinBytes: 1e12 }), await run({ workerMinBytes: 1, scanParts: 1 }), await run({ workerMinBytes: 1, scanParts: 2 })];
    for (const r of reports) {
      expect(r.stats.linesRead).toBe(60_000 + failAt.length);
      expect(r.stats.statuses).toEqual({ '502': failAt.length });
      expect(r.causes[0]).toMatchObject({ id: 'upstream-refused', count: failAt.length });
      expect(r.stats.unexplained).toBe(0);
      const accessLines = r.causes[0]?.evidence.filter((e) => e.file === access).map((e) => e.line) ?? [];
      for (const l of accessLines) expect(failAt).toContain(l);
    }
    // Request totals per minute come from bisection in the fast paths: they must agree with each other.
    const [a, b, c] = reports.map((r) => JSON.stringify(r.stats.failures?.timeline));
    expect(b).toBe(a);
    expect(c).toBe(a);
    // 600 requests a minute in this log.
    expect(reports[0]?.stats.failures?.timeline[1]?.requests).toBe(600);
  });

  it('HAProxy: the " 5" check before parsing drops byte counts, paths and syslog days, never a 5xx', async () => {
    const file = join(dir, 'haproxy.log');
    const out: string[] = [];
    const fails: number[] = [];
    for (let i = 1; i <= 20_000; i++) {
      const t = new Date(Date.UTC(2026, 11, 5, 10, 0, 0) + i * 50);
      const accept = `${p2(t.getUTCDate())}/${MON[t.getUTCMonth()]}/${t.getUTCFullYear()}:${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}.${String(t.getUTCMilliseconds()).padStart(3, '0')}`;
      // Syslog's day "Dec  5", byte counts of 5xxxx and exactly 5xx bytes, a path with " 5" encoded as %20 5 in a query.
      const prefix = `Dec  5 ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())} lb haproxy[812]: `;
      const k = i % 997 === 0 ? (i % 3 === 0 ? 'refused' : i % 3 === 1 ? 'timeout' : 'invalid') : null;
      if (k) fails.push(i);
      const [status, state, timers, bytes] = k === 'refused' ? [503, 'SC--', '0/0/-1/-1/1001', 217] : k === 'timeout' ? [504, 'sH--', '0/0/0/-1/30001', 198] : k === 'invalid' ? [502, 'PH--', '0/0/0/-1/3', 209] : [200, '----', `0/0/0/${i % 80}/${i % 90}`, i % 2 === 0 ? 50_000 + i : 500 + (i % 99)];
      out.push(`${prefix}10.0.${i % 250}.${i % 9}:${40_000 + (i % 20_000)} [${accept}] www~ shop/app${i % 3} ${timers} ${status} ${bytes} - - ${state} 12/11/3/1/0 0/0 "GET /search?q=size 5 HTTP/1.1"`);
    }
    writeFileSync(file, `${out.join('\n')}\n`);
    const lib = (await import('../dist/index.js')) as { diagnoseLogs: (p: string[], o: Record<string, unknown>) => Promise<Report> };
    const scanned = await lib.diagnoseLogs([file], { workerMinBytes: 1, scanParts: 2, tz: 'UTC' });
    const byLine = await lib.diagnoseLogs([file], { format: 'mixed', tz: 'UTC' });
    const counts = (r: Report): Record<string, number> => Object.fromEntries(r.causes.map((c) => [c.id, c.count]));
    expect(counts(scanned)).toEqual({ 'upstream-refused': fails.filter((i) => i % 3 === 0).length, 'upstream-timeout': fails.filter((i) => i % 3 === 1).length, 'upstream-invalid-response': fails.filter((i) => i % 3 === 2).length });
    expect(counts(byLine)).toEqual(counts(scanned));
    const lines = scanned.causes.flatMap((c) => c.evidence.map((e) => e.line));
    for (const l of lines) expect(fails).toContain(l);
  });
});
