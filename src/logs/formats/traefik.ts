/**
 * Traefik's logs: the access log in its CLF layout (combined plus request count, router name, server URL and
 * duration) and in JSON (DownstreamStatus, OriginStatus, ServiceURL...), and the general log's lines that say
 * why a request failed ("'502 Bad Gateway' caused by: <Go error>" in v1/v2, "502 Bad Gateway error=..." in
 * v3), written at DEBUG level (v3 logs TLS configuration errors at ERROR). Status mapping, from
 * pkg/proxy/httputil/proxy.go ComputeStatusCode: io.EOF and other net errors → 502, net timeouts → 504,
 * anything else (x509 verification included) → 500. Field names: docs/content/observability/access-logs.md.
 */
import type { Fact } from '../../evidence/facts.js';
import { normaliseUpstream } from '../messages/nginx.js';
import { parseClfTime, parseIsoTime } from '../time.js';
import { splitRequest } from './access-fields.js';
import { goErrorMeaning } from './caddy.js';
import { innerLine } from './envelope.js';
import type { AccessRecord, LogFormat, ParseContext } from './types.js';

// <client> - <user> [<time>] "<request>" <status> <size> "<referrer>" "<agent>" <count> "<router>" "<url>" <ms>ms
// (router and URL are sometimes bare "-", traefik/traefik#6481).
const CLF = /^(\S+) \S+ \S+ \[(\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "([^"]*)" (\d{3}) (\d+|-) "[^"]*" "[^"]*" (\d+) ("[^"]*"|-) ("[^"]*"|-) (\d+)ms\s*$/;
// v1/v2 (logrus): "'502 Bad Gateway' caused by: <error>", in text (msg="...") or JSON ("msg":"...").
const CAUSED = /'(\d{3}) ([A-Za-z][A-Za-z -]*)' caused by: (.*)$/;
// v3 (zerolog console): "<time> DBG <caller> > 502 Bad Gateway error=\"<error>\"".
const V3 = /^(?:(\S+) )?(?:DBG|ERR|WRN|INF) (?:\S+\.go:\d+ )?> (\d{3}) ([A-Za-z][A-Za-z -]*?) error="((?:[^"\\]|\\.)*)"/;
const LOGRUS_TIME = /\btime="([^"]+)"/;

/** Go's http.StatusText: Traefik writes it as the whole body of the errors it makes itself. */
const STATUS_TEXT: Record<number, string> = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

type Json = Record<string, unknown>;

