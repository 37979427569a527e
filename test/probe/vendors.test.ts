/**
 * Recorded CDN and load-balancer error responses, replayed by a loopback server, are attributed to their vendor:
 * exactly one hop of the chain is marked emitted, with the vendor's layer id and the status, and where the
 * fixture names a cause, it is the top cause.
 *
 * Each file in fixtures/vendors/ is one HTTP response (status line, headers, blank line, body) preceded by
 * comment lines: `# source: <URL> (...)` for where every part of it comes from, and `# expect: <layer> <status>
 * <cause-id or ->`. The comment lines are not served. Replaying a capture needs three adjustments, made here and
 * not in the files: the head is sent with CRLF line ends; a head that curl printed as `HTTP/2 NNN` is sent as
 * HTTP/1.1 with the standard reason phrase (the raw server speaks HTTP/1.1); and the framing headers
 * (Content-Length, Transfer-Encoding, Connection) are replaced by the length of the body as stored, because
 * published captures lose CR bytes, chunk framing or the end of the page. The file's last line break ends the
 * file, not the body.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { rawServer, type RawServer } from '../../src/lab/faults/raw-server.js';
import { probeUrl } from '../../src/probe/probe-url.js';
import { assertValidReport } from '../helpers.js';

const DIR = fileURLToPath(new URL('./fixtures/vendors/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.http')).sort();

interface Fixture {
  sources: string[];
  layer: string;
  status: number;
  cause: string | null;
  bytes: Buffer;
}

const FRAMING = /^(?:content-length|transfer-encoding|connection):/i;

function load(file: string): Fixture {
  const lines = readFileSync(join(DIR, file), 'utf8').split('\n');
  const comments: string[] = [];
  while (lines[0]?.startsWith('#')) comments.push(lines.shift() ?? '');
  const sources = comments.filter((c) => c.startsWith('# source: ')).map((c) => c.slice('# source: '.length));
  const expectLine = comments.find((c) => c.startsWith('# expect: ')) ?? '';
  const m = /^# expect: ([a-z0-9-]+) (\d{3})(?: (\S+))?\s*$/.exec(expectLine);
  if (!m) throw new Error(`${file}: no "# expect: <layer> <status> [cause]" line`);
  const text = lines.join('\n').replace(/\n$/, '');
  const split = text.indexOf('\n\n');
  const head = (split < 0 ? text : text.slice(0, split)).split('\n');
  const body = Buffer.from(split < 0 ? '' : text.slice(split + 2), 'utf8');
  let statusLine = head[0] ?? '';
  const h2 = /^HTTP\/2(?:\.0)? (\d{3})\s*$/.exec(statusLine);
  if (h2?.[1]) statusLine = `HTTP/1.1 ${h2[1]} ${STATUS_CODES[h2[1]] ?? ''}`.trimEnd();
  const headers = head.slice(1).filter((l) => !FRAMING.test(l));
  headers.push(`Content-Length: ${body.length}`, 'Connection: close');
  const bytes = Buffer.concat([Buffer.from(`${[statusLine, ...headers].join('\r\n')}\r\n\r\n`, 'latin1'), body]);
  return { sources, layer: m[1] ?? '', status: Number(m[2]), cause: m[3] && m[3] !== '-' ? m[3] : null, bytes };
}

const servers: RawServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe('recorded vendor error responses name their vendor', { timeout: 10_000 }, () => {
  it('there are fixtures, and each cites a public source', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(15);
    for (const file of FILES) {
      const fx = load(file);
      expect(fx.sources.length, file).toBeGreaterThan(0);
      for (const s of fx.sources) expect(s, file).toMatch(/https:\/\//);
    }
  });

  for (const file of FILES) {
    it(file, async () => {
      const fx = load(file);
      const server = await rawServer((s) => s.end(fx.bytes), { waitHeaders: true });
      servers.push(server);
      const r = await probeUrl(`http://${server.address}/`, { attempts: 1, timeoutMs: 3000 });
      assertValidReport(r);
      const emitted = (r.chain ?? []).filter((h) => h.emitted);
      expect(emitted, JSON.stringify(r.chain)).toHaveLength(1);
      expect({ layer: emitted[0]?.layer, status: emitted[0]?.status }).toEqual({ layer: fx.layer, status: fx.status });
      if (fx.cause) expect(r.causes[0]?.id, JSON.stringify(r.causes.map((c) => [c.id, c.confidence]))).toBe(fx.cause);
    });
  }
});
