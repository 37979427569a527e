/** Raw TCP/unix servers for faults: they write exact bytes and close every socket when stopped. */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { Upstream } from './types.js';

/** A listening server and how to stop it. */
export interface RawServer {
  /** "127.0.0.1:port" or "unix:/path". */
  address: string;
  stop: () => Promise<void>;
}

export type OnRequest = (socket: Socket, firstChunk: Buffer) => void;

/** Read until the end of the request header (or the first chunk for non-HTTP clients), then call `onRequest`. */
function attach(server: Server, onRequest: OnRequest, waitHeaders: boolean, event: 'connection' | 'secureConnection'): Set<Socket> {
  const sockets = new Set<Socket>();
  // Track raw sockets too, so stop() can close connections still in the TLS handshake.
  if (event === 'secureConnection') server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on(event, (s: Socket) => handle(s));
  function handle(s: Socket): void {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (waitHeaders && buf.indexOf('\r\n\r\n') === -1 && buf.length < 65536) return;
      s.off('data', onData);
      onRequest(s, buf);
    };
    s.on('data', onData);
  }
  return sockets;
}

function listenOnce(server: Server, target: { port: number } | { path: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      const a = server.address();
      resolve(typeof a === 'string' ? `unix:${a}` : `127.0.0.1:${a?.port ?? 0}`);
    };
    if ('path' in target) server.listen(target.path, done);
    else server.listen(target.port, '127.0.0.1', done);
  });
}

/**
 * Listen on the target. An ephemeral port ending in 443 is given back and another taken: why502 reads plain
 * HTTP failures on such ports as HTTP sent to a TLS port, and a plain fault must not look like one by chance.
 */
async function listen(server: Server, target: { port: number } | { path: string }): Promise<string> {
  for (let i = 0; ; i++) {
    const address = await listenOnce(server, target);
    if ('path' in target || target.port !== 0 || !address.endsWith('443') || i > 5) return address;
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function stopper(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/**
 * A plain TCP (or unix socket) server that hands each request to `onRequest`.
 * @example await rawServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
 */
export async function rawServer(onRequest: OnRequest, opts: { path?: string; waitHeaders?: boolean; port?: number } = {}): Promise<RawServer> {
  const server = createServer();
  const sockets = attach(server, onRequest, opts.waitHeaders ?? true, 'connection');
  const address = await listen(server, opts.path ? { path: opts.path } : { port: opts.port ?? 0 });
  return { address, stop: stopper(server, sockets) };
}

/** A TLS server with the given certificate that hands each decrypted request to `onRequest`. */
export async function tlsServer(onRequest: OnRequest, cert: { cert: string; key: string }, extra: TlsOptions = {}, port = 0): Promise<RawServer> {
  const server = createTlsServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key), ...extra });
  server.on('tlsClientError', () => undefined);
  const sockets = attach(server, onRequest, true, 'secureConnection');
  const address = await listen(server, { port });
  return { address, stop: stopper(server, sockets) };
}

/** A complete, valid HTTP/1.1 response. */
export function okResponse(body = 'ok\n', extraHeaders = ''): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
}

/** The upstream of a plain HTTP server: the proxy speaks HTTP to it. */
export function httpTarget(raw: RawServer): Upstream {
  return { target: { scheme: 'http', servers: [raw.address] }, stop: raw.stop };
}
