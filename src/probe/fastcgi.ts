/**
 * FastCGI prober: asks one real FastCGI request on a connected socket (TCP or unix) the way nginx's fastcgi_pass
 * does, and tells a FastCGI server (PHP-FPM) apart from one that speaks another protocol (an HTTP server answers
 * "HTTP/1.1 400", which nginx reads as "unsupported FastCGI protocol version: 72"), or that closes or resets.
 */
import type { Socket } from 'node:net';
import { errnoFromNodeCode } from '../evidence/errno.js';
import type { Fact } from '../evidence/facts.js';
import { startBudget } from './budget.js';
import { escapeBytes, probeFact, since, Transcript } from './evidence.js';
import type { ProbeContext, ProbeResult, ProbeTimings } from './types.js';

export interface FastcgiTarget {
  /** The upstream as the proxy names it ("127.0.0.1:9000", "unix:/run/php/php8.2-fpm.sock"), for facts. */
  upstream: string;
  /**
   * The request path (SCRIPT_NAME, REQUEST_URI): a pool's `ping.path` or `pm.status_path` when known. Default: a
   * script that does not exist, which PHP-FPM answers at once ("Primary script unknown", 404) without running PHP.
   */
  path?: string;
  /** Where SCRIPT_FILENAME points (default: `path` under a directory that does not exist). */
  scriptFilename?: string;
}

export interface FastcgiOptions {
  /** The connected socket (from probeTcp, or a unix-socket connect); the prober closes it. */
  socket: Socket;
  /** Most response bytes read (default 64 KiB): enough to see the records, bounded for any server. */
  maxBytes?: number;
  /** Extra FastCGI params, after the ones the prober sets (a pool's HTTP_HOST, DOCUMENT_ROOT...). */
  params?: [string, string][];
}

/** What a FastCGI server answered. */
export interface FastcgiResponse {
  /** The CGI status (the "Status:" header of FCGI_STDOUT; 200 when absent), or null when no header came. */
  status: number | null;
  /** The CGI response headers from FCGI_STDOUT, in order. */
  headers: [string, string][];
  /** Bytes of the CGI response header in FCGI_STDOUT (up to and including the blank line), when it ended. */
  headerBytes?: number;
  stdoutBytes: number;
  /** What the server wrote to FCGI_STDERR (PHP-FPM: "Primary script unknown"), cut at 1 KiB. */
  stderr: string;
  /** FCGI_END_REQUEST's appStatus and protocolStatus, or null when reading stopped before it (maxBytes). */
  appStatus: number | null;
  protocolStatus: 'request-complete' | 'cant-mpx-conn' | 'overloaded' | 'unknown-role' | null;
  /** Well-formed records read. */
  records: number;
}

/** What is known when the exchange failed. */
export interface FastcgiPartial {
  records: number;
  firstBytes?: string;
}

/** Record types (FastCGI 1.0 §8). */
const T = { BEGIN_REQUEST: 1, ABORT_REQUEST: 2, END_REQUEST: 3, PARAMS: 4, STDIN: 5, STDOUT: 6, STDERR: 7, DATA: 8, GET_VALUES: 9, GET_VALUES_RESULT: 10, UNKNOWN_TYPE: 11 } as const;
const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(T).map(([k, v]) => [v, `FCGI_${k}`]));
const PROTOCOL_STATUS = ['request-complete', 'cant-mpx-conn', 'overloaded', 'unknown-role'] as const;
const REQUEST_ID = 1;
const RESPONDER = 1;
const DEFAULT_MAX_BYTES = 64 * 1024;
/** A path no PHP-FPM pool serves: the answer is its quick 404, no PHP runs. */
export const FASTCGI_DEFAULT_PATH = '/why502-live-check.php';
const ABSENT_ROOT = '/nonexistent-why502';

const ignore = (): void => undefined;

function record(type: number, content: Buffer): Buffer {
  const padding = (8 - (content.length % 8)) % 8;
  const head = Buffer.alloc(8);
  head.writeUInt8(1, 0);
  head.writeUInt8(type, 1);
  head.writeUInt16BE(REQUEST_ID, 2);
  head.writeUInt16BE(content.length, 4);
  head.writeUInt8(padding, 6);
  return Buffer.concat([head, content, Buffer.alloc(padding)]);
}

function nvLength(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0, 0);
  return b;
}

/** FastCGI name-value pairs (§3.4). */
function encodeParams(params: readonly [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of params) {
    const name = Buffer.from(k, 'latin1');
    const value = Buffer.from(v, 'latin1');
    parts.push(nvLength(name.length), nvLength(value.length), name, value);
  }
  return Buffer.concat(parts);
}

