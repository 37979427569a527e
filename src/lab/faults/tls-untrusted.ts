/** tls-untrusted: the upstream presents a self-signed certificate the proxy does not trust. */
import { join } from 'node:path';
import { makeLeaf } from '../certs.js';
import { nginxVerifiedTls } from './tls-common.js';
import { okResponse, tlsServer } from './raw-server.js';
import type { Fault } from './types.js';

export const tlsUntrusted: Fault = {
  name: 'tls-untrusted',
  title: 'the upstream presents a self-signed certificate, not one from the CA the proxy trusts',
  cause: 'upstream-tls-untrusted',
  async start(env) {
    const ca = await env.ca();
    const leaf = await makeLeaf(join(env.dir, 'certs'), ca, 'selfsigned', { names: ['localhost', '127.0.0.1'], selfSigned: true });
    const u = await tlsServer((s) => s.end(okResponse()), leaf);
    return { ...u, files: { ca: ca.cert } };
  },
  nginx: nginxVerifiedTls,
};
