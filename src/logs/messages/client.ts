/**
 * Recognises what clients print when a site fails: curl's "curl: (N) ..." errors (libcurl's curl_easy_strerror
 * and error buffers) and Chromium/Firefox error codes (net_error_list.h, Firefox's SEC_ERROR_* names).
 * From the visitor's side "the upstream" is the server the client asked.
 */
import type { ErrnoCode, FactKind, Stage } from '../../evidence/facts.js';

export interface ClientMessage {
  kind: FactKind;
  stage?: Stage;
  errno?: ErrnoCode;
  detail: string;
}

const CURL: [RegExp, ClientMessage][] = [
  [/^curl: \(5\) Could not resolve proxy/, { kind: 'forward-proxy-error', detail: 'curl-5' }],
  [/^curl: \(6\) Could not resolve host/, { kind: 'site-lookup-failed', stage: 'resolve', errno: 'ENOTFOUND', detail: 'curl-6' }],
  [/^curl: \(7\) .*(?:Connection refused|Couldn't connect to server)/, { kind: 'connect-failed', stage: 'connect', errno: 'ECONNREFUSED', detail: 'curl-7' }],
  [/^curl: \(7\) .*No route to host/, { kind: 'connect-failed', stage: 'connect', errno: 'EHOSTUNREACH', detail: 'curl-7' }],
  [/^curl: \(7\) .*Network is unreachable/, { kind: 'local-network-error', stage: 'connect', errno: 'ENETUNREACH', detail: 'curl-7' }],
  [/^curl: \(28\) (?:Connection|Failed to connect).*timed out|^curl: \(28\) Connection timeout/i, { kind: 'timeout', stage: 'connect', errno: 'ETIMEDOUT', detail: 'curl-28' }],
  [/^curl: \(28\) Operation timed out/, { kind: 'timeout', stage: 'header', errno: 'ETIMEDOUT', detail: 'curl-28' }],
  [/^curl: \(52\) Empty reply from server/, { kind: 'upstream-closed', stage: 'header', detail: 'curl-52' }],
  [/^curl: \(56\) .*Connection reset by peer/, { kind: 'upstream-reset', stage: 'header', errno: 'ECONNRESET', detail: 'curl-56' }],
  [/^curl: \(56\) .*Received HTTP code (\d+) from proxy after CONNECT|^curl: \(56\) CONNECT tunnel failed, response \d+/, { kind: 'forward-proxy-error', detail: 'curl-56-proxy' }],
  [/^curl: \(18\) transfer closed with/, { kind: 'upstream-closed', stage: 'body', detail: 'curl-18' }],
  [/^curl: \(8\) (?:Weird server reply|Invalid status line|Header without colon)/, { kind: 'invalid-response', stage: 'header', detail: 'curl-8' }],
  [/^curl: \(1\) Received HTTP\/0\.9 when not allowed/, { kind: 'invalid-response', stage: 'header', detail: 'http09' }],
  [/^curl: \(60\) SSL certificate problem: certificate has expired/, { kind: 'tls-cert-expired', stage: 'tls', detail: 'curl-60' }],
  [/^curl: \(60\) SSL certificate problem: certificate is not yet valid/, { kind: 'tls-cert-expired', stage: 'tls', detail: 'curl-60-not-yet' }],
  [/^curl: \(60\) SSL: no alternative certificate subject name matches|^curl: \(60\) SSL: certificate subject name .* does not match/, { kind: 'tls-name-mismatch', stage: 'tls', detail: 'curl-60' }],
  [/^curl: \(60\) SSL certificate problem/, { kind: 'tls-cert-untrusted', stage: 'tls', detail: 'curl-60' }],
  [/^curl: \(35\) .*wrong version number/, { kind: 'tls-handshake-failed', stage: 'tls', detail: 'wrong version number' }],
  [/^curl: \(35\) /, { kind: 'tls-handshake-failed', stage: 'tls', detail: 'curl-35' }],
  [/^curl: \(97\) /, { kind: 'forward-proxy-error', detail: 'curl-97' }],
];

const BROWSER: [RegExp, ClientMessage][] = [
  [/\bERR_PROXY_CONNECTION_FAILED\b|\bERR_TUNNEL_CONNECTION_FAILED\b|\bERR_PROXY_CERTIFICATE_INVALID\b|\bERR_MANDATORY_PROXY_CONFIGURATION_FAILED\b/, { kind: 'forward-proxy-error', detail: 'browser-proxy' }],
  [/\bERR_INTERNET_DISCONNECTED\b|\bERR_NETWORK_CHANGED\b|\bERR_ADDRESS_UNREACHABLE\b|\bERR_NETWORK_ACCESS_DENIED\b/, { kind: 'local-network-error', detail: 'browser-network' }],
  [/\bERR_NAME_NOT_RESOLVED\b|\bDNS_PROBE_FINISHED_(?:NXDOMAIN|NO_INTERNET|BAD_CONFIG)\b|Hmm\. We['’]re having trouble finding that site\./, { kind: 'site-lookup-failed', stage: 'resolve', detail: 'browser-dns' }],
  [/\bERR_CONNECTION_REFUSED\b/, { kind: 'connect-failed', stage: 'connect', errno: 'ECONNREFUSED', detail: 'browser' }],
  [/\bERR_CONNECTION_TIMED_OUT\b|\bERR_TIMED_OUT\b/, { kind: 'timeout', stage: 'connect', errno: 'ETIMEDOUT', detail: 'browser' }],
  [/\bERR_CONNECTION_RESET\b|\bERR_CONNECTION_CLOSED\b|\bERR_EMPTY_RESPONSE\b/, { kind: 'upstream-closed', stage: 'header', detail: 'browser' }],
  [/\bERR_INCOMPLETE_CHUNKED_ENCODING\b|\bERR_CONTENT_LENGTH_MISMATCH\b/, { kind: 'upstream-closed', stage: 'body', detail: 'browser-truncated' }],
  [/\bERR_CERT_DATE_INVALID\b|\bSEC_ERROR_EXPIRED_CERTIFICATE\b/, { kind: 'tls-cert-expired', stage: 'tls', detail: 'browser' }],
  [/\bERR_CERT_COMMON_NAME_INVALID\b|\bSSL_ERROR_BAD_CERT_DOMAIN\b/, { kind: 'tls-name-mismatch', stage: 'tls', detail: 'browser' }],
  [/\bERR_CERT_AUTHORITY_INVALID\b|\bSEC_ERROR_UNKNOWN_ISSUER\b|\bMOZILLA_PKIX_ERROR_SELF_SIGNED_CERT\b/, { kind: 'tls-cert-untrusted', stage: 'tls', detail: 'browser' }],
  [/\bERR_SSL_PROTOCOL_ERROR\b|\bERR_SSL_VERSION_OR_CIPHER_MISMATCH\b|\bSSL_ERROR_NO_CYPHER_OVERLAP\b|\bSSL_ERROR_RX_RECORD_TOO_LONG\b/, { kind: 'tls-handshake-failed', stage: 'tls', detail: 'browser' }],
  [/\bERR_INVALID_HTTP_RESPONSE\b|\bERR_RESPONSE_HEADERS_TOO_BIG\b/, { kind: 'invalid-response', stage: 'header', detail: 'browser' }],
];

/**
 * Recognise a curl or browser error message.
 * @example recogniseClientMessage('curl: (52) Empty reply from server') // { kind: 'upstream-closed', ... }
 */
export function recogniseClientMessage(text: string): ClientMessage | null {
  const t = text.trim();
  if (t.startsWith('curl: (')) {
    for (const [re, msg] of CURL) if (re.test(t)) return msg;
    return null;
  }
  for (const [re, msg] of BROWSER) if (re.test(t)) return msg;
  return null;
}
