/**
 * Recognises nginx error-log messages (the text after "*N ") and maps each to a fact kind.
 * Message texts come from nginx's source (src/http/ngx_http_upstream.c, src/event/ngx_event_connect.c,
 * src/event/ngx_event_openssl.c, src/http/modules/ngx_http_{proxy,fastcgi,uwsgi,scgi,grpc,proxy_v2}_module.c,
 * src/core/ngx_connection.c, src/core/ngx_resolver.c) and were checked against nginx 1.22.1 in the lab.
 */
import type { ErrnoCode, FactKind, Stage } from '../../evidence/facts.js';
import { errnoFromNumber } from '../../evidence/errno.js';

/** What a recognised message says, before provenance is added. */
export interface NginxMessage {
  kind: FactKind;
  stage?: Stage;
  errno?: ErrnoCode;
  detail?: string;
  /** Upstream named inside the message ("connect() to 10.0.0.1:80 failed", "host not found in upstream"). */
  upstream?: string;
}

/** The parts of an error-log message that nginx appends: errno, action and the request context. */
export interface NginxMessageParts {
  /** The message text proper, without " (errno: text)" and " while ...". */
  text: string;
  errnoNumber?: number;
  errnoText?: string;
  action?: string;
  fields: Record<string, string>;
}

// ", client: ..., server: ..., request: "...", upstream: "...", host: "...", referrer: "..."" (ngx_http_log_error).
const CONTEXT_KEYS = ['client', 'server', 'request', 'subrequest', 'upstream', 'host', 'referrer'] as const;

/**
 * Split an nginx message into its text, errno, action and context fields.
 * @example splitNginxMessage('connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4')
 */
export function splitNginxMessage(message: string): NginxMessageParts {
  const fields: Record<string, string> = {};
  let head = message;
  const ci = message.indexOf(', client: ');
  if (ci !== -1) {
    head = message.slice(0, ci);
    parseContext(message.slice(ci + 2), fields);
  }
  let action: string | undefined;
  const wi = head.lastIndexOf(' while ');
  if (wi !== -1) {
    action = head.slice(wi + 7);
    head = head.slice(0, wi);
  }
  let errnoNumber: number | undefined;
  let errnoText: string | undefined;
  const em = /\((\d+): ([^)]*)\)$/.exec(head);
  if (em) {
    errnoNumber = Number(em[1]);
    errnoText = em[2];
    head = head.slice(0, em.index).trimEnd();
  }
  const out: NginxMessageParts = { text: head, fields };
  if (errnoNumber !== undefined) out.errnoNumber = errnoNumber;
  if (errnoText !== undefined) out.errnoText = errnoText;
  if (action !== undefined) out.action = action;
  return out;
}

function parseContext(s: string, fields: Record<string, string>): void {
  let i = 0;
  while (i < s.length) {
    const colon = s.indexOf(': ', i);
    if (colon === -1) return;
    const key = s.slice(i, colon);
    if (!(CONTEXT_KEYS as readonly string[]).includes(key)) return;
    let j = colon + 2;
    let value: string;
    if (s.charCodeAt(j) === 34 /* " */) {
      // Quoted values may contain ", " (request lines with commas): the value ends at a '"' that is followed by
      // the end or by ", <known key>: ".
      let q = s.indexOf('"', j + 1);
      while (q !== -1 && q !== s.length - 1 && !endsQuoted(s, q + 1)) q = s.indexOf('"', q + 1);
      if (q === -1) {
        value = s.slice(j + 1);
        j = s.length;
      } else {
        value = s.slice(j + 1, q);
        j = q + 1;
      }
    } else {
      const comma = s.indexOf(', ', j);
      value = comma === -1 ? s.slice(j) : s.slice(j, comma);
      j = comma === -1 ? s.length : comma;
    }
    fields[key] = value;
    if (s.startsWith(', ', j)) j += 2;
    i = j;
  }
}

