/**
 * Format detection on a mixed directory: one file per known format, made of that format's own sample lines
 * (real lines from the lab and public sources), read together; each file must be read as its format.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnoseLogs } from '../src/index.js';
import { LOG_FORMATS } from '../src/logs/read.js';
import { assertValidReport } from './helpers.js';

describe('format detection', () => {
  it('reads each file of a mixed directory as its own format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'why502-detect-'));
    const expected = new Map<string, string>();
    for (const f of LOG_FORMATS) {
      // Single-line samples only (multi-line records are read as one record), repeated so a file has a head.
      const lines = f.samples.map((s) => s.line).filter((l) => !l.includes('\n') && f.sniff(l) > 0);
      if (lines.length === 0) continue;
      const file = join(dir, `${f.id}.log`);
      writeFileSync(file, `${Array.from({ length: 3 }, () => lines.join('\n')).join('\n')}\n`);
      expected.set(file, f.id);
    }
    expect(expected.size).toBeGreaterThanOrEqual(LOG_FORMATS.length - 1);
    const report = await diagnoseLogs([dir], { tz: 'UTC' });
    assertValidReport(report);
    const got = new Map((report.stats.files ?? []).map((f) => [f.file, f.format.split(':')[0]]));
    for (const [file, id] of expected) expect({ file, format: got.get(file) }).toEqual({ file, format: id });
    // Every line of every file is recognised as something.
    for (const f of report.stats.files ?? []) expect(f.linesRecognised, f.file).toBe(f.linesRead);
  });
});
