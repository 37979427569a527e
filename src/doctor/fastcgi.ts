/**
 * A minimal FastCGI client for one GET request: enough to read PHP-FPM's status page (pm.status_path) from
 * the pool's own socket, the way nginx's fastcgi_pass would, without going through the site.
 */
import { connect, type Socket } from 'node:net';

const VERSION = 1;
const BEGIN_REQUEST = 1;
const END_REQUEST = 3;
const PARAMS = 4;
const STDIN = 5;
const STDOUT = 6;
const STDERR = 7;
const RESPONDER = 1;

function record(type: number, content: Buffer, requestId = 1): Buffer {
  const pad = (8 - (content.length % 8)) % 8;
  const h = Buffer.alloc(8);
  h.writeUInt8(VERSION, 0);
  h.writeUInt8(type, 1);
  h.writeUInt16BE(requestId, 2);
  h.writeUInt16BE(content.length, 4);
  h.writeUInt8(pad, 6);
  return Buffer.concat([h, content, Buffer.alloc(pad)]);
}

function lengthBytes(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0);
  return b;
}

function params(p: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(p)) {
    const kb = Buffer.from(k);
    const vb = Buffer.from(v);
    parts.push(lengthBytes(kb.length), lengthBytes(vb.length), kb, vb);
  }
  return Buffer.concat(parts);
}

/** What the FastCGI server answered. */
export interface FastcgiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  stderr: string;
}

/** Where to connect: a unix socket path, or host and port. */
export type FastcgiAddress = { path: string } | { host: string; port: number };

/**
 * GET one script name from a FastCGI server (PHP-FPM), with a deadline.
 * @example await fastcgiGet({ path: '/run/php/php8.2-fpm.sock' }, '/status', 'json', 3000)
 */
export function fastcgiGet(address: FastcgiAddress, scriptName: string, query: string, timeoutMs: number): Promise<FastcgiResponse> {
  return new Promise((resolve, reject) => {
    let socket: Socket;
    try {
      socket = 'path' in address ? connect({ path: address.path }) : connect({ host: address.host, port: address.port });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (err: Error | null, res?: FastcgiResponse): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else if (res) resolve(res);
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (e) => finish(e));
    socket.on('connect', () => {
      const begin = Buffer.alloc(8);
      begin.writeUInt16BE(RESPONDER, 0);
      const p = params({
        GATEWAY_INTERFACE: 'CGI/1.1',
        REQUEST_METHOD: 'GET',
        SCRIPT_NAME: scriptName,
        SCRIPT_FILENAME: scriptName,
        REQUEST_URI: query ? `${scriptName}?${query}` : scriptName,
        QUERY_STRING: query,
        DOCUMENT_ROOT: '/',
        SERVER_PROTOCOL: 'HTTP/1.1',
        SERVER_NAME: 'localhost',
        REMOTE_ADDR: '127.0.0.1',
        SERVER_SOFTWARE: 'why502-doctor',
      });
      socket.write(Buffer.concat([record(BEGIN_REQUEST, begin), record(PARAMS, p), record(PARAMS, Buffer.alloc(0)), record(STDIN, Buffer.alloc(0))]));
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      const parsed = parse(Buffer.concat(chunks));
      if (parsed) finish(null, parsed);
    });
    socket.on('end', () => {
      const parsed = parse(Buffer.concat(chunks), true);
      if (parsed) finish(null, parsed);
      else finish(new Error('the connection closed before a complete FastCGI response'));
    });
  });
}

/** The response once END_REQUEST is in (or, at the end of the stream, whatever came). */
function parse(buf: Buffer, atEnd = false): FastcgiResponse | null {
  let out = '';
  let err = '';
  let ended = false;
  for (let i = 0; i + 8 <= buf.length; ) {
    const type = buf.readUInt8(i + 1);
    const len = buf.readUInt16BE(i + 4);
    const pad = buf.readUInt8(i + 6);
    if (i + 8 + len + pad > buf.length) break;
    const content = buf.subarray(i + 8, i + 8 + len);
    if (type === STDOUT) out += content.toString('utf8');
    else if (type === STDERR) err += content.toString('utf8');
    else if (type === END_REQUEST) ended = true;
    i += 8 + len + pad;
  }
  if (!ended && !atEnd) return null;
  if (!ended && out === '') return null;
  const sep = out.indexOf('\r\n\r\n');
  const head = sep >= 0 ? out.slice(0, sep) : '';
  const body = sep >= 0 ? out.slice(sep + 4) : out;
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  const status = Number(/^(\d{3})/.exec(headers.status ?? '')?.[1] ?? '200');
  return { status, headers, body, stderr: err };
}
