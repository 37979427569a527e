/**
 * The error-page fingerprint table: which layer wrote an error page and what it says about the failure.
 * One module for both users: the prober matches whole bodies, the log reader matches pasted lines one by one.
 * Sources: nginx src/http/ngx_http_special_response.c; HAProxy src/http.c; Apache modules/proxy/mod_proxy.c and
 * server/protocol.c; Envoy source/common/router/router.cc; Cloudflare docs (5xx error pages); AWS CloudFront and
 * ALB docs; Varnish bin/varnishd/builtin.vcl; Traefik pkg/proxy/httputil/proxy.go; recorded vendor responses
 * (test/probe/fixtures/vendors/, each citing its capture).
 */
import type { ErrnoCode, FactKind } from '../evidence/facts.js';

export interface PageRule {
  /** Layer id as in the contract (cloudflare, nginx, haproxy, envoy, ...). */
  layer: string;
  re: RegExp;
  /** Status the page stands for, when the text says. */
  status?: number | ((m: RegExpExecArray) => number | undefined);
  /** What the page says about the failure; absent when it only says "bad gateway". */
  kind?: FactKind | ((m: RegExpExecArray) => FactKind | undefined);
  detail?: string | ((m: RegExpExecArray) => string | undefined);
  errno?: ErrnoCode | ((m: RegExpExecArray) => ErrnoCode | undefined);
  /** true for text that names the layer without naming a failure (a footer, a header). */
  marker?: boolean;
  /** Only a whole response body can match (a one-line body that means nothing as a pasted line). */
  wholeBody?: boolean;
}

// Envoy's local reply: "upstream connect error or disconnect/reset before headers. reset reason: <reason>[, transport failure reason: <tls>]".
const ENVOY_RESET: Record<string, FactKind> = {
  'connection failure': 'connect-failed',
  'remote connection failure': 'connect-failed',
  'local connection failure': 'connect-failed',
  'connection timeout': 'timeout',
  'connection termination': 'reused-connection-failed',
  'remote reset': 'upstream-reset',
  'local reset': 'upstream-reset',
  'protocol error': 'invalid-response',
  overflow: 'proxy-resource',
  'remote refused stream reset': 'upstream-reset',
};

function envoyKind(m: RegExpExecArray): FactKind | undefined {
  const tls = m[2] ?? '';
  if (/CERTIFICATE_VERIFY_FAILED/i.test(tls)) return /expired/i.test(tls) ? 'tls-cert-expired' : 'tls-cert-untrusted';
  if (/WRONG_VERSION_NUMBER|TLS_error/i.test(tls)) return 'tls-handshake-failed';
  return ENVOY_RESET[(m[1] ?? '').trim().toLowerCase()];
}

/** Cloudflare 52x/530 titles, from the Cloudflare 5xx docs. */
const CLOUDFLARE_CODES: Record<string, FactKind> = {
  '520': 'cdn-edge-error',
  '521': 'cdn-edge-error',
  '522': 'cdn-edge-error',
  '523': 'cdn-edge-error',
  '524': 'cdn-edge-error',
  '525': 'cdn-edge-error',
  '526': 'cdn-edge-error',
  '527': 'cdn-edge-error',
  '530': 'cdn-edge-error',
  '1016': 'cdn-edge-error',
};

