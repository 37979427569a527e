/** The raw HTTP/1 response reader on its own: framing, chunk boundaries anywhere, limits. */
import { describe, expect, it } from 'vitest';
import { Http1ResponseParser } from '../../src/probe/http1-parser.js';

function parse(bytes: string | Buffer, opts: Partial<{ maxHeader: number; maxBody: number; method: string }> = {}, step = 0): Http1ResponseParser {
  const p = new Http1ResponseParser({ maxHeader: 65536, maxBody: 262144, method: 'GET', ...opts });
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1');
  if (step === 0) p.feed(buf);
  else for (let i = 0; i < buf.length; i += step) p.feed(buf.subarray(i, i + step));
  return p;
}

const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n';

describe('Http1ResponseParser', () => {
  it('reads the same response whatever the chunk boundaries', () => {
    for (const step of [0, 1, 2, 3, 7]) {
      const p = parse(CHUNKED, {}, step);
      expect(p.state, `step ${step}`).toBe('done');
      expect(Buffer.concat(p.body).toString()).toBe('abc0123456789abcdef');
      expect(p.leftover).toBe(0);
    }
  });

  it('accepts LF-only line ends and a status line without a reason', () => {
    const p = parse('HTTP/1.1 204\nServer: x\n\n');
    expect(p.state).toBe('done');
    expect(p.head).toMatchObject({ status: 204, reason: '', headers: [['Server', 'x']] });
  });

  it('reads no body for HEAD, 204 and 304 whatever Content-Length says', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', { method: 'HEAD' }).state).toBe('done');
    expect(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n').state).toBe('done');
  });

  it('counts bytes after a complete response as leftover (connection not reusable)', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA').leftover).toBe(5);
  });

  it('keeps a body of exactly maxBody without calling it truncated', () => {
    const p = parse('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd', { maxBody: 4 });
    expect(p).toMatchObject({ state: 'done', truncated: false, kept: 4 });
    const q = parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde', { maxBody: 4 });
    expect(q).toMatchObject({ state: 'done', truncated: true, kept: 4 });
  });

  it('completes a close-framed body at EOF only', () => {
    const p = parse('HTTP/1.0 200 OK\r\n\r\nsome');
    expect(p.state).toBe('body');
    expect(p.end()).toBe(true);
    expect(p.state).toBe('done');
  });

  it('refuses Content-Length together with Transfer-Encoding', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n').error?.detail).toBe('both Content-Length and Transfer-Encoding');
  });

  it('refuses obsolete line folding and a missing CRLF after chunk data', () => {
    expect(parse('HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n').error?.detail).toBe('obsolete header line folding: "  folded"');
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n').error).toMatchObject({ stage: 'body', detail: 'missing CRLF after chunk data: "X"' });
  });

  it('rejects a non-HTTP answer from its first byte, and knows a TLS record', () => {
    expect(parse('S').error?.detail).toBe('invalid status line: "S"');
    expect(parse(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])).error).toMatchObject({ kind: 'unexpected-protocol', detail: 'plain-to-tls' });
  });

  it('stops at maxHeader even when the header arrives byte by byte', () => {
    const started = Date.now();
    const p = parse(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`, {}, 1);
    expect(p.error?.kind).toBe('header-too-big');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
