/**
 * Masks secrets in evidence text before it reaches any output: query tokens, Authorization, Cookie,
 * Set-Cookie, credentials in URLs, and the same values logged as `key=value` or JSON members.
 */

export const MASK = '***';

// A query parameter whose name suggests a secret. Names are matched as words inside the parameter name,
// so `access_token`, `X-Amz-Signature`, `api_key`, `sessionid`, `PHPSESSID` and `auth` all qualify; short
// names that are only secret on their own (`code` of an OAuth callback, `pw`, `pass`) must match exactly.
const SECRET_NAME =
  '(?:[A-Za-z0-9_.-]*?(?:token|secret|passw(?:or)?d|passwd|pwd|auth|session|sess(?:id)?|signature|sig|key|jwt|credential|otp|code_verifier)[A-Za-z0-9_.-]*|code|pw|pass)';
const QUERY_SECRET = new RegExp(`([?&;](?:amp;)?)(${SECRET_NAME})=([^&\\s"'<>#;,)]*)`, 'gi');

// Header names whose values are credentials, also as log variables ($http_authorization, $cookie_x, $sent_http_set_cookie).
const HEADER_WORD = '(?:proxy[-_])?authorization|cookie|set[-_]cookie|x[-_]api[-_]key|x[-_]auth[-_]token';
// Header lines as they appear in transcripts, pasted curl output and proxy logs.
const HEADER_LINE = /\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key|x-auth-token)(\s*:\s*)([^\r\n"]*)/gi;
// The same headers as JSON members ("Authorization":"...", "http_cookie": "...") or arrays of values (["..."]).
const HEADER_JSON = new RegExp(`("[A-Za-z0-9_.-]*(?:${HEADER_WORD}|auth(?!or)|password|secret|token)[A-Za-z0-9_.-]*"\\s*:\\s*)(\\[\\s*)?"((?:[^"\\\\]|\\\\.)*)"`, 'gi');
// key=value pairs appended to access-log lines by custom log_format / LogFormat: auth="Bearer x" cookie=a=1;b=2.
const KEY_VALUE = new RegExp(`(^|[\\s,{(])([A-Za-z0-9_.-]*(?:${HEADER_WORD}|auth(?!or)|password|passwd|secret|token)[A-Za-z0-9_.-]*)=("(?:[^"\\\\]|\\\\.)*"|[^\\s,]+)`, 'gi');
// Credentials in a URL: scheme://user:password@host.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]+):([^\s@/"'<>]+)@/gi;

/**
 * Mask secret values in a piece of evidence text.
 * @example redact('GET /cb?page=1&token=abc HTTP/1.1') // 'GET /cb?page=1&token=*** HTTP/1.1'
 */
export function redact(text: string): string {
  if (text.length === 0) return text;
  let out = text;
  if (out.includes('=')) {
    out = out.replace(QUERY_SECRET, (_m, sep: string, name: string, value: string) =>
      value === '' ? `${sep}${name}=` : `${sep}${name}=${MASK}`,
    );
    out = out.replace(KEY_VALUE, (_m, lead: string, name: string, value: string) => {
      if (value === '""' || value === '"-"' || value === '-' || value === MASK || value === `"${MASK}"`) return `${lead}${name}=${value}`;
      return `${lead}${name}=${value.startsWith('"') ? `"${MASK}"` : MASK}`;
    });
  }
  if (out.includes('@')) out = out.replace(URL_USERINFO, (_m, head: string) => `${head}:${MASK}@`);
  if (/authorization|cookie|api.key|auth|token|password|secret/i.test(out)) {
    out = out.replace(HEADER_JSON, (_m, head: string, arr: string | undefined, value: string) =>
      value === '' || value === '-' ? `${head}${arr ?? ''}"${value}"` : `${head}${arr ?? ''}"${MASK}"`,
    );
    out = out.replace(HEADER_LINE, (_m, name: string, sep: string, value: string) =>
      value.trim() === '' || value.startsWith(MASK) ? `${name}${sep}${value}` : `${name}${sep}${MASK}`,
    );
  }
  return out;
}
