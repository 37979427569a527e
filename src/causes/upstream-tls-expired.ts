/** upstream-tls-expired: the upstream certificate is outside its validity window. */
import { defineCause } from './types.js';
import { cdnCode, claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-tls-expired',
    title: 'The upstream\'s TLS certificate has expired (or is not yet valid)',
    seedCategory: 'Expired SSL Certificate',
    summary: 'The proxy connects to the upstream over HTTPS and verifies its certificate; the certificate\'s validity period has ended (or not begun), so the proxy refuses the connection.',
    explanation:
      'Between servers, HTTPS certificates expire just like public ones, but nobody sees the warning in a browser: an internal certificate issued for a year, a Let\'s Encrypt renewal that stopped on the origin, a clock that is wrong on one side. With verification on (nginx `proxy_ssl_verify on`, HAProxy `verify required`, Cloudflare "Full (strict)", CloudFront), the handshake is rejected and the proxy answers 502 (Cloudflare 526).',
    statuses: [502, 526],
    signals: [
      'nginx: upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to upstream',
      'nginx: upstream SSL certificate verify error: (9:certificate is not yet valid)',
      'Cloudflare 526 "Invalid SSL certificate"; curl: (60) SSL certificate problem: certificate has expired',
      'probe: certificate notAfter in the past (days to expiry < 0)',
    ],
    facts: ['tls-cert-expired', 'cdn-edge-error'],
    fixes: {
      owner: [
        'See the dates: `openssl s_client -connect upstream:443 -servername upstream </dev/null 2>/dev/null | openssl x509 -noout -dates`.',
        'Renew and install the certificate on the upstream (`certbot renew`, then reload the upstream server), and fix the renewal job (`systemctl list-timers | grep certbot`).',
        'If "not yet valid", fix the clock: `timedatectl` and NTP (`systemctl enable --now systemd-timesyncd`).',
        'Monitor expiry of internal certificates too (e.g. `why502 https://upstream:443/` in a cron job; it reports days to expiry).',
      ],
      visitor: ['A certificate between the site\'s own servers has expired; nothing you can do on your side. Tell the site owner.'],
    },
    related: ['upstream-tls-untrusted', 'upstream-tls-handshake'],
    lab: { faults: ['tls-expired'] },
    messages: {
      expired: '{count} request(s) failed: the certificate of {upstream} is expired or not yet valid ({detail}).',
      cdn526: 'The CDN rejected the origin certificate (Cloudflare 526).',
    },
  },
  checks(t) {
    if (t.kind !== 'tcp') return [];
    return [`Read the dates of the certificate ${t.host}:${t.port} serves: \`openssl s_client -connect ${t.host}:${t.port} -servername <name> </dev/null 2>/dev/null | openssl x509 -noout -dates -subject\`.`];
  },
  detect(i) {
    const f = own(i, 'tls-cert-expired')[0];
    if (f) return claim(0.95, 'expired', [f], f.detail ?? 'expired');
    const cf = cdnCode(i, ['526']);
    if (cf) return claim(0.4, 'cdn526', [cf]);
    return null;
  },
});
