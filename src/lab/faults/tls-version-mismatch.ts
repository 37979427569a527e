/** tls-version-mismatch: the upstream only speaks TLS 1.3, the proxy offers only TLS 1.2. */
import { verifiedTlsUpstream } from './tls-common.js';
import type { Fault } from './types.js';

export const tlsVersionMismatch: Fault = {
  name: 'tls-version-mismatch',
  title: 'the upstream accepts only TLS 1.3; the proxy offers only TLS 1.2',
  cause: 'upstream-tls-handshake',
  async start(env) {
    const u = await verifiedTlsUpstream(env, 'tls13only', { names: ['localhost', '127.0.0.1'] }, { minVersion: 'TLSv1.3' });
    return { ...u, target: { ...u.target, tlsVersion: 'TLSv1.2' } };
  },
};
