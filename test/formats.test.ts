/** Every log format's sample lines parse to their expected facts (lnav-style), and detection picks the right format. */
import { describe, expect, it } from 'vitest';
import type { Fact } from '../src/evidence/facts.js';
import { compileLogFormat } from '../src/logs/formats/nginx-log-format.js';
import { accessLogFor } from '../src/logs/formats/nginx-access.js';
import type { ParseContext } from '../src/logs/formats/types.js';
import { LOG_FORMATS, planFor } from '../src/logs/read.js';
import { iso } from '../src/logs/time.js';

function parseWith(format: (typeof LOG_FORMATS)[number], line: string): { ok: boolean; facts: Fact[] } {
  const facts: Fact[] = [];
  const ctx: ParseContext = { file: 'sample', lineNo: 1, zone: { kind: 'offset', minutes: 0 }, emit: (f) => facts.push(f) };
  return { ok: format.parse(line, ctx), facts };
}

describe('log format samples', () => {
  for (const format of LOG_FORMATS) {
    it(`${format.id} has samples with sources`, () => {
      expect(format.samples.length).toBeGreaterThanOrEqual(2);
      for (const s of format.samples) expect(s.source.length).toBeGreaterThan(10);
    });
    for (const [i, s] of format.samples.entries()) {
      it(`${format.id} sample ${i + 1} → ${s.expect ? s.expect.kind : 'no fact'}`, () => {
        const { ok, facts } = parseWith(format, s.line);
        expect(ok).toBe(true);
        if (s.expect === null) {
          expect(facts).toHaveLength(0);
          return;
        }
        expect(facts).toHaveLength(1);
        const f = facts[0] as Fact;
        expect(f.kind).toBe(s.expect.kind);
        for (const k of ['errno', 'stage', 'upstream', 'status', 'detail'] as const) {
          if (s.expect[k] !== undefined) expect(f[k]).toBe(s.expect[k]);
        }
        if (s.expect.time) expect(f.time === null ? null : iso(f.time)).toBe(s.expect.time);
      });
    }
  }
  it('a sample of one format is not taken for another', () => {
    for (const format of LOG_FORMATS) {
      for (const s of format.samples) {
        const plan = planFor([s.line], {});
        expect(plan.mode === 'mixed' ? 'mixed' : plan.format.id, s.line).toBe(format.id);
      }
    }
  });
});

describe('nginx log_format compiler', () => {
  it('reads the upstream timing format and tells a passed-through 502 from one nginx made', () => {
    const f = accessLogFor(compileLogFormat('t', '$remote_addr [$time_local] "$request" $status $body_bytes_sent us=$upstream_status uht=$upstream_header_time uct=$upstream_connect_time'));
    const facts: Fact[] = [];
    const ctx: ParseContext = { file: 'x', lineNo: 1, zone: { kind: 'offset', minutes: 0 }, emit: (x) => facts.push(x) };
    expect(f.parse('10.0.0.1 [01/Dec/2026:10:00:00 +0100] "GET /a HTTP/1.1" 502 157 us=502 uht=- uct=-', ctx)).toBe(true);
    expect(f.parse('10.0.0.1 [01/Dec/2026:10:00:01 +0100] "GET /b HTTP/1.1" 502 12 us=502 uht=0.004 uct=0.001', ctx)).toBe(true);
    expect(f.parse('10.0.0.1 [01/Dec/2026:10:00:02 +0100] "GET /c HTTP/1.1" 502 157 us=502, 502 uht=-, - uct=0.001, -', ctx)).toBe(true);
    expect(facts.map((x) => x.kind)).toEqual(['gateway-status', 'app-status', 'gateway-status']);
    expect(facts[0]?.time).toBe(Date.UTC(2026, 11, 1, 9, 0, 0));
    expect(facts[2]?.timing?.connect).toEqual([0.001, null]);
  });
  it('knows the status needle from the literal before $status', () => {
    expect(compileLogFormat('c', '$remote_addr "$request" $status').statusNeedle?.toString()).toBe('" 5');
    expect(compileLogFormat('k', 'status=$status').statusNeedle?.toString()).toBe('us=5');
    expect(compileLogFormat('n', '$status $remote_addr').statusNeedle).toBeNull();
  });
});