/** Does ", <context key>: " start at position p? */
function endsQuoted(s: string, p: number): boolean {
  if (!s.startsWith(', ', p)) return false;
  for (const k of CONTEXT_KEYS) if (s.startsWith(k, p + 2) && s.startsWith(': ', p + 2 + k.length)) return true;
  return false;
}

/** Map nginx's "while ..." action to the stage of the upstream exchange; undefined for client-side actions. */
export function stageFromAction(action: string | undefined): Stage | undefined {
  switch (action) {
    case 'connecting to upstream':
      return 'connect';
    case 'SSL handshaking to upstream':
      return 'tls';
    case 'sending request to upstream':
      return 'send';
    case 'reading response header from upstream':
      return 'header';
    case 'reading upstream':
    case 'proxying upgraded connection':
      return 'body';
    default:
      return undefined;
  }
}

interface Rule {
  re: RegExp;
  map(m: RegExpExecArray, p: NginxMessageParts): NginxMessage | null;
}

const at = (stage: Stage | undefined, fallback: Stage): Stage => stage ?? fallback;

/**
 * Is the message about the upstream side? nginx writes the same connect(), resolver and TLS messages for
 * OCSP stapling ("while requesting certificate status") and for visitors' TLS ("while SSL handshaking"), which
 * have nothing to do with upstreams. A message with an upstream action, or with no action at all (upstream
 * name resolution, or a fragment pasted without its tail), counts.
 */
function upstreamSide(p: NginxMessageParts): boolean {
  return p.action === undefined || stageFromAction(p.action) !== undefined;
}

/** Facts for a socket call that failed with an errno while talking to the upstream. */
function socketFailure(p: NginxMessageParts, stage: Stage | undefined): NginxMessage | null {
  if (p.errnoNumber === undefined) return null;
  const errno = errnoFromNumber(p.errnoNumber);
  switch (errno) {
    case 'ECONNREFUSED':
    case 'ENOENT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EACCES':
    case 'EPERM':
    case 'EAGAIN':
    case 'EADDRNOTAVAIL':
      return { kind: 'connect-failed', stage: 'connect', errno };
    case 'ETIMEDOUT':
      return { kind: 'timeout', stage: at(stage, 'header'), errno };
    case 'EMFILE':
    case 'ENFILE':
      return { kind: 'proxy-resource', errno, detail: 'file-descriptors' };
    default:
      return { kind: 'upstream-reset', stage: at(stage, 'header'), errno };
  }
}

/** TLS reason text from "(SSL: error:0A00010B:SSL routines::wrong version number)". */
function sslReason(text: string): string | undefined {
  const m = /\(SSL: (.*)\)\s*$/.exec(text);
  if (!m || m[1] === undefined) return undefined;
  // Several errors may be chained; the first names the failure.
  const first = m[1].split(/\) ?\(SSL: |:error:/)[0] ?? m[1];
  const parts = first.split(':');
  const reason = parts[parts.length - 1]?.trim();
  return reason ? reason.toLowerCase() : undefined;
}

// X.509 verify codes (OpenSSL x509_vfy.h) as nginx prints them in "upstream SSL certificate verify error: (N:text)".
const VERIFY_EXPIRED = new Set([9, 10]); // not yet valid, has expired
const VERIFY_NAME = new Set([62]); // hostname mismatch

