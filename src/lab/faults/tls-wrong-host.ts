/** tls-wrong-host: the upstream certificate is valid but issued for another name. */
import { verifiedTlsUpstream } from './tls-common.js';
import type { Fault } from './types.js';

export const tlsWrongHost: Fault = {
  name: 'tls-wrong-host',
  title: 'the upstream certificate is for "other.example"; the proxy expects "localhost"',
  cause: 'upstream-tls-untrusted',
  start: (env) => verifiedTlsUpstream(env, 'otherhost', { names: ['other.example'] }),
};
