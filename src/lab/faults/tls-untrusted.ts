/** tls-untrusted: the upstream presents a self-signed certificate the proxy does not trust. */
import { verifiedTlsUpstream } from './tls-common.js';
import type { Fault } from './types.js';

export const tlsUntrusted: Fault = {
  name: 'tls-untrusted',
  title: 'the upstream presents a self-signed certificate, not one from the CA the proxy trusts',
  cause: 'upstream-tls-untrusted',
  start: (env) => verifiedTlsUpstream(env, 'selfsigned', { names: ['localhost', '127.0.0.1'], selfSigned: true }),
};