const INVALID_RESPONSE: [RegExp, string][] = [
  [/^upstream sent invalid header\b/, 'invalid-header'],
  [/^upstream sent invalid status\b/, 'invalid-status'],
  [/^upstream sent duplicate header line: "(Content-Length|Transfer-Encoding)/i, 'duplicate-header'],
  [/^upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time/, 'cl-and-te'],
  [/^upstream sent invalid "Content-Length" header/, 'invalid-content-length'],
  [/^upstream sent unknown "Transfer-Encoding"/, 'unknown-transfer-encoding'],
  [/^upstream sent HTTP\/1\.0 response with early hints/, 'early-hints-http10'],
  [/^upstream sent invalid chunked response/, 'invalid-chunked'],
  [/^upstream sent data after final chunk/, 'data-after-final-chunk'],
  [/^upstream sent too big trailers/, 'trailers-too-big'],
  [/^upstream sent invalid trailer/, 'invalid-trailer'],
  [/^upstream sent unexpected FastCGI record/, 'fastcgi-unexpected-record'],
  [/^upstream sent invalid FastCGI record type: (\d+)/, 'fastcgi-record-type'],
  [/^upstream sent unexpected FastCGI request id/, 'fastcgi-request-id'],
  [/^upstream sent more data than specified in "Content-Length" header/, 'more-than-content-length'],
  [/^upstream sent response body larger than indicated content length/, 'more-than-content-length'],
  [/^upstream sent (?:unexpected http2 frame|frame for unknown stream|frame for closed stream|data frame for unknown stream|unexpected push promise frame|duplicate :status header|invalid :status|unexpected :status|no :status header|too short http2 frame|http2 frame with too long padding|too large http2 frame|headers frame with invalid length|truncated http2 header|invalid http2 table index|invalid http2 dynamic table size update|http2 table index with continuation flag|zero http2 header name length|too large http2 header|invalid encoded header|rst stream frame with invalid length|goaway frame with|window update frame with invalid length|zero window update|too large window update|settings frame with|too many settings frames|ping frame with|too many ping frames|trailer without end stream flag)/, 'http2-frame'],
  [/^upstream violated (?:stream|connection) flow control/, 'http2-flow-control'],
  [/^upstream rejected request with error (\d+)/, 'http2-rst-stream'],
  [/^upstream sent goaway with error (\d+)/, 'http2-goaway'],
  [/^memcached sent invalid/, 'memcached-invalid'],
];

const RULES: Rule[] = [
  // ngx_event_connect.c "connect() to %V failed" (immediate) and ngx_http_upstream.c "connect() failed" (async).
  {
    re: /^connect\(\) (?:to (\S+) )?failed/,
    map: (m, p) => {
      if (!upstreamSide(p)) return null;
      const f = socketFailure(p, 'connect');
      if (f && m[1]) f.upstream = m[1];
      return f;
    },
  },
  { re: /^kevent\(\) reported that connect\(\) failed/, map: (_m, p) => (upstreamSide(p) ? socketFailure(p, 'connect') : null) },
  { re: /^upstream timed out/, map: (_m, p) => ({ kind: 'timeout', stage: at(stageFromAction(p.action), 'header'), errno: 'ETIMEDOUT' }) },
  {
    re: /^upstream prematurely closed (?:connection|FastCGI stdout|FastCGI request|stream)/,
    map: (_m, p) => ({ kind: 'upstream-closed', stage: at(stageFromAction(p.action), 'header') }),
  },
  { re: /^upstream prematurely sent response/, map: () => ({ kind: 'unexpected-protocol', stage: 'tls', detail: 'plain-before-tls' }) },
  {
    // Socket calls on the upstream connection: only judged when the action says the upstream side.
    re: /^(?:recv|readv|writev|send|sendfile|sendmsg|recvmsg|SSL_read|SSL_write|SSL_shutdown)\(\) failed/,
    map: (_m, p) => {
      const stage = stageFromAction(p.action);
      if (!stage) return null;
      if (p.errnoNumber === undefined) {
        const reason = sslReason(p.text);
        return { kind: 'upstream-reset', stage, ...(reason ? { detail: reason } : {}) };
      }
      return socketFailure(p, stage);
    },
  },
  { re: /^upstream sent too big header/, map: () => ({ kind: 'header-too-big', stage: 'header' }) },
  {
    // "unsupported FastCGI protocol version: 72" is 'H' of "HTTP/1.1": an HTTP server behind fastcgi_pass.
    re: /^upstream sent unsupported FastCGI protocol version: (\d+)/,
    map: (m) => ({ kind: 'invalid-response', stage: 'header', detail: m[1] === '72' ? 'fastcgi-got-http' : `fastcgi-version-${m[1]}` }),
  },
  { re: /^upstream sent no valid HTTP\/1\.0 header/, map: () => ({ kind: 'invalid-response', stage: 'header', detail: 'http09' }) },
  {
    re: /^upstream sent /,
    map: (_m, p) => {
      for (const [re, detail] of INVALID_RESPONSE) {
        if (re.test(p.text)) return { kind: 'invalid-response', stage: at(stageFromAction(p.action), 'header'), detail };
      }
      return null;
    },
  },
  { re: /^upstream violated|^upstream rejected request|^memcached sent invalid/, map: (_m, p) => {
      for (const [re, detail] of INVALID_RESPONSE) {
        if (re.test(p.text)) return { kind: 'invalid-response', stage: at(stageFromAction(p.action), 'header'), detail };
      }
      return null;
    } },
  { re: /^no live upstreams/, map: () => ({ kind: 'no-live-upstreams', stage: 'connect' }) },
  { re: /^upstream server temporarily disabled/, map: () => ({ kind: 'upstream-disabled' }) },
  {
    // ngx_resolver.c strings: Format error, Server failure, Host not found, Unimplemented, Operation refused, Operation timed out.
    re: /^(\S+) could not be resolved/,
    map: (m, p) => (upstreamSide(p) ? { kind: 'resolve-failed', stage: 'resolve', detail: resolverDetail(p.errnoText), upstream: m[1] ?? '' } : null),
  },
  { re: /^no resolver defined to resolve (\S+)/, map: (m) => ({ kind: 'no-resolver', stage: 'resolve', upstream: m[1] ?? '' }) },
  {
    re: /^host not found in (?:upstream|resolver) "([^"]+)"/,
    map: (m) => ({ kind: 'resolve-failed', stage: 'resolve', detail: 'at-start', upstream: m[1] ?? '' }),
  },
  {
    re: /^upstream SSL certificate verify error: \((\d+):([^)]*)\)/,
    map: (m) => {
      const code = Number(m[1]);
      const detail = `${code}:${(m[2] ?? '').trim()}`;
      if (VERIFY_EXPIRED.has(code)) return { kind: 'tls-cert-expired', stage: 'tls', detail };
      if (VERIFY_NAME.has(code)) return { kind: 'tls-name-mismatch', stage: 'tls', detail };
      return { kind: 'tls-cert-untrusted', stage: 'tls', detail };
    },
  },
  { re: /^upstream SSL certificate does not match "([^"]*)"/, map: (m) => ({ kind: 'tls-name-mismatch', stage: 'tls', detail: m[1] ?? '' }) },
  {
    re: /^(?:SSL_do_handshake|SSL_connect)\(\) failed/,
    map: (_m, p) => (upstreamSide(p) ? { kind: 'tls-handshake-failed', stage: 'tls', detail: sslReason(p.text) ?? 'handshake-failed' } : null),
  },
  {
    re: /^peer closed connection in SSL handshake/,
    map: (_m, p) => {
      if (stageFromAction(p.action) === undefined) return null;
      const out: NginxMessage = { kind: 'tls-handshake-failed', stage: 'tls', detail: 'peer-closed' };
      if (p.errnoNumber !== undefined) out.errno = errnoFromNumber(p.errnoNumber);
      return out;
    },
  },
  { re: /^(\d+) worker_connections are not enough/, map: () => ({ kind: 'proxy-resource', detail: 'worker_connections' }) },
  {
    re: /^(?:socket|accept4?|open|eventfd|epoll_create|pipe|socketpair)\(\)? ?(?:"[^"]*" )?failed/,
    map: (_m, p) => {
      const errno = p.errnoNumber !== undefined ? errnoFromNumber(p.errnoNumber) : undefined;
      if (errno === 'EMFILE' || errno === 'ENFILE') return { kind: 'proxy-resource', errno, detail: 'file-descriptors' };
      if (errno === 'ENOMEM') return { kind: 'proxy-resource', errno, detail: 'memory' };
      return null;
    },
  },
  {
    re: /^bind\(\) failed|^bind\(([^)]*)\) failed/,
    map: (_m, p) => {
      const errno = p.errnoNumber !== undefined ? errnoFromNumber(p.errnoNumber) : undefined;
      return errno === 'EADDRNOTAVAIL' ? { kind: 'proxy-resource', errno, detail: 'local-ports' } : null;
    },
  },
  {
    re: /^(?:worker|cache manager|cache loader|helper) process (\d+) exited on signal (\d+)/,
    map: (m) => ({ kind: 'proxy-crash', detail: `signal ${m[2]}` }),
  },
  { re: /^(?:limiting requests|limiting connections)/, map: () => ({ kind: 'proxy-resource', detail: 'rate-limit' }) },
  {
    // ModSecurity-nginx connector (writes through ngx_log_error): "[client 1.2.3.4] ModSecurity: Access denied with code 403 (phase 2). ... [id "942100"]".
    re: /^(?:\[client [^\]]+\] )?ModSecurity: Access denied with code (\d+)(?: \(phase (\d)\))?/,
    map: (m, p) => {
      const id = /\[id "(\d+)"\]/.exec(p.text);
      return { kind: 'waf-block', detail: `ModSecurity ${m[1]}${id ? ` rule ${id[1]}` : ''}` };
    },
  },
  {
    re: /^(?:unknown directive|invalid number of arguments|unexpected "[^"]*"|unknown "[^"]*" variable|"[^"]+" directive is not allowed here)/,
    map: () => ({ kind: 'proxy-crash', detail: 'config-error' }),
  },
  { re: /^bind\(\) to \S+ failed/, map: () => ({ kind: 'proxy-crash', detail: 'bind-failed' }) },
];

