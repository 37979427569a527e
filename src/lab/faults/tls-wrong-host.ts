/** tls-wrong-host: the upstream certificate is valid but issued for another name. */
import { join } from 'node:path';
import { makeLeaf } from '../certs.js';
import { nginxVerifiedTls } from './tls-common.js';
import { okResponse, tlsServer } from './raw-server.js';
import type { Fault } from './types.js';

export const tlsWrongHost: Fault = {
  name: 'tls-wrong-host',
  title: 'the upstream certificate is for "other.example", the proxy expects "localhost"',
  cause: 'upstream-tls-untrusted',
  async start(env) {
    const ca = await env.ca();
    const leaf = await makeLeaf(join(env.dir, 'certs'), ca, 'otherhost', { names: ['other.example'] });
    const u = await tlsServer((s) => s.end(okResponse()), leaf);
    return { ...u, files: { ca: ca.cert } };
  },
  nginx: nginxVerifiedTls,
};
