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
  // The one generic test of every format's samples (formats-edge and formats-upstream test what is particular).
  for (const format of LOG_FORMATS) {
    it(`${format.id} has at least 5 samples, each with a source`, () => {
      expect(format.samples.length).toBeGreaterThanOrEqual(5);
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
          if (s.expect[k] !== undefined) expect(f[k], k).toBe(s.expect[k]);
        }
        if (s.expect.time) expect(f.time === null ? null : iso(f.time)).toBe(s.expect.time);
        expect(f.ref.text).toBe(s.line);
        // Upstream-side and system lines explain the proxy's failures as context: they never name a request.
        if (format.role === 'app' || format.role === 'system') expect(f.request).toBeUndefined();
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

describe('access layouts beyond the stock formats', () => {
  const ctx = (facts: Fact[]): ParseContext => ({ file: 'x', lineNo: 1, zone: { kind: 'offset', minutes: 0 }, emit: (x) => facts.push(x) });
  it('types fixed-shape variables, so a format ending in $status or with adjacent numbers still parses', () => {
    const f = accessLogFor(compileLogFormat('t', '[$time_local] $request_time $body_bytes_sent "$request" $status'));
    const facts: Fact[] = [];
    expect(f.parse('[01/Dec/2026:10:00:00 +0000] 0.004 157 "GET /a HTTP/1.1" 502', ctx(facts))).toBe(true);
    expect(f.parse('[01/Dec/2026:10:00:00 +0000] 0.004 157 "GET /a HTTP/1.1" 502 trailing', ctx(facts))).toBe(false);
    expect(facts.map((x) => x.status)).toEqual([502]);
  });
  it('reads combined plus a key=value tail (rt/uct/uht/urt/us/ua) without being told the format', () => {
    const line =
      '10.0.0.1 - - [01/Dec/2026:10:00:01 +0000] "GET /api HTTP/1.1" 502 157 "-" "curl/8" "-" rt=0.003 uct="-" uht="-" urt="0.002" us="502" ua="10.0.0.9:8080"';
    const plan = planFor([line], {});
    expect(plan.mode).toBe('access');
    if (plan.mode !== 'access') return;
    expect(plan.format.recipe).toMatchObject({ kind: 'nginx-access', name: 'combined+' });
    const facts: Fact[] = [];
    plan.format.parse(line, ctx(facts));
    expect(facts[0]).toMatchObject({ kind: 'gateway-status', status: 502, upstream: '10.0.0.9:8080', timing: { connect: [null], header: [null] } });
    const passed: Fact[] = [];
    plan.format.parse(line.replace('uht="-"', 'uht="0.002"'), ctx(passed));
    expect(passed[0]?.kind).toBe('app-status');
  });
  it('reads the request of a line nginx escaped (\\xHH) as the bytes the error log names', () => {
    const f = accessLogFor(compileLogFormat('c', '$remote_addr [$time_local] "$request" $status'));
    const facts: Fact[] = [];
    f.parse('1.2.3.4 [01/Dec/2026:10:00:00 +0000] "GET /caf\\xC3\\xA9 HTTP/1.1" 502', ctx(facts));
    expect(facts[0]?.request?.uri).toBe('/caf\xC3\xA9');
  });
  it('does not take an application JSON line with a status for an access record', () => {
    const json = LOG_FORMATS.find((x) => x.id === 'json-access');
    expect(json?.sniff('{"level":"error","msg":"db down","status":500}')).toBe(0);
    expect(json?.sniff('{"status":502,"request":"GET / HTTP/1.1"}')).toBeGreaterThan(0);
  });
});
