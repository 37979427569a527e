/**
 * The causal chain across files: a burst of proxy failures lined up with what the upstream's own log said at the
 * same seconds, through the library (diagnoseLogs) on real files in a directory.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnoseLogs } from '../src/index.js';
import { assertValidReport } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'why502-chain-'));

// nginx 1.22 wording (test/fixtures/nginx-source-messages.json); PHP-FPM 8.2 wording as the lab recorded it.
function nginxTimeouts(n: number, startSec: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const sec = String(startSec + Math.floor(i / 4)).padStart(2, '0');
    lines.push(
      `2026/12/01 10:03:${sec} [error] 811#811: *${100 + i} upstream timed out (110: Connection timed out) while reading response header from upstream, client: 203.0.113.${i}, server: shop.example, request: "GET /checkout HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "shop.example"`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function site(name: string, fpmLine: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'error.log'), nginxTimeouts(12, 12));
  writeFileSync(join(dir, 'php8.2-fpm.log'), `[01-Dec-2026 10:02:00] NOTICE: ready to handle connections\n${fpmLine}\n`);
  return dir;
}

describe('causal chain', () => {
  it('raises a burst of timeouts to upstream-overloaded when PHP-FPM reports its pool full at the same seconds', async () => {
    const dir = site('same-second', '[01-Dec-2026 10:03:11] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it');
    const report = await diagnoseLogs([dir], { tz: 'UTC' });
    assertValidReport(report);
    const top = report.causes[0];
    expect(top).toMatchObject({ id: 'upstream-overloaded', count: 12 });
    expect(top?.evidence.some((e) => e.file?.endsWith('php8.2-fpm.log') && e.text.includes('pm.max_children'))).toBe(true);
    expect(top?.bursts).toHaveLength(1);
    expect(top?.bursts?.[0]).toMatchObject({ from: '2026-12-01T10:03:12Z', to: '2026-12-01T10:03:14Z', count: 12 });
    expect(top?.bursts?.[0]?.because?.text).toContain('server reached pm.max_children');
    expect(report.causes.map((c) => c.id)).not.toContain('upstream-timeout');
  });
  it('tolerates a few seconds of clock skew between the two hosts', async () => {
    // The PHP-FPM host's clock runs 4 s ahead: its warning is stamped after the proxy's first failures.
    const dir = site('skewed', '[01-Dec-2026 10:03:16] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it');
    const report = await diagnoseLogs([dir], { tz: 'UTC' });
    expect(report.causes[0]?.id).toBe('upstream-overloaded');
  });
  it('does not line up an upstream line from minutes away', async () => {
    const dir = site('far', '[01-Dec-2026 10:09:00] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it');
    const report = await diagnoseLogs([dir], { tz: 'UTC' });
    expect(report.causes[0]).toMatchObject({ id: 'upstream-timeout', count: 12 });
  });
});

describe('keep-alive race from a request log read by scanning', () => {
  it('HAProxy: failures right after idle gaps, between normal answers, read the same scanned as line by line', async () => {
    const fixture = readFileSync('test/causes/keepalive-race/fire-lab-haproxy-keepalive-idle-close.log', 'utf8');
    const lines = fixture.split('\n').filter((l) => l.startsWith('127.0.0.1:'));
    const file = join(root, 'haproxy-keepalive.log');
    // Only HAProxy request lines: the file is read by the scanner, which parses failures and looks back from them.
    writeFileSync(file, `${lines.join('\n')}\n`);
    const report = await diagnoseLogs([file], { tz: 'UTC' });
    expect(report.stats.files?.[0]?.format).toBe('haproxy');
    expect(report.causes[0]?.id).toBe('keepalive-race');
  });
});
