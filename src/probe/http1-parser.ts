/**
 * An incremental, strict HTTP/1.x response reader written by hand (not node:http's llhttp) so that a malformed
 * answer can be shown exactly as sent, and so memory stays bounded: the header is capped (64 KiB), the body is
 * kept up to `maxBody` bytes and reading stops there.
 */
import type { FactKind, Stage } from '../evidence/facts.js';
import { escapeBytes } from './evidence.js';

export interface ResponseHead {
  /** "1.1", "1.0". */
  version: string;
  status: number;
  reason: string;
  /** In order, as sent (names not lower-cased). */
  headers: [string, string][];
  /** Bytes of the status line and header block, terminator included. */
  size: number;
}

/** A protocol error found while reading: the fact kind, where, and a short detail with the offending bytes escaped. */
export interface ParseError {
  kind: Extract<FactKind, 'invalid-response' | 'header-too-big' | 'unexpected-protocol'>;
  stage: Extract<Stage, 'header' | 'body'>;
  detail: string;
}

/** How the body ends (RFC 9112 §6.3). */
export type Framing = 'none' | 'length' | 'chunked' | 'close';

export interface ParserOptions {
  maxHeader: number;
  maxBody: number;
  /** HEAD responses have no body whatever their headers say. */
  method: string;
}

/** RFC 9110 token characters: what a header name may contain. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: ([^\r\n]*))?$/;
const HTTP_PREFIX = Buffer.from('HTTP/');
/** A chunk-size line longer than this is not a chunk size (and must not grow memory). */
const MAX_CHUNK_LINE = 4096;

/** Guess what a non-HTTP answer is, from its first bytes. */
function sniff(first: Buffer): ParseError | null {
  const b0 = first[0];
  const b1 = first[1];
  // A TLS record (alert 0x15, handshake 0x16) with version 3.x: plain HTTP was sent to a TLS port.
  if ((b0 === 0x15 || b0 === 0x16) && b1 === 0x03) return { kind: 'unexpected-protocol', stage: 'header', detail: 'plain-to-tls' };
  // An HTTP/2 SETTINGS frame on stream 0 (length, type 4, flags, stream id): an h2c-only server.
  if (first.length >= 9 && first[3] === 0x04 && first.readUInt32BE(5) === 0) return { kind: 'unexpected-protocol', stage: 'header', detail: 'h1-to-h2c' };
  return null;
}

function invalid(stage: ParseError['stage'], what: string, bytes: Uint8Array): ParseError {
  return { kind: 'invalid-response', stage, detail: `${what}: "${escapeBytes(bytes, 48)}"` };
}

/** Find the end of the header block from `from` on: CRLFCRLF, or LFLF from servers that end lines with LF only. */
function headerEnd(buf: Buffer, from: number): { at: number; len: number } | null {
  const crlf = buf.indexOf('\r\n\r\n', from);
  const lf = buf.indexOf('\n\n', from);
  if (crlf === -1 && lf === -1) return null;
  if (lf !== -1 && (crlf === -1 || lf < crlf)) return { at: lf, len: 2 };
  return { at: crlf, len: 4 };
}

/**
 * Feed it the bytes of one response as they arrive; it says when the response is complete or what is wrong.
 * @example const p = new Http1ResponseParser({ maxHeader: 65536, maxBody: 262144, method: 'GET' }); p.feed(chunk); if (p.state === 'done') p.head
 */
export class Http1ResponseParser {
  state: 'head' | 'body' | 'done' | 'error' = 'head';
  head: ResponseHead | null = null;
  /** Interim 1xx statuses skipped before the final response (100 Continue, 103 Early Hints). */
  readonly interim: number[] = [];
  error: ParseError | null = null;
  framing: Framing = 'none';
  /** Declared Content-Length, when framed by length. */
  contentLength = 0;
  /** Body bytes received (counted whole, even when not all are kept). */
  bodyBytes = 0;
  /** Body bytes kept, at most maxBody. */
  readonly body: Buffer[] = [];
  kept = 0;
  /** Reading stopped at maxBody before the body ended. */
  truncated = false;
  /** Bytes received after the end of the response: the connection cannot be reused. */
  leftover = 0;
  /** First bytes received, for transcripts of invalid answers. */
  firstBytes: Buffer = Buffer.alloc(0);
  received = 0;

