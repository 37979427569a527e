/** tls-to-plain: the proxy speaks TLS (https://) to an upstream port that speaks plain HTTP. */
import { rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const tlsToPlain: Fault = {
  name: 'tls-to-plain',
  title: 'the proxy speaks TLS (https://) to a port that speaks plain HTTP',
  cause: 'protocol-mismatch',
  async start() {
    // A plain HTTP server answers whatever arrives (here a TLS ClientHello) with an HTTP error, as real servers do.
    const raw = await rawServer((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'), { waitHeaders: false });
    return { target: { scheme: 'https', servers: [raw.address] }, stop: raw.stop };
  },
};
