/** tls-version-mismatch: the upstream only speaks TLS 1.3, the proxy is limited to TLS 1.2. */
import { join } from 'node:path';
import { makeLeaf } from '../certs.js';
import { okResponse, tlsServer } from './raw-server.js';
import type { Fault } from './types.js';

export const tlsVersionMismatch: Fault = {
  name: 'tls-version-mismatch',
  title: 'the upstream accepts only TLS 1.3; the proxy offers only TLS 1.2 (proxy_ssl_protocols TLSv1.2)',
  cause: 'upstream-tls-handshake',
  async start(env) {
    const ca = await env.ca();
    const leaf = await makeLeaf(join(env.dir, 'certs'), ca, 'tls13only', { names: ['localhost', '127.0.0.1'] });
    return tlsServer((s) => s.end(okResponse()), leaf, { minVersion: 'TLSv1.3' });
  },
  nginx: (u) => ({ location: `proxy_pass https://${u.address};\n    proxy_ssl_protocols TLSv1.2;` }),
};