/**
 * The bytes of one responder request with keep-conn off, as nginx's fastcgi_pass sends them: BEGIN_REQUEST,
 * PARAMS, an empty PARAMS, an empty STDIN.
 * @example fastcgiRequest([['SCRIPT_FILENAME', '/srv/index.php']]).readUInt8(1) // 1 (FCGI_BEGIN_REQUEST)
 */
export function fastcgiRequest(params: readonly [string, string][]): Buffer {
  const begin = Buffer.alloc(8);
  begin.writeUInt16BE(RESPONDER, 0);
  begin.writeUInt8(0, 2); // flags: FCGI_KEEP_CONN off
  const body = encodeParams(params);
  const chunks: Buffer[] = [record(T.BEGIN_REQUEST, begin)];
  for (let off = 0; off < body.length; off += 65535) chunks.push(record(T.PARAMS, body.subarray(off, off + 65535)));
  chunks.push(record(T.PARAMS, Buffer.alloc(0)), record(T.STDIN, Buffer.alloc(0)));
  return Buffer.concat(chunks);
}

/** The first bytes of a non-FastCGI answer, judged: nginx's words for them and the fact they make. */
function notFastcgi(first: Buffer, where: string): { kind: 'invalid-response' | 'unexpected-protocol'; detail: string; text: string } {
  const version = first[0] ?? 0;
  const shown = escapeBytes(first, 48);
  const http = Buffer.from('HTTP/');
  const n = Math.min(first.length, http.length);
  if (n > 0 && first.subarray(0, n).equals(http.subarray(0, n))) {
    return { kind: 'invalid-response', detail: 'fastcgi-got-http', text: `${where}: upstream sent unsupported FastCGI protocol version: ${version}: it answers HTTP ("${shown}"), not FastCGI` };
  }
  if ((version === 0x15 || version === 0x16) && (first[1] === undefined || first[1] === 0x03)) {
    return { kind: 'unexpected-protocol', detail: 'plain-to-tls', text: `${where}: upstream sent unsupported FastCGI protocol version: ${version}: a TLS record ("${shown}"): the port speaks TLS` };
  }
  return { kind: 'invalid-response', detail: `unsupported FastCGI protocol version: ${version}`, text: `${where}: upstream sent unsupported FastCGI protocol version: ${version} ("${shown}")` };
}

