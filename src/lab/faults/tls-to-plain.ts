/** tls-to-plain: the proxy speaks TLS (https://) to an upstream port that speaks plain HTTP. */
import { rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const tlsToPlain: Fault = {
  name: 'tls-to-plain',
  title: 'proxy_pass https:// points at a plain-HTTP port',
  cause: 'protocol-mismatch',
  // A plain HTTP server answers whatever arrives (a TLS ClientHello) with an HTTP error, like real servers do.
  start: () => rawServer((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'), { waitHeaders: false }),
  nginx: (u) => ({ location: `proxy_pass https://${u.address};` }),
};
