/**
 * The cause tester (after ESLint's RuleTester): runs every fixture in test/causes/<id>/ through the real log
 * pipeline and checks the cause fires (fire-*.log) or stays silent (nofire-*.log). Each fixture starts with
 * "# source:" (where the lines come from) and "# expect:" lines; unknown message ids and duplicate fixtures fail.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { causeById } from '../src/causes/index.js';
import type { CauseId } from '../src/causes/types.js';
import { diagnoseLogs } from '../src/logs/diagnose.js';
import { assertValidReport } from './helpers.js';

export interface Fixture {
  file: string;
  source: string;
  fire: boolean;
  top: boolean;
  count?: number;
  messageId?: string;
  why?: string;
  lines: string[];
}

/** Parse a fixture file's header and lines. */
export function readFixture(path: string): Fixture {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const head: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const m = /^# (source|expect|why): (.*)$/.exec(lines[i] ?? '');
    if (!m) break;
    head[m[1] ?? ''] = m[2] ?? '';
  }
  const expectLine = head.expect ?? '';
  const em = /^(fire|no-fire) ([a-z-]+)((?: [a-z]+(?:=\S+)?)*)$/.exec(expectLine);
  if (!em) throw new Error(`${path}: "# expect:" must be "fire <id> [top] [count=N] [message=<id>]" or "no-fire <id>"`);
  const opts = (em[3] ?? '').trim().split(/\s+/).filter(Boolean);
  const fx: Fixture = { file: path, source: head.source ?? '', fire: em[1] === 'fire', top: opts.includes('top'), lines: lines.slice(i) };
  for (const o of opts) {
    const [k, v] = o.split('=');
    if (k === 'count') fx.count = Number(v);
    if (k === 'message') fx.messageId = v;
  }
  if (head.why !== undefined) fx.why = head.why;
  return fx;
}

/** Diagnose fixture lines the way a person pastes them (stdin), in UTC. */
export async function diagnoseLines(lines: string[]) {
  const report = await diagnoseLogs(['-'], { stdin: Readable.from([Buffer.from(`${lines.join('\n')}\n`)]), tz: 'UTC' });
  assertValidReport(report);
  return report;
}

/** Register the tests of one cause. */
export function testCause(id: CauseId): void {
  const cause = causeById(id);
  const dir = join('test', 'causes', id);
  describe(`cause ${id}`, () => {
    it('is registered', () => {
      expect(cause?.meta.id).toBe(id);
    });
    const files = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    it('has must-fire and must-not-fire fixtures, each with a source and no duplicates', () => {
      expect(files.some((f) => f.startsWith('fire-'))).toBe(true);
      expect(files.some((f) => f.startsWith('nofire-'))).toBe(true);
      const seen = new Map<string, string>();
      for (const f of files) {
        const fx = readFixture(join(dir, f));
        expect(fx.source.length, `${f}: # source`).toBeGreaterThan(10);
        expect(fx.fire, `${f}: file name and expect disagree`).toBe(f.startsWith('fire-'));
        expect(readFileSync(join(dir, f), 'utf8')).toContain(`fire ${id}`);
        if (fx.messageId !== undefined) expect(Object.keys(cause?.meta.messages ?? {}), `${f}: unknown message id`).toContain(fx.messageId);
        if (!fx.fire) expect(fx.why, `${f}: a must-not-fire fixture says why (# why:)`).toBeTruthy();
        const h = createHash('sha1').update(fx.lines.join('\n')).digest('hex');
        expect(seen.get(h), `${f} repeats ${seen.get(h) ?? ''}`).toBeUndefined();
        seen.set(h, f);
      }
    });
    for (const f of files) {
      it(f, async () => {
        const fx = readFixture(join(dir, f));
        const report = await diagnoseLines(fx.lines);
        const found = report.causes.find((c) => c.id === id);
        if (!fx.fire) {
          expect(found, `${id} must not fire; got ${report.causes.map((c) => c.id).join(', ')}`).toBeUndefined();
          return;
        }
        expect(found, `${id} must fire; got ${report.causes.map((c) => `${c.id}:${c.count}`).join(', ') || 'nothing'}`).toBeDefined();
        if (fx.top) expect(report.causes[0]?.id).toBe(id);
        if (fx.count !== undefined) expect(found?.count).toBe(fx.count);
        if (fx.messageId !== undefined) expect(found?.messageId).toBe(fx.messageId);
        expect(found?.evidence.length).toBeGreaterThan(0);
        expect(found?.fixes.owner.length).toBeGreaterThan(0);
      });
    }
  });
}
