/** tls-expired: the upstream speaks TLS with a certificate that expired; the proxy verifies it. */
import { join } from 'node:path';
import { makeLeaf } from '../certs.js';
import { nginxVerifiedTls } from './tls-common.js';
import { okResponse, tlsServer } from './raw-server.js';
import type { Fault } from './types.js';

export const tlsExpired: Fault = {
  name: 'tls-expired',
  title: 'the upstream certificate expired last year (the proxy verifies upstream certificates)',
  cause: 'upstream-tls-expired',
  async start(env) {
    const ca = await env.ca();
    const now = Date.now();
    const leaf = await makeLeaf(join(env.dir, 'certs'), ca, 'expired', {
      names: ['localhost', '127.0.0.1'],
      notBefore: new Date(now - 400 * 86_400_000),
      notAfter: new Date(now - 35 * 86_400_000),
    });
    const u = await tlsServer((s) => s.end(okResponse()), leaf);
    return { ...u, files: { ca: ca.cert } };
  },
  nginx: nginxVerifiedTls,
};