export const PAGE_RULES: PageRule[] = [
  // nginx (ngx_http_special_response.c): tail and the 502/503/504 titles.
  { layer: 'nginx', re: /<hr><center>(nginx(?:\/[\d.]+)?)<\/center>/i, marker: true, detail: (m) => m[1] },
  // The same page as a browser shows it (copied text): "502 Bad Gateway" then "nginx/1.22.1".
  { layer: 'nginx', re: /^(nginx(?:\/\d+\.\d+\.\d+)?)$/, marker: true, detail: (m) => m[1] },
  { layer: 'unknown', re: /^(50[234]) (?:Bad Gateway|Service (?:Temporarily )?Unavailable|Gateway Time-?out)$/i, status: (m) => Number(m[1]) },
  { layer: 'openresty', re: /<hr><center>(openresty(?:\/[\d.]+)?)<\/center>/i, marker: true, detail: (m) => m[1] },
  // Cloudflare-generated pages in nginx's layout; older edges signed them "cloudflare-nginx".
  { layer: 'cloudflare', re: /<hr><center>cloudflare(?:-nginx)?<\/center>/i, marker: true },
  { layer: 'unknown', re: /<title>(50[234]) (?:Bad Gateway|Service (?:Temporarily )?Unavailable|Gateway Time-?out)<\/title>/i, status: (m) => Number(m[1]) },
  { layer: 'unknown', re: /<h1>(50[234]) (?:Bad Gateway|Service (?:Temporarily )?Unavailable|Gateway Time-?out)<\/h1>/i, status: (m) => Number(m[1]) },
  // HAProxy stock bodies (src/http.c).
  { layer: 'haproxy', re: /The server returned an invalid or incomplete response\./, status: 502 },
  { layer: 'haproxy', re: /No server is available to handle this request\./, status: 503, kind: 'no-live-upstreams' },
  { layer: 'haproxy', re: /The server didn't respond in time\./, status: 504, kind: 'timeout', detail: 'haproxy-504' },
  // Apache mod_proxy (ap_proxyerror) and its 502/503 pages.
  { layer: 'apache', re: /The proxy server received an invalid\s+response from an upstream server\./i, status: 502 },
  { layer: 'apache', re: /Reason: (?:<strong>)?Error reading from remote server/i, status: 502, kind: 'upstream-closed', detail: 'apache-read-error' },
  { layer: 'apache', re: /Reason: (?:<strong>)?DNS lookup failure for: ([^<\s]+)/i, status: 502, kind: 'resolve-failed', detail: 'apache-dns' },
  { layer: 'apache', re: /The proxy server could not handle the request/i, status: 502 },
  { layer: 'apache', re: /The server is temporarily unable to service your\s+request due to maintenance downtime or capacity\s+problems/i, status: 503 },
  { layer: 'apache', re: /<title>502 Proxy Error<\/title>|^HTTP\/1\.[01] 502 Proxy Error/i, status: 502 },
  { layer: 'apache', re: /<address>Apache(?:\/[\d.]+)?[^<]*Server at [^<]*<\/address>/i, marker: true },
  // Envoy / Istio local replies (router.cc).
  {
    layer: 'envoy',
    re: /upstream connect error or disconnect\/reset before headers\.(?: retried and the latest)? reset reason: ([a-z ]+?)(?:, transport failure reason: (.*))?$/i,
    status: 503,
    kind: envoyKind,
    detail: (m) => (m[1] ?? '').trim(),
    errno: (m) => (/delayed connect error: ?111\b/.test(m[2] ?? '') ? 'ECONNREFUSED' : undefined),
  },
  { layer: 'envoy', re: /^no healthy upstream$/i, status: 503, kind: 'no-live-upstreams' },
  { layer: 'envoy', re: /^upstream request timeout$/i, status: 504, kind: 'timeout', detail: 'envoy-route-timeout' },
  // Cloudflare branded pages: "Error code 521", "Error 1016", "Cloudflare Ray ID: ...".
  {
    layer: 'cloudflare',
    re: /\bError(?: code)?:? (52[0-7]|530|1016)\b/i,
    status: (m) => (m[1] === '1016' ? 530 : Number(m[1])),
    kind: (m) => CLOUDFLARE_CODES[m[1] ?? ''],
    detail: (m) => m[1],
  },
  // Cloudflare page titles and code labels: "<title>example.com | 521: Web server is down</title>", "cf-error-code">521<".
  {
    layer: 'cloudflare',
    re: /\| (52[0-7]|530): (?:Web server is returning an unknown error|Web server is down|Connection timed out|Origin is unreachable|A timeout occurred|SSL handshake failed|Invalid SSL certificate|Railgun Listener to origin error)|class="cf-error-code">(52[0-7]|530)</i,
    status: (m) => Number(m[1] ?? m[2]),
    kind: 'cdn-edge-error',
    detail: (m) => m[1] ?? m[2],
  },
  { layer: 'cloudflare', re: /Cloudflare Ray ID:?\s*(?:<[^>]*>)?\s*([0-9a-f]{16})/i, marker: true, detail: (m) => m[1] },
  { layer: 'cloudflare', re: /^cf-ray:\s*([0-9a-f]{16}(?:-[A-Z]{3})?)/i, marker: true, detail: (m) => m[1] },
  { layer: 'cloudflare', re: /^server:\s*cloudflare\s*$/i, marker: true },
  // Varnish builtin.vcl synthetic page.
  { layer: 'varnish', re: /Guru Meditation:?/i, marker: true },
  { layer: 'varnish', re: /Error (50[34]) Backend fetch failed|<h1>Error (50[34]) Backend fetch failed<\/h1>/i, status: (m) => Number(m[1] ?? m[2]), detail: 'backend-fetch-failed' },
  { layer: 'varnish', re: /FetchError:? (.+)$/i, kind: 'invalid-response', detail: (m) => m[1] },
  // Fastly's synthetic pages: Varnish's layout, but "Guru Mediation" (sic), the cache node in "Details:", and the
  // backend timeout named ("first byte timeout" = no response header from the origin in time).
  { layer: 'fastly', re: /Guru Mediation:?/, marker: true },
  { layer: 'fastly', re: /Details: (cache-[a-z0-9-]+)/i, marker: true, detail: (m) => m[1] },
  { layer: 'fastly', re: /\bError 503 first byte timeout\b/i, status: 503, kind: 'timeout', detail: 'fastly-first-byte-timeout' },
  // AWS.
  { layer: 'aws-alb', re: /^server:\s*awselb\/2\.0/i, marker: true },
  { layer: 'cloudfront', re: /Generated by cloudfront \(CloudFront\)/i, marker: true },
  { layer: 'cloudfront', re: /^x-cache:\s*Error from cloudfront/i, marker: true },
  { layer: 'cloudfront', re: /CloudFront wasn't able to connect to the origin\./i, status: 502, kind: 'cdn-edge-error', detail: 'cloudfront-connect' },
  { layer: 'cloudfront', re: /CloudFront attempted to establish a connection with the origin, but either the attempt failed or the origin closed the connection\./i, status: 502, kind: 'cdn-edge-error', detail: 'cloudfront-connect' },
  // The heading of CloudFront's own error page ("502 ERROR", newer "502 Bad Gateway ERROR"); its newer 502 text no
  // longer says "wasn't able to connect". A 502 of CloudFront's is an edge error; its 504 stays a timeout.
  {
    layer: 'cloudfront',
    re: /<H1>(50[234])(?: [A-Za-z ]+)? ERROR<\/H1>/,
    status: (m) => Number(m[1]),
    kind: (m) => (m[1] === '502' ? 'cdn-edge-error' : undefined),
    detail: (m) => (m[1] === '502' ? 'cloudfront-502' : undefined),
  },
  // Google front ends.
  { layer: 'gcp-lb', re: /502\.\s*That[’']s an error\./i, status: 502 },
  { layer: 'gcp-lb', re: /The server encountered a temporary error and could not complete your request\./i, status: 502 },
  // Heroku router.
  { layer: 'heroku', re: /An error occurred in the application and your page could not be served\./i, status: 503, kind: 'app-fatal', detail: 'heroku-application-error' },
  // The router's page as served: a frame around that text on Heroku's CDN.
  { layer: 'heroku', re: /herokucdn\.com\/error-pages\/application-error\.html/i, status: 503, kind: 'app-fatal', detail: 'heroku-application-error' },
  // Azure Front Door's own error page.
  { layer: 'azure-frontdoor', re: /Our services aren't available right now/i, status: 503 },
  // Traefik answers proxy errors with the bare status text (Go's http.StatusText) and nothing else.
  { layer: 'traefik', re: /^(Bad Gateway|Gateway Timeout)$/, wholeBody: true, status: (m) => (m[1] === 'Bad Gateway' ? 502 : 504) },
  // Squid (forward or reverse) error pages.
  { layer: 'squid', re: /\bERR_CONNECT_FAIL\b/, kind: 'connect-failed', errno: 'ECONNREFUSED', status: 503 },
  { layer: 'squid', re: /\bERR_DNS_FAIL\b/, kind: 'resolve-failed', status: 503 },
  { layer: 'squid', re: /\bERR_READ_TIMEOUT\b/, kind: 'timeout', status: 504 },
  { layer: 'squid', re: /\bERR_ZERO_SIZE_OBJECT\b/, kind: 'upstream-closed', status: 502 },
  { layer: 'squid', re: /Generated .* by [^ ]+ \(squid\/[\d.]+\)/i, marker: true },
  // Corporate cloud proxy.
  { layer: 'zscaler', re: /Internet Security by Zscaler|zscaler\.net/i, marker: true, kind: 'forward-proxy-error' },
];

export interface PageMatch {
  layer: string;
  status?: number;
  kind?: FactKind;
  detail?: string;
  errno?: ErrnoCode;
  marker: boolean;
}

function resolve<T>(v: T | ((m: RegExpExecArray) => T | undefined) | undefined, m: RegExpExecArray): T | undefined {
  return typeof v === 'function' ? (v as (m: RegExpExecArray) => T | undefined)(m) : v;
}

/**
 * Match one line (pasted) or a whole body against the table; returns every rule that matched, in table order.
 * `wholeBody`: the text is a complete response body, so rules that only make sense for one apply too.
 * @example matchPage('<hr><center>nginx/1.22.1</center>') // [{ layer: 'nginx', marker: true, detail: 'nginx/1.22.1' }]
 */
export function matchPage(text: string, opts: { wholeBody?: boolean } = {}): PageMatch[] {
  const out: PageMatch[] = [];
  for (const rule of PAGE_RULES) {
    if (rule.wholeBody && !opts.wholeBody) continue;
    const m = rule.re.exec(text);
    if (!m) continue;
    const r: PageMatch = { layer: rule.layer, marker: rule.marker === true };
    const status = resolve(rule.status, m);
    const kind = resolve(rule.kind, m);
    const detail = resolve(rule.detail, m);
    if (status !== undefined) r.status = status;
    if (kind !== undefined) r.kind = kind;
    if (detail !== undefined) r.detail = detail;
    const errno = resolve(rule.errno, m);
    if (errno !== undefined) r.errno = errno;
    out.push(r);
  }
  return out;
}
