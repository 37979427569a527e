/** plain-to-tls: the proxy speaks plain HTTP (http://) to an upstream port that speaks TLS. */
import { join } from 'node:path';
import { makeLeaf } from '../certs.js';
import { freeTlsLikePort } from '../ports.js';
import { okResponse, tlsServer } from './raw-server.js';
import type { Fault } from './types.js';

export const plainToTls: Fault = {
  name: 'plain-to-tls',
  title: 'the proxy speaks plain HTTP (http://) to a TLS port (8443-style), which drops plain HTTP',
  cause: 'protocol-mismatch',
  expectFor: {
    haproxy: { cause: 'upstream-closed-early', why: 'HAProxy logs SH (the server closed before answering) and names the server, not its port, so a TLS port cannot be seen' },
    caddy: { cause: 'upstream-closed-early', why: 'Caddy logs "EOF" without the upstream address, so a TLS port cannot be seen' },
  },
  async start(env) {
    const ca = await env.ca();
    const leaf = await makeLeaf(join(env.dir, 'certs'), ca, 'plain-to-tls', { names: ['localhost', '127.0.0.1'] });
    // Node's TLS (OpenSSL) drops a connection whose first bytes are a plain HTTP request, like most TLS servers.
    const raw = await tlsServer((s) => s.end(okResponse()), leaf, {}, await freeTlsLikePort());
    return { target: { scheme: 'http', servers: [raw.address] }, stop: raw.stop };
  },
};
