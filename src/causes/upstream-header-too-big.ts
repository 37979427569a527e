/** upstream-header-too-big: response headers larger than the proxy's buffer. */
import { defineCause } from './types.js';
import { claim, own, targetUrl } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-header-too-big',
    title: 'The upstream response headers are larger than the proxy\'s buffer',
    seedCategory: 'Incorrect Proxy Settings',
    summary: 'The application sent response headers (often large cookies, long CSP headers or auth tokens) bigger than the buffer the proxy reserves for them, so the proxy gives up with a 502.',
    explanation:
      'nginx reads the whole upstream response header into one buffer of `proxy_buffer_size` (`fastcgi_buffer_size`, `uwsgi_buffer_size`, `grpc_buffer_size`), one memory page (4k or 8k) by default. A header block larger than that — many or large Set-Cookie headers (sessions, JWTs, OAuth/OIDC login flows), long Content-Security-Policy or Link headers, debugging headers — fails with "upstream sent too big header" and a 502. ingress-nginx shows the same during logins (`proxy-buffer-size`). Cloudflare has a 128 KB header limit and answers 520.',
    statuses: [502, 520],
    signals: [
      'nginx: upstream sent too big header while reading response header from upstream',
      'ingress-nginx: the same line, typically on /login or OAuth callback URLs',
      'probe: response header block larger than common proxy buffers (4k/8k)',
    ],
    facts: ['header-too-big'],
    fixes: {
      owner: [
        'Raise the header buffer in the location that proxies: `proxy_buffer_size 16k; proxy_buffers 8 16k; proxy_busy_buffers_size 32k;` (FastCGI: `fastcgi_buffer_size 16k; fastcgi_buffers 16 16k;`), then `nginx -t && systemctl reload nginx`.',
        'ingress-nginx: annotation `nginx.ingress.kubernetes.io/proxy-buffer-size: "16k"` or the ConfigMap key `proxy-buffer-size`.',
        'Measure the real header size: `curl -s -D - -o /dev/null http://127.0.0.1:8080/login | wc -c`, and shrink what the app sends (fewer or smaller cookies, store session data server-side).',
      ],
      visitor: [
        'Clearing this site\'s cookies can help when the problem is cookies that grew too large (it logs you out of the site).',
        'Otherwise this is a server setting the site owner must change; send them this report.',
      ],
    },
    related: ['upstream-invalid-response', 'upstream-request-too-big'],
    lab: { faults: ['huge-headers'] },
    messages: {
      tooBig: '{count} request(s) failed: the response header from {upstream} did not fit the proxy buffer (proxy_buffer_size / fastcgi_buffer_size).',
    },
  },
  checks(t) {
    if (t.kind !== 'tcp') return [];
    return [`Measure the header the upstream sends: \`curl -s -D - -o /dev/null ${targetUrl(t)} | wc -c\` (use the failing path and its cookies).`];
  },
  detect(i) {
    const f = own(i, 'header-too-big')[0];
    return f ? claim(0.95, 'tooBig', [f]) : null;
  },
});