function resolverDetail(text: string | undefined): string {
  switch (text) {
    case 'Host not found':
      return 'NXDOMAIN';
    case 'Server failure':
      return 'SERVFAIL';
    case 'Operation timed out':
      return 'timeout';
    case 'Operation refused':
      return 'REFUSED';
    case 'Format error':
      return 'FORMERR';
    case 'Unimplemented':
      return 'NOTIMP';
    default:
      return text ?? 'unknown';
  }
}

/**
 * Recognise one nginx message. Returns null for messages that carry no 502 evidence (client-side, informational).
 * `recognised` tells whether the text is an nginx message at all.
 */
export function recogniseNginxMessage(p: NginxMessageParts): NginxMessage | null {
  for (const rule of RULES) {
    const m = rule.re.exec(p.text);
    if (m) {
      const r = rule.map(m, p);
      if (r) return r;
    }
  }
  return null;
}

/** Normalise an nginx `upstream: "..."` value to "host:port" or "unix:/path". */
export function normaliseUpstream(raw: string): string {
  let s = raw;
  const scheme = /^[a-z0-9+]+:\/\//i.exec(s);
  if (scheme) s = s.slice(scheme[0].length);
  if (s.startsWith('unix:')) {
    // "unix:/run/php/php-fpm.sock:/index.php" → "unix:/run/php/php-fpm.sock"
    const rest = s.slice(5);
    const sep = rest.indexOf(':');
    return `unix:${sep === -1 ? rest : rest.slice(0, sep)}`;
  }
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    const after = s.slice(close + 1);
    const port = /^:(\d+)/.exec(after);
    return `${s.slice(0, close + 1)}${port ? `:${port[1]}` : ''}`;
  }
  const slash = s.indexOf('/');
  if (slash !== -1) s = s.slice(0, slash);
  return s;
}