  private pending: Buffer = Buffer.alloc(0);
  /** Header bytes so far: a buffer that doubles as it fills, so a header sent byte by byte costs linear time. */
  private headBuf: Buffer = Buffer.alloc(0);
  private headLen = 0;
  /** Where to resume looking for the header end (terminators cannot start before it). */
  private scanFrom = 0;
  private chunkLeft = 0;
  private chunkState: 'size' | 'data' | 'data-crlf' | 'trailers' = 'size';

  constructor(private readonly opts: ParserOptions) {}

  /** Feed bytes as they arrive. */
  feed(chunk: Buffer): void {
    if (this.received < 64) this.firstBytes = Buffer.concat([this.firstBytes, chunk.subarray(0, 64 - this.received)]);
    this.received += chunk.length;
    if (this.state === 'done') {
      this.leftover += chunk.length;
      return;
    }
    if (this.state === 'error') return;
    if (this.state === 'head') {
      this.appendHead(chunk);
      this.readHead();
      return;
    }
    this.readBody(chunk);
  }

  /** The peer closed its side. Returns true when that completed the response (body framed by close). */
  end(): boolean {
    if (this.state === 'body' && this.framing === 'close') {
      this.state = 'done';
      return true;
    }
    return this.state === 'done';
  }

  private fail(e: ParseError): void {
    this.state = 'error';
    this.error = e;
    this.pending = Buffer.alloc(0);
    this.headBuf = Buffer.alloc(0);
  }

  private appendHead(chunk: Buffer): void {
    if (this.headLen + chunk.length > this.headBuf.length) {
      const grown = Buffer.allocUnsafe(Math.max(1024, this.headBuf.length * 2, this.headLen + chunk.length));
      this.headBuf.copy(grown, 0, 0, this.headLen);
      this.headBuf = grown;
    }
    chunk.copy(this.headBuf, this.headLen);
    this.headLen += chunk.length;
  }

  private readHead(): void {
    for (;;) {
      const buf = this.headBuf.subarray(0, this.headLen);
      // Reject a non-HTTP answer as soon as its first bytes show it, instead of waiting for a header end that never comes.
      const n = Math.min(buf.length, HTTP_PREFIX.length);
      if (n > 0 && !buf.subarray(0, n).equals(HTTP_PREFIX.subarray(0, n))) {
        this.fail(sniff(buf) ?? invalid('header', 'invalid status line', buf));
        return;
      }
      const end = headerEnd(buf, this.scanFrom);
      if (!end) {
        if (buf.length > this.opts.maxHeader) this.fail({ kind: 'header-too-big', stage: 'header', detail: `response header larger than ${this.opts.maxHeader} bytes` });
        this.scanFrom = Math.max(0, buf.length - 3);
        return;
      }
      const size = end.at + end.len;
      if (size > this.opts.maxHeader) {
        this.fail({ kind: 'header-too-big', stage: 'header', detail: `response header of ${size} bytes, larger than ${this.opts.maxHeader}` });
        return;
      }
      const head = this.parseHead(buf.subarray(0, end.at), size);
      if (!head) return;
      // Copy the bytes after the header out: headBuf is reused for the next (final, after 1xx) header.
      const rest = Buffer.from(buf.subarray(size));
      this.headLen = 0;
      this.scanFrom = 0;
      if (head.status >= 100 && head.status < 200 && head.status !== 101) {
        this.interim.push(head.status);
        if (rest.length === 0) return;
        this.appendHead(rest);
        continue;
      }
      this.head = head;
      this.headBuf = Buffer.alloc(0);
      if (!this.frame(head)) return;
      if (this.framing === 'none' || (this.framing === 'length' && this.contentLength === 0)) {
        this.state = 'done';
        this.leftover += rest.length;
        return;
      }
      this.state = 'body';
      if (rest.length > 0) this.readBody(rest);
      return;
    }
  }

