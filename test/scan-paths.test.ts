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
});
