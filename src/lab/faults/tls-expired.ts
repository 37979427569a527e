/** tls-expired: the upstream speaks TLS with a certificate that expired; the proxy verifies it. */
import { verifiedTlsUpstream } from './tls-common.js';
import type { Fault } from './types.js';

export const tlsExpired: Fault = {
  name: 'tls-expired',
  title: 'the upstream certificate expired last month (the proxy verifies upstream certificates)',
  cause: 'upstream-tls-expired',
  expectFor: {
    haproxy: { cause: 'upstream-tls-untrusted', why: 'HAProxy logs "certificate verify failed" (%[ssl_bc_err_str]) without saying which check failed; the probe tells an expired certificate apart' },
  },
  start: (env) =>
    verifiedTlsUpstream(env, 'expired', {
      names: ['localhost', '127.0.0.1'],
      notBefore: new Date(Date.now() - 400 * 86_400_000),
      notAfter: new Date(Date.now() - 35 * 86_400_000),
    }),
};