  private parseHead(block: Buffer, size: number): ResponseHead | null {
    // latin1: one char per byte, so offending bytes are shown as they came.
    const lines = block.toString('latin1').split(/\r?\n/);
    const statusLine = lines[0] ?? '';
    const m = STATUS_LINE.exec(statusLine);
    if (!m) {
      this.fail(invalid('header', 'invalid status line', Buffer.from(statusLine, 'latin1')));
      return null;
    }
    const headers: [string, string][] = [];
    for (const line of lines.slice(1)) {
      if (/^[ \t]/.test(line)) {
        this.fail(invalid('header', 'obsolete header line folding', Buffer.from(line, 'latin1')));
        return null;
      }
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      const value = colon > 0 ? line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '') : '';
      if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) {
        this.fail(invalid('header', 'invalid header line', Buffer.from(line, 'latin1')));
        return null;
      }
      headers.push([name, value]);
    }
    return { version: `${m[1]}.${m[2]}`, status: Number(m[3]), reason: m[4] ?? '', headers, size };
  }

  /** Decide how the body ends; false when the framing headers are invalid. */
  private frame(head: ResponseHead): boolean {
    const values = (n: string): string[] => head.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
    const te = values('transfer-encoding');
    const cl = values('content-length');
    if (this.opts.method === 'HEAD' || head.status === 204 || head.status === 304 || head.status === 101) {
      this.framing = 'none';
      return true;
    }
    if (te.length > 0 && cl.length > 0) {
      // Ambiguous framing is the request-smuggling shape; nginx refuses such upstream answers, and so do we.
      this.fail({ kind: 'invalid-response', stage: 'header', detail: 'both Content-Length and Transfer-Encoding' });
      return false;
    }
    if (te.length > 0) {
      const codings = te.join(',').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
      this.framing = codings[codings.length - 1] === 'chunked' ? 'chunked' : 'close';
      return true;
    }
    if (cl.length > 0) {
      const all = cl.join(',').split(',').map((s) => s.trim());
      if (!all.every((v) => /^\d{1,15}$/.test(v)) || new Set(all).size > 1) {
        this.fail(invalid('header', cl.length > 1 ? 'conflicting Content-Length' : 'invalid Content-Length', Buffer.from(cl.join(', '), 'latin1')));
        return false;
      }
      this.framing = 'length';
      this.contentLength = Number(all[0]);
      return true;
    }
    this.framing = 'close';
    return true;
  }

  /** Keep body bytes up to maxBody; past it, stop and mark the body truncated. */
  private keep(data: Buffer): void {
    this.bodyBytes += data.length;
    const room = this.opts.maxBody - this.kept;
    if (data.length > room) {
      if (room > 0) this.body.push(data.subarray(0, room));
      this.kept += Math.max(0, room);
      this.truncated = true;
      this.state = 'done';
      return;
    }
    this.body.push(data);
    this.kept += data.length;
  }

  private readBody(chunk: Buffer): void {
    if (this.framing === 'close') {
      this.keep(chunk);
      return;
    }
    if (this.framing === 'length') {
      const need = this.contentLength - this.bodyBytes;
      const take = chunk.subarray(0, need);
      this.keep(take);
      if (this.state === 'done') return;
      if (this.bodyBytes === this.contentLength) {
        this.state = 'done';
        this.leftover += chunk.length - take.length;
      }
      return;
    }
    this.readChunked(chunk);
  }

  private readChunked(chunk: Buffer): void {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = Buffer.alloc(0);
    while (buf.length > 0 && this.state === 'body') {
      if (this.chunkState === 'data') {
        const take = buf.subarray(0, this.chunkLeft);
        this.keep(take);
        this.chunkLeft -= take.length;
        buf = buf.subarray(take.length);
        if (this.chunkLeft === 0) this.chunkState = 'data-crlf';
        continue;
      }
      const nl = buf.indexOf('\n');
      if (nl === -1) {
        if (buf.length > MAX_CHUNK_LINE) this.fail(invalid('body', this.chunkState === 'trailers' ? 'invalid chunked trailer' : 'invalid chunk size', buf));
        else this.pending = buf;
        return;
      }
      const line = buf.subarray(0, nl).toString('latin1').replace(/\r$/, '');
      buf = buf.subarray(nl + 1);
      if (this.chunkState === 'data-crlf') {
        if (line !== '') return this.fail(invalid('body', 'missing CRLF after chunk data', Buffer.from(line, 'latin1')));
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const m = /^([0-9A-Fa-f]{1,15})[ \t]*(?:;.*)?$/.exec(line);
        if (!m) return this.fail(invalid('body', 'invalid chunk size', Buffer.from(line, 'latin1')));
        this.chunkLeft = parseInt(m[1] ?? '0', 16);
        this.chunkState = this.chunkLeft === 0 ? 'trailers' : 'data';
      } else if (line === '') {
        this.state = 'done';
        this.leftover += buf.length;
        return;
      } else if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:/.test(line)) {
        return this.fail(invalid('body', 'invalid chunked trailer', Buffer.from(line, 'latin1')));
      }
    }
  }
}