function parseJson(line: string): Json | null {
  const s = line.trim();
  if (!s.startsWith('{') || !s.endsWith('}')) return null;
  try {
    const v: unknown = JSON.parse(s);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' && v !== '-' ? v : undefined);

function ref(ctx: ParseContext, line: string): Fact['ref'] {
  return { source: 'log', file: ctx.file, line: ctx.lineNo, text: line };
}

interface Access {
  time: number | null;
  status: number;
  /** Who answered: Traefik itself (its status text as the whole body, or no origin status) or the upstream. */
  byTraefik: boolean;
  upstream?: string | undefined;
  method?: string | undefined;
  uri?: string | undefined;
  client?: string | undefined;
  host?: string | undefined;
  router?: string | undefined;
}

function emitAccess(a: Access, line: string, ctx: ParseContext): void {
  if (ctx.request && a.time !== null && a.status > 0) {
    const rec: AccessRecord = { time: a.time, status: a.status };
    if (a.uri) rec.path = a.uri.split('?')[0] ?? a.uri;
    if (a.upstream) rec.upstream = a.upstream;
    ctx.request(rec);
  }
  if (!(a.status >= 500 && a.status <= 599)) return;
  const f: Fact = { kind: a.byTraefik ? 'gateway-status' : 'app-status', producer: 'traefik-access', software: 'traefik', ref: ref(ctx, line), time: a.time, status: a.status };
  if (a.upstream) f.upstream = a.upstream;
  if (a.router) f.detail = `router ${a.router}`;
  const req: NonNullable<Fact['request']> = {};
  if (a.client) req.client = a.client;
  if (a.method) req.method = a.method;
  if (a.uri) req.uri = a.uri;
  if (a.host) req.host = a.host;
  f.request = req;
  ctx.emit(f);
}

function fromClf(m: RegExpExecArray): Access {
  const start = parseClfTime(m[2] ?? '');
  const status = Number(m[4]);
  const size = m[5] === '-' ? NaN : Number(m[5]);
  const unq = (s: string | undefined): string | undefined => text(s?.replace(/^"|"$/g, ''));
  const url = unq(m[8]);
  // The time is the request's start; the line is written when it ends.
  const a: Access = { time: Number.isNaN(start) ? null : start + Number(m[9]), status, byTraefik: size === STATUS_TEXT[status]?.length };
  Object.assign(a, splitRequest(m[3] ?? ''));
  a.client = m[1];
  a.router = unq(m[7]);
  if (url) a.upstream = normaliseUpstream(url);
  return a;
}

function serviceOf(o: Json): string | undefined {
  const addr = text(o.ServiceAddr);
  if (addr) return addr;
  const url = o.ServiceURL;
  if (typeof url === 'string') return text(url) ? normaliseUpstream(url) : undefined;
  if (url !== null && typeof url === 'object') return text((url as Json).Host);
  return undefined;
}

function fromJson(o: Json): Access | null {
  const status = num(o.DownstreamStatus);
  if (Number.isNaN(status)) return null;
  const origin = num(o.OriginStatus);
  const startText = text(o.StartUTC) ?? text(o.StartLocal);
  const start = startText ? parseIsoTime(startText) : NaN;
  const duration = num(o.Duration);
  const end = !Number.isNaN(start) ? start + (Number.isNaN(duration) ? 0 : Math.round(duration / 1e6)) : parseIsoTime(text(o.time) ?? '');
  // OriginStatus 0: Traefik answered without proxying. An unreachable server's 502/504 is written by the proxy's
  // error handler as the origin's answer, with the status text as body (traefik/traefik#13609).
  const byTraefik = !(origin > 0) || num(o.OriginContentSize) === STATUS_TEXT[origin]?.length;
  return {
    time: Number.isNaN(end) ? null : end,
    status,
    byTraefik,
    upstream: serviceOf(o),
    method: text(o.RequestMethod),
    uri: text(o.RequestPath),
    client: text(o.ClientHost),
    host: text(o.RequestHost),
    router: text(o.RouterName),
  };
}

/** A general-log line naming why a request failed: its status, the Go error, and its time when written. */
function causeOf(line: string): { status: number; error: string; time: number | null } | null {
  const o = line.startsWith('{') ? parseJson(line) : null;
  if (o) {
    const msg = text(o.msg) ?? text(o.message) ?? '';
    const t = parseIsoTime(text(o.time) ?? '');
    const c = CAUSED.exec(msg);
    if (c) return { status: Number(c[1]), error: c[3] ?? '', time: Number.isNaN(t) ? null : t };
    // v3 JSON: {"level":"debug","error":"...","message":"502 Bad Gateway"}.
    const v3 = /^(\d{3}) [A-Za-z ]+$/.exec(msg);
    const err = text(o.error);
    return v3 && err ? { status: Number(v3[1]), error: err, time: Number.isNaN(t) ? null : t } : null;
  }
  const v3 = V3.exec(line);
  if (v3) {
    const t = v3[1] ? parseIsoTime(v3[1]) : NaN;
    return { status: Number(v3[2]), error: (v3[4] ?? '').replace(/\\(.)/g, '$1'), time: Number.isNaN(t) ? null : t };
  }
  const c = CAUSED.exec(line);
  if (!c) return null;
  // logrus text: the message is quoted (msg="..."), so the error ends before the closing quote.
  const quoted = /\bmsg="'/.test(line);
  const raw = c[3] ?? '';
  const error = quoted ? (/^((?:[^"\\]|\\.)*)/.exec(raw)?.[1] ?? raw).replace(/\\(.)/g, '$1') : raw.trim();
  const lt = LOGRUS_TIME.exec(line);
  const t = lt?.[1] ? parseIsoTime(lt[1]) : NaN;
  return { status: Number(c[1]), error, time: Number.isNaN(t) ? null : t };
}

function emitCause(c: { status: number; error: string; time: number | null }, line: string, ctx: ParseContext): void {
  // Through a forward proxy (HTTPS_PROXY) Go prefixes the error; an IP without SAN is a name mismatch.
  const err = c.error.replace(/^proxyconnect tcp: /, '');
  const m = /doesn't contain any IP SANs/.test(err) ? { kind: 'tls-name-mismatch' as const, stage: 'tls' as const, detail: err } : goErrorMeaning(err);
  // The client went away (context canceled, "client disconnected"): nothing failed upstream.
  if (!m) return;
  const f: Fact = { kind: m.kind, producer: 'traefik', software: 'traefik', ref: ref(ctx, line), time: c.time, status: c.status, detail: m.detail };
  if (m.stage) f.stage = m.stage;
  if (m.errno) f.errno = m.errno;
  if (m.upstream) f.upstream = normaliseUpstream(m.upstream);
  ctx.emit(f);
}

/** Lines may come inside a container runtime's envelope (docker compose, kubectl, journald). */
const bare = innerLine;

export const traefikLog: LogFormat = {
  id: 'traefik',
  title: 'Traefik access log (CLF and JSON) and the general log\'s proxy errors',
  software: 'traefik',
  role: 'access',
  sniff(line) {
    const l = bare(line);
    if (CLF.test(l)) return 0.95;
    const o = l.startsWith('{') ? parseJson(l) : null;
    if (o) return 'DownstreamStatus' in o && 'RequestMethod' in o ? 0.95 : causeOf(l) ? 0.8 : 0;
    return causeOf(l) ? 0.8 : 0;
  },
  parse(line, ctx) {
    const l = bare(line);
    const clf = CLF.exec(l);
    if (clf) {
      emitAccess(fromClf(clf), line, ctx);
      return true;
    }
    const o = l.startsWith('{') ? parseJson(l) : null;
    const acc = o && 'DownstreamStatus' in o ? fromJson(o) : null;
    if (acc) {
      emitAccess(acc, line, ctx);
      return true;
    }
    const c = causeOf(l);
    if (!c) return false;
    emitCause(c, line, ctx);
    return true;
  },
  samples: [
    {
      line: '10.255.0.2 - - [02/Oct/2019:02:47:34 +0000] "GET /portainer HTTP/1.1" 504 15 "-" "-" 2 "portainer@docker" "http://10.255.0.141:9000" 29970ms',
      source: 'https://github.com/mottati/traefik-swarm/blob/HEAD/traefik.access.log (Traefik 2.0.1, swarm service on a network Traefik cannot reach)',
      expect: { kind: 'gateway-status', status: 504, upstream: '10.255.0.141:9000', time: '2019-10-02T02:48:03.970Z' },
    },
    {
      line: '10.255.0.2 - - [02/Oct/2019:02:47:34 +0000] "GET /influxdb/query?q=SHOW%20DATABASES HTTP/1.1" 200 109 "-" "-" 1 "influxdb@docker" "http://10.0.10.158:8086" 6ms',
      source: 'https://github.com/mottati/traefik-swarm/blob/HEAD/traefik.access.log (Traefik 2.0.1, a request answered normally)',
      expect: null,
    },
    {
      line: '10.0.0.2 - - [21/Apr/2023:10:00:11 +0000] "GET / HTTP/2.0" 499 21 "-" "-" 5073 "psitransfer-https@docker" "http://10.0.3.3:3000" 19561ms',
      source: 'https://github.com/psi-4ward/psitransfer/issues/269 (the client gave up: 499, no upstream evidence)',
      expect: null,
    },
    {
      line: '{"ClientAddr":"127.0.0.1:54656","ClientHost":"127.0.0.1","ClientPort":"54656","ClientUsername":"-","DownstreamContentSize":11,"DownstreamStatus":502,"Duration":16929825,"OriginContentSize":11,"OriginDuration":16887597,"OriginStatus":502,"Overhead":42228,"RequestAddr":"reverse-proxy-2.local:8443","RequestContentSize":0,"RequestCount":2,"RequestHost":"reverse-proxy-2.local","RequestMethod":"GET","RequestPath":"/","RequestPort":"8443","RequestProtocol":"HTTP/2.0","RequestScheme":"https","RetryAttempts":0,"RouterName":"reverse-proxy-2@file","ServiceAddr":"third-party.local:8002","ServiceName":"third-party-2@file","ServiceURL":{"Scheme":"https","Opaque":"","User":null,"Host":"third-party.local:8002","Path":"","RawPath":"","OmitHost":false,"ForceQuery":false,"RawQuery":"","Fragment":"","RawFragment":""},"StartLocal":"2024-02-01T13:32:16.148909041+01:00","StartUTC":"2024-02-01T12:32:16.148909041Z","TLSCipher":"TLS_AES_128_GCM_SHA256","TLSVersion":"1.3","entryPointName":"webSecure","level":"info","msg":"","time":"2024-02-01T13:32:16+01:00"}',
      source: 'https://github.com/traefik/traefik/issues/10403 (Traefik v2 JSON access log; the paste wraps the line inside "info", rejoined)',
      expect: { kind: 'gateway-status', status: 502, upstream: 'third-party.local:8002', time: '2024-02-01T12:32:16.165Z' },
    },
    {
      line: '{"level":"debug","msg":"\'502 Bad Gateway\' caused by: proxyconnect tcp: tls: failed to verify certificate: x509: certificate is valid for forward-proxy.local, not third-party.local","time":"2024-02-01T13:32:16+01:00"}',
      source: 'https://github.com/traefik/traefik/issues/10403 (Traefik v2 JSON general log, request sent through an HTTPS_PROXY)',
      expect: { kind: 'tls-name-mismatch', stage: 'tls', status: 502, time: '2024-02-01T12:32:16Z' },
    },
    {
      line: 'level=debug msg="\'502 Bad Gateway\' caused by: dial tcp 10.244.0.146:5000: connect: connection refused"',
      source: 'https://github.com/traefik/traefik/issues/7102 (the reporter quoted it without time=)',
      expect: { kind: 'connect-failed', stage: 'connect', errno: 'ECONNREFUSED', status: 502, upstream: '10.244.0.146:5000' },
    },
    {
      line: 'time="2018-12-16T15:00:25Z" level=debug msg="\'504 Gateway Timeout\' caused by: dial tcp 172.24.0.2:80: i/o timeout"',
      source: 'https://github.com/traefik/traefik/issues/4297 (container on a Docker network Traefik is not attached to)',
      expect: { kind: 'timeout', stage: 'connect', errno: 'ETIMEDOUT', status: 504, upstream: '172.24.0.2:80', time: '2018-12-16T15:00:25Z' },
    },
    {
      line: 'time="2018-07-17T03:57:54Z" level=debug msg="\'502 Bad Gateway\' caused by: EOF"',
      source: 'https://github.com/traefik/traefik/issues/3237 (the backend closed a kept-alive connection without answering)',
      expect: { kind: 'upstream-closed', stage: 'header', status: 502, time: '2018-07-17T03:57:54Z' },
    },
    {
      line: '2025-02-28T14:19:02Z DBG github.com/traefik/traefik/v3/pkg/proxy/httputil/proxy.go:117 > 500 Internal Server Error error="tls: failed to verify certificate: x509: certificate signed by unknown authority"',
      source: 'https://github.com/traefik/traefik/issues/11580 (Traefik 3.3.3: a backend certificate it cannot verify gives 500, not 502)',
      expect: { kind: 'tls-cert-untrusted', stage: 'tls', status: 500, time: '2025-02-28T14:19:02Z' },
    },
    {
      line: '2024-11-20T16:01:41Z DBG github.com/traefik/traefik/v3/pkg/proxy/httputil/proxy.go:113 > 500 Internal Server Error error="tls: failed to verify certificate: x509: cannot validate certificate for 10.100.1.100 because it doesn\'t contain any IP SANs"',
      source: 'https://github.com/traefik/traefik/issues/11292 (self-signed backend certificate without an IP SAN)',
      expect: { kind: 'tls-name-mismatch', stage: 'tls', status: 500 },
    },
    {
      line: '\'502 Bad Gateway\' caused by: readfrom tcp 10.11.100.164:56118->10.11.125.155:80: client disconnected',
      source: 'https://github.com/traefik/traefik/issues/11538 (the issue title is the message; the client went away, nothing failed upstream)',
      expect: null,
    },
  ],
};
