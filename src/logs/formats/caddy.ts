/**
 * Caddy 2's JSON logs: the `http.log.error` line of a request its reverse_proxy failed (msg = Go's error text,
 * status 502/503/504), the access line ("handled request"), and reverse_proxy's own lines about a body cut
 * short. Error texts are Go's net, crypto/tls, crypto/x509 and net/http ones (Caddy's reverseproxy.go passes them on).
 */
import type { ErrnoCode, Fact, FactKind, Stage } from '../../evidence/facts.js';
import { errnoFromText } from '../../evidence/errno.js';
import { normaliseUpstream } from '../messages/nginx.js';
import { parseIsoTime } from '../time.js';
import type { AccessRecord, LogFormat, ParseContext } from './types.js';

interface CaddyLine {
  level?: string;
  ts?: number | string;
  logger?: string;
  msg?: string;
  error?: string;
  status?: number;
  duration?: number;
  request?: { remote_ip?: string; client_ip?: string; method?: string; host?: string; uri?: string };
  resp_headers?: Record<string, unknown>;
}

interface Meaning {
  kind: FactKind;
  stage?: Stage;
  errno?: ErrnoCode;
  upstream?: string;
  detail: string;
}

/** What Go's error text says about the exchange with the upstream. */
export function goErrorMeaning(text: string): Meaning | null {
  const t = text.replace(/^(?:dialing backend|making dial info): /, '');
  const lookup = /^dial (?:tcp|udp)\d?: lookup (\S+?)(?: on \S+)?: (.+)$/.exec(t);
  if (lookup) {
    const why = lookup[2] ?? '';
    const detail = /no such host/.test(why) ? 'NXDOMAIN' : /server misbehaving/.test(why) ? 'SERVFAIL' : /i\/o timeout|timed out/.test(why) ? 'timeout' : why;
    return { kind: 'resolve-failed', stage: 'resolve', upstream: lookup[1] ?? '', detail };
  }
  const dial = /^dial (tcp|unix)\d? (\S+?): (?:connect: )?(.+)$/.exec(t);
  if (dial) {
    const upstream = dial[1] === 'unix' ? `unix:${dial[2] ?? ''}` : dial[2] ?? '';
    const why = dial[3] ?? '';
    if (/i\/o timeout|timed out/.test(why)) return { kind: 'timeout', stage: 'connect', errno: 'ETIMEDOUT', upstream, detail: why };
    const errno = errnoFromText(why);
    return { kind: 'connect-failed', stage: 'connect', ...(errno ? { errno } : {}), upstream, detail: why };
  }
  if (t === 'no upstreams available') return { kind: 'no-live-upstreams', detail: t };
  if (t === 'EOF' || t === 'unexpected EOF') return { kind: 'upstream-closed', stage: 'header', detail: t };
  const rd = /^(?:read|write) tcp \S+->(\S+): (?:read|write): (.+)$/.exec(t);
  if (rd) {
    const errno = errnoFromText(rd[2] ?? '');
    return { kind: errno === 'ETIMEDOUT' ? 'timeout' : 'upstream-reset', stage: 'header', ...(errno ? { errno } : {}), upstream: rd[1] ?? '', detail: rd[2] ?? '' };
  }
  if (/timeout awaiting response headers|context deadline exceeded/.test(t)) return { kind: 'timeout', stage: 'header', errno: 'ETIMEDOUT', detail: t };
  if (/^net\/http: HTTP\/1\.x transport connection broken: malformed|^malformed HTTP|malformed MIME header/.test(t)) return { kind: 'invalid-response', stage: 'header', detail: t };
  if (/x509: certificate has expired or is not yet valid/.test(t)) return { kind: 'tls-cert-expired', stage: 'tls', detail: t };
  if (/x509: certificate is valid for|x509: certificate is not valid for any names/.test(t)) return { kind: 'tls-name-mismatch', stage: 'tls', detail: t };
  if (/x509: /.test(t)) return { kind: 'tls-cert-untrusted', stage: 'tls', detail: t };
  if (/^(?:remote error: )?tls: /.test(t)) return { kind: 'tls-handshake-failed', stage: 'tls', detail: t };
  if (/^fcgi: invalid header version/.test(t)) return { kind: 'invalid-response', stage: 'header', detail: 'fastcgi-got-http' };
  if (/invalid byte in chunk length|chunked/.test(t)) return { kind: 'invalid-response', stage: 'body', detail: t };
  return null;
}

