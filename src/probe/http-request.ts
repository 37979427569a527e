/** Builds the probe's request headers (HTTP/1.1 and HTTP/2 alike) from the target and the caller's headers. */
import { TOOL } from '../version.js';
import type { HttpOptions, HttpTarget } from './http-types.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The authority: host, with the port when it is not the scheme's default; IPv6 literals in brackets.
 * @example authority({ host: 'example.com', port: 8443, path: '/', secure: true }) // 'example.com:8443'
 */
export function authority(t: HttpTarget): string {
  const host = t.host.includes(':') && !t.host.startsWith('[') ? `[${t.host}]` : t.host;
  return t.port === (t.secure ? 443 : 80) ? host : `${host}:${t.port}`;
}

/**
 * The request's headers in order: Host, User-Agent, Accept, then the caller's (which replace defaults of the same
 * name). A header name that is not a token or a value with CR, LF or NUL is a programmer error: the CLI validates
 * --header before it gets here.
 * @example requestHeaders(target, { socket, headers: [['Cookie', 'a=1']] })
 */
export function requestHeaders(t: HttpTarget, o: Omit<HttpOptions, 'socket'>): [string, string][] {
  const extra = o.headers ?? [];
  for (const [k, v] of extra) {
    if (!TOKEN.test(k) || /[\r\n\0]/.test(v)) throw new TypeError(`invalid request header ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  }
  const given = new Set(extra.map(([k]) => k.toLowerCase()));
  const defaults: [string, string][] = [
    ['Host', authority(t)],
    ['User-Agent', `${TOOL.name}/${TOOL.version}`],
    ['Accept', '*/*'],
  ];
  const out = defaults.filter(([k]) => !given.has(k.toLowerCase()));
  out.push(...extra);
  if (o.body !== undefined && !given.has('content-length')) out.push(['Content-Length', String(Buffer.byteLength(o.body))]);
  return out;
}