/** Reads FastCGI records as they arrive; says when the answer is complete or what is wrong. */
class RecordReader {
  state: 'reading' | 'done' | 'error' = 'reading';
  error: { kind: 'invalid-response' | 'unexpected-protocol'; detail: string; text: string } | null = null;
  records = 0;
  received = 0;
  firstBytes: Buffer = Buffer.alloc(0);
  stdout: Buffer[] = [];
  stdoutKept = 0;
  stdoutBytes = 0;
  stderr = '';
  appStatus: number | null = null;
  protocolStatus: FastcgiResponse['protocolStatus'] = null;
  readonly log: string[] = [];
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly where: string) {}

  feed(chunk: Buffer): void {
    if (this.received < 64) this.firstBytes = Buffer.concat([this.firstBytes, chunk.subarray(0, 64 - this.received)]);
    this.received += chunk.length;
    if (this.state !== 'reading') return;
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.state === 'reading') {
      if (buf.length === 0) break;
      // Judge the version byte at once (as nginx does), but wait for a second byte to tell TLS from garbage.
      if (buf[0] !== 1) {
        if (this.records === 0 && buf.length < 2) break;
        this.fail(this.records === 0 ? notFastcgi(buf, this.where) : { kind: 'invalid-response', detail: `unsupported FastCGI protocol version: ${buf[0] ?? 0}`, text: `${this.where}: upstream sent unsupported FastCGI protocol version: ${buf[0] ?? 0} after ${this.records} record(s)` });
        break;
      }
      if (buf.length < 8) break;
      const type = buf.readUInt8(1);
      const id = buf.readUInt16BE(2);
      const length = buf.readUInt16BE(4);
      const padding = buf.readUInt8(6);
      if (type !== T.STDOUT && type !== T.STDERR && type !== T.END_REQUEST) {
        this.fail({ kind: 'invalid-response', detail: `unexpected FastCGI record: ${type}`, text: `${this.where}: upstream sent unexpected FastCGI record: ${type} (${TYPE_NAMES[type] ?? 'unknown type'})` });
        break;
      }
      if (id !== REQUEST_ID) {
        this.fail({ kind: 'invalid-response', detail: 'unexpected FastCGI request id', text: `${this.where}: upstream sent unexpected FastCGI request id ${id} (asked ${REQUEST_ID})` });
        break;
      }
      if (buf.length < 8 + length + padding) break;
      const content = buf.subarray(8, 8 + length);
      buf = buf.subarray(8 + length + padding);
      this.records++;
      this.take(type, content);
    }
    this.pending = this.state === 'reading' ? Buffer.from(buf) : Buffer.alloc(0);
  }

  private take(type: number, content: Buffer): void {
    if (type === T.STDOUT) {
      this.stdoutBytes += content.length;
      const room = 16 * 1024 - this.stdoutKept;
      if (room > 0) {
        this.stdout.push(content.subarray(0, room));
        this.stdoutKept += Math.min(room, content.length);
      }
      this.log.push(`FCGI_STDOUT ${content.length} bytes`);
    } else if (type === T.STDERR) {
      const text = content.toString('utf8');
      if (this.stderr.length < 1024) this.stderr = (this.stderr + text).slice(0, 1024);
      this.log.push(`FCGI_STDERR ${JSON.stringify(text.slice(0, 200))}`);
    } else {
      if (content.length < 8) {
        this.fail({ kind: 'invalid-response', detail: 'invalid FastCGI end request', text: `${this.where}: FCGI_END_REQUEST with ${content.length} content bytes (8 expected)` });
        return;
      }
      this.appStatus = content.readUInt32BE(0);
      this.protocolStatus = PROTOCOL_STATUS[content.readUInt8(4)] ?? null;
      this.log.push(`FCGI_END_REQUEST appStatus ${this.appStatus}, ${this.protocolStatus ?? `protocolStatus ${content.readUInt8(4)}`}`);
      this.state = 'done';
    }
  }

  private fail(e: { kind: 'invalid-response' | 'unexpected-protocol'; detail: string; text: string }): void {
    this.state = 'error';
    this.error = e;
  }

  /** The CGI header of STDOUT: status, headers and its size, once its blank line came. */
  cgiHead(): { status: number | null; headers: [string, string][]; size?: number } {
    const out = Buffer.concat(this.stdout);
    const crlf = out.indexOf('\r\n\r\n');
    const lf = out.indexOf('\n\n');
    const end = crlf !== -1 && (lf === -1 || crlf < lf) ? { at: crlf, len: 4 } : lf !== -1 ? { at: lf, len: 2 } : null;
    if (!end) return { status: null, headers: [] };
    const headers: [string, string][] = [];
    for (const line of out.subarray(0, end.at).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
    }
    const statusHeader = headers.find(([k]) => k.toLowerCase() === 'status')?.[1];
    const status = statusHeader ? Number(/^(\d{3})/.exec(statusHeader)?.[1] ?? NaN) : 200;
    return { status: Number.isFinite(status) ? status : null, headers, size: end.at + end.len };
  }
}

type Ending = { how: 'read' } | { how: 'eof' } | { how: 'error'; code: string; onWrite: boolean } | { how: 'ended'; why: string } | { how: 'bounded' };

/**
 * Ask one FastCGI request and read the answer.
 * @example
 * const r = await probeFastcgi({ upstream: 'unix:/run/php/php8.2-fpm.sock' }, { socket }, ctx);
 * if (r.ok) r.value.status // 404 ("Primary script unknown"): it speaks FastCGI
 */