function timeOf(ts: number | string | undefined): number | null {
  if (typeof ts === 'number') return Math.round(ts * 1000);
  if (typeof ts === 'string') {
    const t = parseIsoTime(ts);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

function parseLine(line: string): CaddyLine | null {
  if (!line.startsWith('{"level":') && !line.startsWith('{"ts":')) return null;
  try {
    const v: unknown = JSON.parse(line);
    if (v === null || typeof v !== 'object') return null;
    const o = v as CaddyLine;
    return typeof o.msg === 'string' && (typeof o.ts === 'number' || typeof o.ts === 'string') ? o : null;
  } catch {
    return null;
  }
}

function base(kind: FactKind, ctx: ParseContext, line: string, time: number | null): Fact {
  return { kind, producer: 'caddy', software: 'caddy', ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line }, time };
}

function requestOf(o: CaddyLine): NonNullable<Fact['request']> | undefined {
  const r = o.request;
  if (!r) return undefined;
  const out: NonNullable<Fact['request']> = {};
  const client = r.client_ip ?? r.remote_ip;
  if (client) out.client = client;
  if (r.method) out.method = r.method;
  if (r.uri) out.uri = r.uri;
  if (r.host) out.host = r.host;
  return out;
}

export const caddyLog: LogFormat = {
  id: 'caddy',
  title: 'Caddy JSON log (reverse_proxy errors and access lines)',
  software: 'caddy',
  role: 'access',
  sniff(line) {
    const o = parseLine(line);
    return o && typeof o.logger === 'string' && /^(?:http|tls|admin|caddy)/.test(o.logger) ? 0.95 : o && o.logger === undefined && /byeee|shutting down|serving initial/.test(o.msg ?? '') ? 0.5 : 0;
  },
  parse(line: string, ctx: ParseContext) {
    const o = parseLine(line);
    if (!o) return false;
    const time = timeOf(o.ts);
    const logger = o.logger ?? '';
    const req = requestOf(o);
    if (logger.startsWith('http.log.access') && o.msg === 'handled request') {
      const status = typeof o.status === 'number' ? o.status : NaN;
      if (ctx.request && time !== null && !Number.isNaN(status)) {
        const rec: AccessRecord = { time, status };
        if (req?.uri) rec.path = req.uri.split('?')[0] ?? req.uri;
        ctx.request(rec);
      }
      if (!(status >= 500)) return true;
      // Caddy's own error responses carry only its Server header; a 5xx with the upstream's headers was passed through.
      const headers = Object.keys(o.resp_headers ?? {}).filter((h) => h !== 'Server');
      const f = base(headers.length > 0 ? 'app-status' : 'gateway-status', ctx, line, time);
      f.producer = 'caddy-access';
      f.status = status;
      if (req) f.request = req;
      ctx.emit(f);
      return true;
    }
    if (logger.startsWith('http.log.error') || logger === 'http.handlers.reverse_proxy') {
      const text = o.msg === 'reading from backend' || o.msg === 'aborting with incomplete response' ? o.error ?? '' : o.msg ?? '';
      if (o.msg === 'aborting with incomplete response') return true;
      const m = goErrorMeaning(text);
      if (!m) return true;
      // reverse_proxy's "reading from backend" comes after the header was sent: the body was cut or malformed.
      const stage = o.msg === 'reading from backend' ? 'body' : m.stage;
      const f = base(m.kind, ctx, line, time);
      f.detail = m.detail;
      if (stage) f.stage = stage;
      if (m.errno) f.errno = m.errno;
      if (m.upstream) f.upstream = normaliseUpstream(m.upstream);
      if (typeof o.status === 'number') f.status = o.status;
      if (req) f.request = req;
      if (time !== null && (f.kind === 'upstream-closed' || f.kind === 'upstream-reset') && stage === 'header') {
        // The request began (ts minus its duration) after the site's previous request: how long pooled connections idled.
        const idle = ctx.idleBefore?.(f.upstream ?? '', time - Math.round((o.duration ?? 0) * 1000));
        if (idle !== null && idle !== undefined) f.upstreamIdleMs = idle;
      }
      ctx.emit(f);
      return true;
    }
    // Caddy's other lines (start-up, TLS maintenance, admin) are recognised but say nothing about upstreams.
    return true;
  },
  samples: [
    {
      line: '{"level":"error","ts":1796135721.6857758,"logger":"http.log.error.log0","msg":"dial tcp 127.0.0.1:36339: connect: connection refused","request":{"remote_ip":"127.0.0.1","remote_port":"36652","proto":"HTTP/1.1","method":"GET","host":"127.0.0.1:37957","uri":"/","headers":{"Connection":["close"]}},"duration":0.000908805,"status":502,"err_id":"pzqdidjvv","err_trace":"reverseproxy.statusError (reverseproxy.go:1272)"}',
      source: 'lab: Caddy v2.6.2 (Debian 12 package), fault refuse',
      expect: { kind: 'connect-failed', errno: 'ECONNREFUSED', stage: 'connect', upstream: '127.0.0.1:36339', status: 502, time: '2026-12-01T14:35:21.686Z' },
    },
    {
      line: '{"level":"error","ts":1796135722.1587734,"logger":"http.log.error.log0","msg":"read tcp 127.0.0.1:51020->127.0.0.1:43407: read: connection reset by peer","request":{"remote_ip":"127.0.0.1","remote_port":"60906","proto":"HTTP/1.1","method":"GET","host":"127.0.0.1:42457","uri":"/","headers":{"Connection":["close"]}},"duration":0.002528401,"status":502,"err_id":"kggvxqehe","err_trace":"reverseproxy.statusError (reverseproxy.go:1272)"}',
      source: 'lab: Caddy v2.6.2 (Debian 12 package), fault reset-before-response',
      expect: { kind: 'upstream-reset', errno: 'ECONNRESET', stage: 'header', upstream: '127.0.0.1:43407' },
    },
    {
      line: '{"level":"error","ts":1796135724.7887926,"logger":"http.log.error.log0","msg":"net/http: timeout awaiting response headers","request":{"remote_ip":"127.0.0.1","remote_port":"51312","proto":"HTTP/1.1","method":"GET","host":"127.0.0.1:38297","uri":"/report","headers":{"Connection":["close"]}},"duration":1.001137996,"status":504,"err_id":"7gcf3hffn","err_trace":"reverseproxy.statusError (reverseproxy.go:1272)"}',
      source: 'lab: Caddy v2.6.2 (Debian 12 package), fault slow-headers (response_header_timeout 1s)',
      expect: { kind: 'timeout', stage: 'header', status: 504 },
    },
    {
      line: '{"level":"error","ts":1796135731.773341,"logger":"http.log.error.log0","msg":"x509: certificate has expired or is not yet valid: current time 2026-12-01T14:35:31Z is after 2026-10-27T14:35:31Z","request":{"remote_ip":"127.0.0.1","remote_port":"53852","proto":"HTTP/1.1","method":"GET","host":"127.0.0.1:34287","uri":"/","headers":{"Connection":["close"]}},"duration":0.005499863,"status":502,"err_id":"1uhqvvnr4","err_trace":"reverseproxy.statusError (reverseproxy.go:1272)"}',
      source: 'lab: Caddy v2.6.2 (Debian 12 package), fault tls-expired',
      expect: { kind: 'tls-cert-expired', stage: 'tls', status: 502 },
    },
    {
      line: '{"level":"error","ts":1796135800.9234712,"logger":"http.log.error.log0","msg":"dial tcp: lookup app.lab.invalid on 10.255.255.53:53: no such host","request":{"remote_ip":"127.0.0.1","remote_port":"36558","proto":"HTTP/1.1","method":"GET","host":"127.0.0.1:36699","uri":"/","headers":{"Connection":["close"]}},"duration":0.001651227,"status":502,"err_id":"h66x8ny7u","err_trace":"reverseproxy.statusError (reverseproxy.go:1272)"}',
      source: 'lab: Caddy v2.6.2 (Debian 12 package), fault dns-unresolvable',
      expect: { kind: 'resolve-failed', stage: 'resolve', upstream: 'app.lab.invalid', detail: 'NXDOMAIN' },
    },
    {
      line: '{"level":"error","ts":1796135722.6281476,"logger":"http.handlers.reverse_proxy","msg":"reading from backend","error":"unexpected EOF"}',
      source: 'lab: Caddy v2.6.2 (Debian 12 package), fault close-mid-body',
      expect: { kind: 'upstream-closed', stage: 'body' },
    },
    {
      line: '{"level":"error","ts":1796135797.6789567,"logger":"http.log.error.log0","msg":"dialing backend: dial unix /tmp/why502-lab-caddy-overload-U2fayM/php-fpm.sock: connect: resource temporarily unavailable","request":{"remote_ip":"127.0.0.1","remote_port":"36460","proto":"HTTP/1.1","method":"GET","host":"127.0.0.1:45959","uri":"/slow.php","headers":{"Connection":["close"]}},"duration":0.001564384,"status":502}',
      source: 'lab: Caddy v2.6.2 (Debian 12 package), fault overload (PHP-FPM backlog full; line shortened after status)',
      expect: { kind: 'connect-failed', errno: 'EAGAIN', upstream: 'unix:/tmp/why502-lab-caddy-overload-U2fayM/php-fpm.sock' },
    },
    {
      line: '{"level":"info","ts":1796135723.3115559,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"33576","proto":"HTTP/1.1","method":"GET","host":"127.0.0.1:37655","uri":"/","headers":{"Connection":["close"]}},"user_id":"","duration":0.001648902,"size":3,"status":200,"resp_headers":{"Server":["Caddy"]}}',
      source: 'lab: Caddy v2.6.2 (Debian 12 package), a request answered normally',
      expect: null,
    },
  ],
};
