/** upstream-tls: HTTPS upstreams without SNI, or verified without a trusted CA. */
import { directives, effective } from '../nginx-lookup.js';
import { defineCheck, type ConfigFinding } from './types.js';
import { isHostName, passTarget, textOf } from './util.js';

export default defineCheck({
  meta: {
    id: 'upstream-tls',
    cause: 'upstream-tls-untrusted',
    title: 'An HTTPS upstream is reached without SNI, or verified without a trusted CA',
    directives: ['proxy_pass', 'proxy_ssl_server_name', 'proxy_ssl_name', 'proxy_ssl_verify', 'proxy_ssl_trusted_certificate'],
    why: '`proxy_ssl_server_name` is off by default, so nginx sends no SNI: servers that host several names (CDNs, shared hosting, most cloud services) answer with a default certificate or refuse the handshake. And `proxy_ssl_verify on` without `proxy_ssl_trusted_certificate` has no CA to verify against, so every handshake fails verification. Both are 502s.',
    reads: ['nginx'],
  },
  check({ nginx }) {
    if (!nginx) return [];
    const out: ConfigFinding[] = [];
    const upstreamNames = new Set(directives(nginx, 'upstream').map((u) => u.node.args[0] ?? ''));
    for (const { node } of directives(nginx, ['proxy_pass', 'grpc_pass'])) {
      const arg = node.args[0] ?? '';
      const t = passTarget(node.directive, arg);
      if (!t || !(t.scheme === 'https' || t.scheme === 'grpcs') || node.templated) continue;
      const prefix = node.directive === 'grpc_pass' ? 'grpc' : 'proxy';
      const sni = effective(node, `${prefix}_ssl_server_name`).at(-1)?.args[0] === 'on';
      if (!sni && isHostName(t.host) && !upstreamNames.has(t.host)) {
        out.push({
          file: node.file,
          line: node.line,
          text: textOf(node),
          message: `HTTPS to "${t.host}" without SNI (${prefix}_ssl_server_name is off by default): a server hosting several names may present the wrong certificate or refuse.`,
          before: textOf(node),
          after: `${textOf(node)}\n${prefix}_ssl_server_name on;`,
        });
      }
      const verify = effective(node, `${prefix}_ssl_verify`).at(-1);
      if (verify?.args[0] === 'on' && effective(node, `${prefix}_ssl_trusted_certificate`).length === 0) {
        out.push({
          file: verify.file,
          line: verify.line,
          text: textOf(verify),
          message: `${prefix}_ssl_verify is on with no ${prefix}_ssl_trusted_certificate: nginx has no CA to verify "${t.host}" against, so every handshake fails.`,
          before: textOf(verify),
          after: `${textOf(verify)}\n${prefix}_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;`,
        });
      }
    }
    return out;
  },
});
