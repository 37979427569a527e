/** upstream-tls-untrusted: the upstream certificate cannot be verified or is the wrong one. */
import { defineCause } from './types.js';
import { cdnCode, claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-tls-untrusted',
    title: 'The upstream\'s TLS certificate is not trusted or not for this name',
    seedCategory: 'Expired SSL Certificate',
    summary: 'The proxy verifies the upstream certificate and it fails: signed by an unknown CA, self-signed, missing an intermediate, or issued for another name (often because SNI was not sent).',
    explanation:
      'With verification on, the proxy checks that the upstream\'s certificate chains to a CA it trusts and names the host it connected to. Self-signed or private-CA certificates need that CA in `proxy_ssl_trusted_certificate`; a missing intermediate breaks the chain; a certificate for another name fails the name check. A frequent hidden cause is SNI: nginx does not send the server name to upstreams unless `proxy_ssl_server_name on;` is set, so a multi-tenant upstream (a CDN, a PaaS, a shared host) presents its default certificate. The proxy answers 502 (Cloudflare 526, CloudFront 502).',
    statuses: [502, 526],
    signals: [
      'nginx: upstream SSL certificate verify error: (20:unable to get local issuer certificate) / (18:self-signed certificate) / (19:self-signed certificate in certificate chain)',
      'nginx: upstream SSL certificate does not match "backend.example.com"',
      'Traefik: 500 with "tls: failed to verify certificate"; Envoy: CERTIFICATE_VERIFY_FAILED',
      'probe: certificate chain not trusted, or hostname mismatch',
    ],
    facts: ['tls-cert-untrusted', 'tls-name-mismatch', 'cdn-edge-error'],
    fixes: {
      owner: [
        'Inspect the chain and names: `openssl s_client -connect upstream:443 -servername upstream.example.com -showcerts </dev/null`.',
        'Send SNI and check the right name: `proxy_ssl_server_name on; proxy_ssl_name upstream.example.com;`.',
        'Trust a private CA explicitly: `proxy_ssl_trusted_certificate /etc/nginx/internal-ca.pem; proxy_ssl_verify on; proxy_ssl_verify_depth 2;`.',
        'Serve the full chain on the upstream (leaf + intermediates: `fullchain.pem`, not `cert.pem`).',
        'Cloudflare "Full (strict)": install a publicly trusted or Cloudflare Origin CA certificate on the origin.',
      ],
      visitor: ['The site\'s servers do not trust each other\'s certificates; this is a server configuration problem. Tell the site owner.'],
    },
    related: ['upstream-tls-expired', 'upstream-tls-handshake', 'protocol-mismatch'],
    lab: { faults: ['tls-untrusted', 'tls-wrong-host'] },
    messages: {
      untrusted: '{count} request(s) failed: the certificate of {upstream} is not trusted ({detail}).',
      mismatch: '{count} request(s) failed: the certificate of {upstream} is not valid for the name used ({detail}).',
      cdn526: 'The CDN could not validate the origin certificate (Cloudflare 526).',
    },
  },
  checks(t) {
    if (t.kind !== 'tcp') return [];
    return [`See the chain ${t.host}:${t.port} sends and why it fails: \`openssl s_client -connect ${t.host}:${t.port} -servername <name> -showcerts </dev/null\` (look at "Verify return code").`];
  },
  detect(i) {
    const nm = own(i, 'tls-name-mismatch')[0];
    if (nm) return claim(0.9, 'mismatch', [nm], nm.detail ?? 'name mismatch');
    const un = own(i, 'tls-cert-untrusted')[0];
    if (un) return claim(0.9, 'untrusted', [un], un.detail ?? 'untrusted');
    const cf = cdnCode(i, ['526']);
    if (cf) return claim(0.55, 'cdn526', [cf]);
    return null;
  },
});
