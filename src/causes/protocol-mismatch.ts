/** protocol-mismatch: the two sides speak different protocols. */
import { defineCause } from './types.js';
import { claim, own, targetUrl } from './util.js';

// Ports people run TLS on; plain HTTP sent to them is a classic mismatch (proxy_pass http://app:8443).
const TLS_PORT = /:(?:\d*443|636|993|995|2083|2087|2096|5986|6443)$/;

const WRONG_VERSION = /wrong version number|unknown protocol|packet length too long|http request|record layer failure|record_layer_failure|WRONG_VERSION_NUMBER|first record does not look like a TLS handshake/i;

export default defineCause({
  meta: {
    id: 'protocol-mismatch',
    title: 'The proxy and the upstream speak different protocols',
    seedCategory: 'Incorrect Proxy Settings',
    summary: 'The proxy talks to the upstream in a protocol it does not speak on that port: TLS to a plain-HTTP port, plain HTTP to a TLS port, HTTP to a FastCGI or uwsgi server (or the reverse), HTTP/1 to an h2c-only server.',
    explanation:
      'Each upstream port speaks one protocol. `proxy_pass https://app:8080` to a plain-HTTP app makes the TLS handshake fail ("SSL_do_handshake() failed ... wrong version number"); `proxy_pass http://app:443` sends plain HTTP to a TLS server, which answers with a TLS alert or a 400 that nginx reads as an HTTP/0.9 response ("upstream sent no valid HTTP/1.0 header") and passes garbage through; `fastcgi_pass` to an HTTP port gives "upstream sent unsupported FastCGI protocol version: 72" (the "H" of "HTTP/1.1"); `proxy_pass` to PHP-FPM gets nothing useful back. Load balancers: an ALB target group with the wrong protocol version gives 464/502. Cloudflare with SSL mode Full against an origin without HTTPS shows 525/521.',
    statuses: [502, 464, 525],
    signals: [
      'nginx: SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking to upstream',
      'nginx: upstream sent unsupported FastCGI protocol version: 72 while reading response header from upstream',
      'nginx: upstream sent no valid HTTP/1.0 header (response passed through as HTTP/0.9)',
      'nginx: upstream prematurely sent response (plain data before TLS)',
      'probe: HTTP answer on a TLS port, or TLS alert bytes on a plain port',
    ],
    facts: ['unexpected-protocol', 'tls-handshake-failed', 'invalid-response', 'upstream-closed', 'upstream-reset'],
    explains: ['upstream-closed-early'],
    fixes: {
      owner: [
        'Make the scheme match the upstream port: `proxy_pass http://127.0.0.1:8080;` for a plain-HTTP app, `proxy_pass https://…:443;` only when the upstream speaks TLS (then also `proxy_ssl_server_name on;`).',
        'PHP-FPM and other FastCGI servers need `fastcgi_pass` (with `include fastcgi_params;`), uWSGI needs `uwsgi_pass`, gRPC needs `grpc_pass` — not `proxy_pass`, and never `fastcgi_pass` to an HTTP port.',
        'Check what the port speaks: `curl -v http://127.0.0.1:8080/` vs `openssl s_client -connect 127.0.0.1:8443 </dev/null`.',
        'Cloudflare: with SSL mode "Full" the origin must serve HTTPS on 443; use "Flexible" only when it cannot (and prefer installing an Origin CA certificate).',
      ],
      visitor: ['This is a configuration error on the site\'s servers; it will fail the same way every time until the owner fixes it. Send them this report.'],
    },
    related: ['upstream-tls-handshake', 'upstream-invalid-response', 'upstream-refused'],
    lab: { faults: ['tls-to-plain', 'plain-to-tls', 'http-to-fastcgi'] },
    messages: {
      tlsToPlain: '{count} request(s) failed: the proxy speaks TLS to {upstream}, which speaks plain HTTP ({detail}).',
      plainToTls: '{count} request(s) failed: {upstream} did not answer HTTP; plain HTTP sent to a TLS port looks like this.',
      plainToTlsPort: '{count} request(s) failed: the proxy speaks plain HTTP (http://) to {upstream}, a TLS port, which drops the connection.',
      httpToFastcgi: '{count} request(s) failed: fastcgi_pass points at {upstream}, which answers HTTP, not FastCGI.',
      other: '{count} request(s) failed: the proxy and {upstream} speak different protocols ({detail}).',
    },
  },
  checks(t) {
    if (t.kind !== 'tcp') return [];
    return [`Ask ${t.host}:${t.port} what it speaks: \`curl -sv ${targetUrl(t)} -o /dev/null\` (plain HTTP) and \`openssl s_client -connect ${t.host}:${t.port} </dev/null\` (TLS): the one that works is the scheme for the proxy.`];
  },
  detect(i) {
    const pm = own(i, 'unexpected-protocol')[0];
    if (pm) {
      if (pm.detail === 'plain-before-tls' || pm.detail === 'plain-to-tls') return claim(0.85, 'plainToTls', [pm]);
      if (pm.detail === 'tls-to-plain') return claim(0.9, 'tlsToPlain', [pm], pm.detail);
      return claim(0.85, 'other', [pm], pm.detail ?? 'mismatch');
    }
    const hs = own(i, 'tls-handshake-failed').find((f) => f.detail !== undefined && WRONG_VERSION.test(f.detail));
    if (hs) return claim(0.88, 'tlsToPlain', [hs], hs.detail);
    const inv = own(i, 'invalid-response').find((f) => f.detail === 'fastcgi-got-http' || f.detail?.startsWith('http09'));
    if (inv?.detail === 'fastcgi-got-http') return claim(0.9, 'httpToFastcgi', [inv]);
    // Plain HTTP to a TLS port: OpenSSL-based servers close or reset at once; some answer bytes nginx reads as HTTP/0.9.
    const early = i.facts.find((f) => (f.kind === 'upstream-closed' || f.kind === 'upstream-reset' || f === inv) && f.stage !== 'body');
    if (early && early.scheme === 'http' && early.upstream && TLS_PORT.test(early.upstream)) return claim(0.85, 'plainToTlsPort', [early]);
    if (inv) return claim(0.5, 'plainToTls', [inv]);
    return null;
  },
});