export async function probeFastcgi(target: FastcgiTarget, options: FastcgiOptions, ctx: ProbeContext): Promise<ProbeResult<FastcgiResponse, FastcgiPartial>> {
  const start = performance.now();
  const { socket } = options;
  const where = target.upstream;
  const t = new Transcript();
  const path = target.path ?? FASTCGI_DEFAULT_PATH;
  const params: [string, string][] = [
    ['SCRIPT_FILENAME', target.scriptFilename ?? `${ABSENT_ROOT}${path}`],
    ['SCRIPT_NAME', path],
    ['REQUEST_URI', path],
    ['DOCUMENT_URI', path],
    ['QUERY_STRING', ''],
    ['REQUEST_METHOD', 'GET'],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_SOFTWARE', 'why502'],
    ...(options.params ?? []),
  ];
  const request = fastcgiRequest(params);
  t.sent(`FCGI_BEGIN_REQUEST id ${REQUEST_ID}, role responder, keep-conn off`);
  t.sent(`FCGI_PARAMS ${params.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  t.sent('FCGI_PARAMS (end), FCGI_STDIN (end)');
  socket.on('error', ignore);
  const reader = new RecordReader(where);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const budget = startBudget(ctx);
  const sent = performance.now();
  let ttfb: number | undefined;
  const ending = await new Promise<Ending>((resolve) => {
    let settled = false;
    const done = (e: Ending): void => {
      if (settled) return;
      settled = true;
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      budget.signal.removeEventListener('abort', onAbort);
      resolve(e);
    };
    const onData = (d: Buffer): void => {
      if (reader.received === 0) ttfb = since(sent);
      reader.feed(d);
      if (reader.state !== 'reading') done({ how: 'read' });
      else if (reader.received >= maxBytes) done({ how: 'bounded' });
    };
    const onEnd = (): void => done({ how: 'eof' });
    const onError = (e: Error & { code?: string }): void => done({ how: 'error', code: e.code ?? 'EOTHER', onWrite: false });
    const onAbort = (): void => done({ how: 'ended', why: budget.ended() ?? 'deadline' });
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.on('error', onError);
    socket.resume();
    if (budget.signal.aborted) return onAbort();
    budget.signal.addEventListener('abort', onAbort, { once: true });
    socket.write(request, (err?: Error | null) => {
      if (err) done({ how: 'error', code: (err as { code?: string }).code ?? 'EPIPE', onWrite: reader.received === 0 });
    });
  });
  budget.dispose();
  socket.destroy();
  for (const l of reader.log) t.received(l);
  const timings: ProbeTimings = { ...(ttfb !== undefined ? { ttfb } : {}), total: since(start) };
  const base = { upstream: where, scheme: 'fastcgi' };
  const partial: FastcgiPartial = { records: reader.records, ...(reader.received > 0 ? { firstBytes: escapeBytes(reader.firstBytes) } : {}) };
  const fail = (fact: Fact): ProbeResult<FastcgiResponse, FastcgiPartial> => {
    t.note(fact.ref.text);
    return { ok: false, value: partial, facts: [fact], timings, transcript: t.lines };
  };

  if (reader.state === 'error' && reader.error) {
    if (reader.received > 0 && reader.records === 0) t.received(escapeBytes(reader.firstBytes));
    return fail(probeFact(reader.error.kind, 'http', reader.error.text, { ...base, stage: 'header', detail: reader.error.detail }));
  }
  // Not FastCGI, but only one byte came before the peer went: judge that byte alone.
  if (reader.state === 'reading' && reader.records === 0 && reader.received > 0 && reader.firstBytes[0] !== 1) {
    const e = notFastcgi(reader.firstBytes, where);
    t.received(escapeBytes(reader.firstBytes));
    return fail(probeFact(e.kind, 'http', e.text, { ...base, stage: 'header', detail: e.detail }));
  }
  const complete = reader.state === 'done' || (ending.how === 'bounded' && reader.records > 0);
  if (!complete) {
    const stage = reader.records > 0 ? 'body' : 'header';
    const got = reader.records > 0 ? `after ${reader.records} FastCGI record(s), before FCGI_END_REQUEST` : reader.received > 0 ? `after ${reader.received} bytes, not a whole record` : 'before any byte';
    if (ending.how === 'ended') {
      return fail(probeFact('timeout', 'http', ending.why === 'aborted' ? `${where}: aborted while waiting for the FastCGI answer (${got})` : `${where}: deadline passed waiting for the FastCGI answer: ${got}`, { ...base, stage, detail: ending.why }));
    }
    if (ending.how === 'error') {
      const at = ending.onWrite ? 'send' : stage;
      return fail(probeFact('upstream-reset', 'http', `${where}: ${ending.code} while ${at === 'send' ? 'sending the FastCGI request' : `reading the FastCGI answer (${got})`}`, { ...base, stage: at, errno: errnoFromNodeCode(ending.code), detail: ending.code }));
    }
    return fail(probeFact('upstream-closed', 'http', `${where}: closed the connection ${got}`, { ...base, stage, detail: reader.records > 0 ? 'closed before FCGI_END_REQUEST' : reader.received > 0 ? `closed after ${reader.received} bytes` : 'closed before any byte' }));
  }
  const head = reader.cgiHead();
  if (head.status !== null) t.received(`Status: ${head.status}${head.headers.length > 0 ? ` (${head.headers.map(([k, v]) => `${k}: ${v}`).join('; ')})` : ''}`);
  t.note(reader.state === 'done' ? `speaks FastCGI: ${reader.records} record(s) in ${timings.total} ms` : `speaks FastCGI: stopped reading at ${reader.received} bytes (maxBytes)`);
  const value: FastcgiResponse = {
    status: head.status,
    headers: head.headers,
    ...(head.size !== undefined ? { headerBytes: head.size } : {}),
    stdoutBytes: reader.stdoutBytes,
    stderr: reader.stderr,
    appStatus: reader.appStatus,
    protocolStatus: reader.protocolStatus,
    records: reader.records,
  };
  return { ok: true, value, facts: [], timings, transcript: t.lines };
}
