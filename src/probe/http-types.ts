/** The HTTP prober's target, options and answer, shared by its HTTP/1.1 and HTTP/2 halves. */
import type { Socket } from 'node:net';

export interface HttpTarget {
  /** Host name (or IP) of the site, for the Host header / :authority. */
  host: string;
  port: number;
  /** Request target: path and query ("/", "/login?next=/"). */
  path: string;
  /** true for https (the socket is a TLS socket). */
  secure: boolean;
}

export interface HttpOptions {
  /** The connected socket (plain from probeTcp, TLS from probeTls). Kept open only when the answer allows reuse and `keepAlive` is set. */
  socket: Socket;
  /** Default GET. */
  method?: string;
  /** Extra request headers in order (--header, --cookie); one with the name of a default replaces it. */
  headers?: [string, string][];
  body?: string | Buffer;
  /** Body bytes kept and read; reading stops there (default 256 KiB). */
  maxBody?: number;
  /** Largest response header accepted (default 64 KiB). */
  maxHeader?: number;
  /** Ask to keep the connection open for another request (default false: "Connection: close"). */
  keepAlive?: boolean;
}

export interface HttpResponse {
  /** "1.1", "1.0" or "2". */
  httpVersion: string;
  status: number;
  /** The reason phrase as sent ("" for HTTP/2, which has none). */
  reason: string;
  /** Response headers in order, names and values as sent. */
  headers: [string, string][];
  /** The body as received (chunked framing removed, content encodings kept), at most maxBody bytes. */
  body: Buffer;
  /** Body bytes received in all (more than body.length when truncated). */
  bodyBytes: number;
  /** Reading stopped at maxBody before the body ended. */
  truncated: boolean;
  /** 1xx interim statuses received before the final one. */
  interim: number[];
  /** This request went on a connection that had carried an earlier one (keep-alive reuse). */
  reused: boolean;
  /** The connection was left open for another request (else the prober closed it). */
  reusable: boolean;
}

/** What is known when the exchange failed: always whether the connection was reused, and the head when it came. */
export interface HttpPartial {
  reused: boolean;
  httpVersion?: string;
  status?: number;
  reason?: string;
  headers?: [string, string][];
  bodyBytes: number;
  /** The first bytes received, escaped, when some came. */
  firstBytes?: string;
}

export const DEFAULT_MAX_BODY = 256 * 1024;
export const DEFAULT_MAX_HEADER = 64 * 1024;
