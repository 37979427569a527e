/** nginx settings shared by the TLS faults: verify the upstream against the lab CA, send SNI "localhost". */
import type { NginxPiece, Upstream } from './types.js';

export function nginxVerifiedTls(u: Upstream): NginxPiece {
  return {
    location: [
      `proxy_pass https://${u.address};`,
      'proxy_ssl_verify on;',
      `proxy_ssl_trusted_certificate ${u.files?.ca ?? ''};`,
      'proxy_ssl_server_name on;',
      'proxy_ssl_name localhost;',
    ].join('\n    '),
  };
}
