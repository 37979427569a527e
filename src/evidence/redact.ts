/** Masks secrets in evidence text before it reaches any output: query tokens, Authorization, Cookie, Set-Cookie. */

export const MASK = '***';

// A query parameter whose name suggests a secret. Names are matched as words inside the parameter name,
// so `access_token`, `X-Amz-Signature`, `api_key`, `sessionid`, `PHPSESSID` and `auth` all qualify.
const SECRET_NAME =
  '[A-Za-z0-9_.-]*?(?:token|secret|passw(?:or)?d|passwd|pwd|auth|session|sess(?:id)?|signature|sig|key|jwt|credential|otp|code_verifier)[A-Za-z0-9_.-]*';
const QUERY_SECRET = new RegExp(`([?&;](?:amp;)?)(${SECRET_NAME})=([^&\\s"'<>#;,)]*)`, 'gi');

// Header lines as they appear in transcripts, pasted curl output and proxy logs.
const HEADER_LINE = /\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key|x-auth-token)(\s*:\s*)([^\r\n"]*)/gi;
// The same headers as JSON members ("Authorization":"...") or arrays of values (["..."]).
const HEADER_JSON = /("(?:(?:proxy-)?authorization|cookie|set-cookie|x-api-key|x-auth-token)"\s*:\s*)(\[\s*)?"((?:[^"\\]|\\.)*)"/gi;

/**
 * Mask secret values in a piece of evidence text.
 * @example redact('GET /cb?code=1&token=abc HTTP/1.1') // 'GET /cb?code=1&token=*** HTTP/1.1'
 */
export function redact(text: string): string {
  if (text.length === 0) return text;
  let out = text;
  if (out.includes('=')) {
    out = out.replace(QUERY_SECRET, (_m, sep: string, name: string, value: string) =>
      value === '' ? `${sep}${name}=` : `${sep}${name}=${MASK}`,
    );
  }
  if (/authorization|cookie|api-key|auth-token/i.test(out)) {
    out = out.replace(HEADER_JSON, (_m, head: string, arr: string | undefined) => `${head}${arr ?? ''}"${MASK}"`);
    out = out.replace(HEADER_LINE, (_m, name: string, sep: string, value: string) =>
      value.trim() === '' || value.startsWith(MASK) ? `${name}${sep}${value}` : `${name}${sep}${MASK}`,
    );
  }
  return out;
}
