/** upstream-invalid-response: the upstream answered with something that is not valid HTTP. */
import { defineCause } from './types.js';
import { claim, own, targetUrl } from './util.js';

const MISMATCH_DETAILS = new Set(['fastcgi-got-http']);

export default defineCause({
  meta: {
    id: 'upstream-invalid-response',
    title: 'The upstream sent an invalid response',
    seedCategory: 'Software Bugs or Errors',
    summary: 'The application answered, but not with valid HTTP: a broken status line, an illegal header, conflicting Content-Length/Transfer-Encoding, or bad chunked encoding. The proxy refuses to pass it on.',
    explanation:
      'Proxies check what upstreams send: a status line must look like "HTTP/1.1 200 OK", header names may not contain spaces or control characters, Content-Length must be a number and not be combined with Transfer-Encoding, chunk sizes must parse. A bug in the application or framework (headers built from user input, a stray debug print before the headers, a double Content-Length), a non-HTTP service on the port, or a broken HTTP/2 or gRPC upstream gives such responses. nginx answers 502 ("upstream sent invalid header"); HAProxy answers 502 with termination state PH; Envoy flags UPE.',
    statuses: [502],
    signals: [
      'nginx: upstream sent invalid header: "..." while reading response header from upstream',
      'nginx: upstream sent invalid status / duplicate header line "Content-Length" / invalid chunked response',
      'nginx: upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time',
      'HAProxy: PH-- (invalid response, see `show errors`); Envoy: UPE / "reset reason: protocol error"',
      'probe: malformed status line or header shown as sent',
    ],
    facts: ['invalid-response'],
    fixes: {
      owner: [
        'Capture what the upstream really sends, bypassing the proxy: `curl -sv --raw http://127.0.0.1:8080/path -o /dev/null` (or `why502 http://127.0.0.1:8080/path`, which shows malformed lines as sent).',
        'Fix the application or framework code that builds headers: no newlines or spaces in header names, no header values from unchecked user input, one Content-Length, never both Content-Length and Transfer-Encoding.',
        'Make sure nothing prints before the headers (PHP: output before `header()`, debug echo; check `display_errors = Off` in production).',
        'On HAProxy, `echo "show errors" | socat stdio /run/haproxy/admin.sock` shows the exact offending byte.',
      ],
      visitor: [
        'The site\'s application sent a broken answer; this is a bug on the site. Reloading will likely give the same result; report the URL to the site owner.',
      ],
    },
    related: ['protocol-mismatch', 'upstream-header-too-big', 'app-error'],
    lab: { faults: ['malformed-status-line', 'garbage-bytes', 'invalid-header', 'invalid-chunked'] },
    messages: {
      invalid: '{count} request(s) failed: {upstream} sent an invalid response ({detail}).',
    },
  },
  checks(t) {
    if (t.kind !== 'tcp') return [];
    return [`See the raw answer of ${t.host}:${t.port} as sent: \`why502 ${targetUrl(t)}\` or \`curl -sv --raw ${targetUrl(t)} -o /dev/null\` (use the failing path).`];
  },
  detect(i) {
    const f = own(i, 'invalid-response')[0];
    if (!f) return null;
    // Protocol mismatches show as invalid responses; protocol-mismatch claims those more strongly.
    const conf = f.detail && MISMATCH_DETAILS.has(f.detail) ? 0.5 : f.detail?.startsWith('http09') ? 0.75 : 0.88;
    return claim(conf, 'invalid', [f], f.detail ?? 'invalid');
  },
});
