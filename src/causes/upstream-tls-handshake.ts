/** upstream-tls-handshake: both sides speak TLS but cannot agree. */
import { defineCause } from './types.js';
import { cdnCode, claim, own } from './util.js';

const NOT_TLS = /wrong version number|unknown protocol|packet length too long|http request|WRONG_VERSION_NUMBER/i;

export default defineCause({
  meta: {
    id: 'upstream-tls-handshake',
    title: 'The TLS handshake with the upstream fails',
    seedCategory: 'Expired SSL Certificate',
    summary: 'The proxy and the upstream both speak TLS but cannot agree on a protocol version or cipher, or the upstream demands a client certificate the proxy does not send.',
    explanation:
      'A handshake fails before any certificate check when the two sides have no TLS version or cipher in common (an old upstream that only speaks TLS 1.0/1.1 against a modern OpenSSL, or the reverse), when the upstream requires SNI and gets none, or requires a client certificate (mTLS) that the proxy does not present (`proxy_ssl_certificate`). nginx logs "SSL_do_handshake() failed" with an alert such as "sslv3 alert handshake failure", "unsupported protocol" or "tlsv13 alert certificate required"; Cloudflare shows 525 "SSL handshake failed"; ALB counts a target TLS negotiation error.',
    statuses: [502, 525],
    signals: [
      'nginx: SSL_do_handshake() failed (SSL: error:0A000410:SSL routines::sslv3 alert handshake failure) while SSL handshaking to upstream',
      'nginx: SSL_do_handshake() failed (... unsupported protocol / no protocols available / tlsv13 alert certificate required)',
      'nginx: peer closed connection in SSL handshake while SSL handshaking to upstream',
      'Cloudflare 525 "SSL handshake failed"; curl: (35)',
      'probe: handshake alert, or only TLS 1.0/1.1 offered',
    ],
    facts: ['tls-handshake-failed', 'cdn-edge-error'],
    fixes: {
      owner: [
        'See what the upstream offers: `openssl s_client -connect upstream:443 -servername upstream -tls1_2 </dev/null` (and `-tls1_3`, `-tls1`).',
        'Align versions and ciphers: `proxy_ssl_protocols TLSv1.2 TLSv1.3;` on the proxy and a modern TLS configuration on the upstream; upgrade upstreams that only speak TLS 1.0/1.1.',
        'Send SNI: `proxy_ssl_server_name on;`.',
        'If the upstream requires a client certificate: `proxy_ssl_certificate /etc/nginx/client.crt; proxy_ssl_certificate_key /etc/nginx/client.key;`.',
        'Cloudflare 525: the origin must accept TLS with SNI on 443 with a cipher Cloudflare supports.',
      ],
      visitor: ['The site\'s servers cannot set up a secure connection between themselves; only the owner can fix it. Send them this report.'],
    },
    related: ['protocol-mismatch', 'upstream-tls-untrusted', 'upstream-tls-expired'],
    lab: { faults: ['tls-version-mismatch'] },
    messages: {
      handshake: '{count} request(s) failed: TLS handshake with {upstream} failed ({detail}).',
      cdn525: 'The CDN could not complete a TLS handshake with the origin (Cloudflare 525).',
    },
  },
  checks(t) {
    if (t.kind !== 'tcp') return [];
    return [`Try the handshake by hand: \`openssl s_client -connect ${t.host}:${t.port} -servername <name> </dev/null\`, then with \`-tls1_2\` / \`-tls1_3\` to find what the two sides share.`];
  },
  detect(i) {
    const f = own(i, 'tls-handshake-failed')[0];
    if (f) return claim(f.detail !== undefined && NOT_TLS.test(f.detail) ? 0.4 : 0.82, 'handshake', [f], f.detail ?? 'handshake failed');
    const cf = cdnCode(i, ['525']);
    if (cf) return claim(0.8, 'cdn525', [cf]);
    return null;
  },
});
