/**
 * Envoy and Istio access logs: Envoy's default text format (and the common variants that add
 * %RESPONSE_CODE_DETAILS% after the flags), Istio's default text format, and JSON lines (Istio's
 * `accessLogEncoding: JSON` and hand-made JSON formats with the same names). The mechanism comes from
 * %RESPONSE_CODE_DETAILS% when logged, else from %RESPONSE_FLAGS%: Envoy answers 503 for connect failures (UF),
 * resets and terminations (UR, UC), 502 only for upstream protocol errors (UPE), 504 for timeouts (UT).
 * Field layout: envoy docs/root/configuration/observability/access_log/usage.rst (default format string).
 */
import type { Fact, FactKind, Stage, ErrnoCode } from '../../evidence/facts.js';
import { normaliseUpstream } from '../messages/nginx.js';
import { envoyDetails, envoyFlags } from '../messages/tokens.js';
import { parseIsoTime } from '../time.js';
import { innerLine } from './envelope.js';
import type { AccessRecord, LogFormat, ParseContext, ScanFormat } from './types.js';

const ISO = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?`;
const FLAGS = String.raw`-|[A-Z]{2,5}(?:,[A-Z]{2,5})*`;
// [START] "METHOD PATH PROTOCOL" CODE FLAGS: the start of every Envoy/Istio text line (pasted lines may lack
// the time or the opening quote).
const HEAD = String.raw`^(?:\[(${ISO})\] )?"?([A-Z]+|-) (\S+) (HTTP\/[\d.]+|-)" (\d{1,3}) (${FLAGS})`;
// Then: up to two bare tokens (%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%), up to two quoted
// ones (Istio's "%UPSTREAM_TRANSPORT_FAILURE_REASON%", older Istio's mixer status), RX TX DURATION
// UPSTREAM-SERVICE-TIME "XFF" "UA" "REQUEST-ID" "AUTHORITY" "UPSTREAM-HOST", and Istio's unquoted tail.
const TEXT = new RegExp(`${HEAD}((?: [a-z_][^\\s"]*| -){0,2})((?: "[^"]*"){0,2}) (\\d+) (\\d+) (\\d+) (\\d+|-) "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)"(.*)$`);
// A line cut after its flags or quoted failure reason (documentation excerpts, terminals): enough to judge it.
const CUT = new RegExp(`${HEAD}((?: [a-z_][^\\s"]*| -){0,2})((?: "[^"]*"){0,2})\\s*$`);

/** What one access record says, whatever its encoding. */
interface EnvoyRecord {
  start: number | null;
  durationMs: number;
  method?: string;
  path?: string;
  status: number;
  flags: string;
  details?: string;
  transportFailure?: string;
  upstreamServiceTime?: string;
  requestId?: string;
  authority?: string;
  upstreamHost?: string;
  downstream?: string;
  /** TCP proxy records ("- - -"): no HTTP status, the flags alone tell. */
  tcp: boolean;
}

interface Meaning {
  kind: FactKind;
  stage?: Stage;
  errno?: ErrnoCode;
  detail: string;
}

const dash = (s: string | undefined): string | undefined => (s === undefined || s === '-' || s === '' ? undefined : s);

/** The host of "10.0.0.1:4242" or "[::1]:4242", as nginx logs a client. */
function hostOnly(addr: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(addr);
  if (v6) return v6[1] ?? addr;
  const v4 = /^([^:]+):\d+$/.exec(addr);
  return v4?.[1] ?? addr;
}

/** What %UPSTREAM_TRANSPORT_FAILURE_REASON% says (Istio logs it quoted, "TLS error: ..."). */
function transportMeaning(reason: string): Meaning | null {
  if (!/TLS|SSL|certificate|Secret/i.test(reason)) return null;
  if (/CERTIFICATE_VERIFY_FAILED/i.test(reason)) return { kind: 'tls-cert-untrusted', stage: 'tls', detail: reason };
  return { kind: 'tls-handshake-failed', stage: 'tls', detail: reason };
}

/** The failure a record names, most precise source first: transport reason, details, flags. */
function meaningOf(r: EnvoyRecord): Meaning | null {
  const tls = r.transportFailure ? transportMeaning(r.transportFailure) : null;
  if (tls) return tls;
  const d = r.details ? envoyDetails(r.details) : null;
  if (d && d.kind !== 'app-status') {
    const m: Meaning = { kind: d.kind, detail: d.detail };
    if (d.stage) m.stage = d.stage;
    if (d.errno) m.errno = d.errno;
    return m;
  }
  const f = envoyFlags(r.flags);
  if (f) {
    const m: Meaning = { kind: f.kind, detail: r.details ? `envoy ${r.flags} ${r.details}` : `envoy ${r.flags}` };
    if (f.stage) m.stage = f.stage;
    return m;
  }
  if (r.status < 500) return null;
  // No failure named: the upstream's own answer (via_upstream, no flag at all, or an upstream service time)
  // or Envoy's (a flag such as NR, NC, UAEX, URX that names no upstream failure).
  const measured = r.upstreamServiceTime !== undefined && /^\d+$/.test(r.upstreamServiceTime);
  const passed = d?.kind === 'app-status' || (r.details === undefined && (r.flags === '-' || measured));
  return { kind: passed ? 'app-status' : 'gateway-status', detail: r.details ? `envoy ${r.flags} ${r.details}` : `envoy ${r.flags}` };
}

function fromText(m: RegExpExecArray, full: boolean): EnvoyRecord {
  const start = m[1] ? parseIsoTime(m[1]) : NaN;
  const bare = (m[7] ?? '').trim().split(' ').filter((x) => x !== '');
  const quoted = [...(m[8] ?? '').matchAll(/"([^"]*)"/g)].map((q) => q[1] ?? '').filter((q) => q !== '-' && q !== '');
  const r: EnvoyRecord = {
    start: Number.isNaN(start) ? null : start,
    durationMs: full ? Number(m[11]) : 0,
    status: Number(m[5]),
    flags: m[6] ?? '-',
    tcp: m[2] === '-' && m[3] === '-',
  };
  const method = dash(m[2]);
  if (method) r.method = method;
  const path = dash(m[3]);
  if (path) r.path = path;
  const details = dash(bare[0]);
  if (details) r.details = details;
  const tf = quoted[quoted.length - 1];
  if (tf) r.transportFailure = tf;
  if (!full) return r;
  const ust = dash(m[12]);
  if (ust) r.upstreamServiceTime = ust;
  const id = dash(m[15]);
  if (id) r.requestId = id;
  const authority = dash(m[16]);
  if (authority) r.authority = authority;
  const upstream = dash(m[17]);
  if (upstream) r.upstreamHost = upstream;
  // Istio's tail: UPSTREAM_CLUSTER UPSTREAM_LOCAL DOWNSTREAM_LOCAL DOWNSTREAM_REMOTE SNI ROUTE.
  const tail = (m[18] ?? '').trim().split(' ');
  const remote = dash(tail.length >= 4 ? tail[3] : undefined);
  if (remote) r.downstream = remote;
  return r;
}

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function parseJson(line: string): Json | null {
  const s = line.trim();
  if (!s.startsWith('{') || !s.includes('"response_flags"')) return null;
  try {
    const v: unknown = JSON.parse(s);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}

/** Istio's JSON names, and the nested `upstream.host` some hand-made formats use. */
function fromJson(o: Json): EnvoyRecord | null {
  const status = Number(str(o.response_code));
  if (!Number.isInteger(status)) return null;
  const startText = str(o.start_time);
  const start = startText ? parseIsoTime(startText) : NaN;
  const up = o.upstream !== null && typeof o.upstream === 'object' ? (o.upstream as Json) : undefined;
  const r: EnvoyRecord = {
    start: Number.isNaN(start) ? null : start,
    durationMs: Number(str(o.duration)) || 0,
    status,
    flags: str(o.response_flags) ?? '-',
    tcp: dash(str(o.method)) === undefined && dash(str(o.path)) === undefined,
  };
  const set = <K extends keyof EnvoyRecord>(k: K, v: EnvoyRecord[K] | undefined): void => {
    if (v !== undefined) r[k] = v;
  };
  set('method', dash(str(o.method)));
  set('path', dash(str(o.path)));
  set('details', dash(str(o.response_code_details)));
  set('transportFailure', dash(str(o.upstream_transport_failure_reason)));
  set('upstreamServiceTime', dash(str(o.upstream_service_time)));
  set('requestId', dash(str(o.request_id) ?? str(o.x_request_id) ?? str(o.id)));
  set('authority', dash(str(o.authority)));
  set('upstreamHost', dash(str(o.upstream_host) ?? str(up?.host)));
  set('downstream', dash(str(o.downstream_remote_address) ?? str(o.remote_addr)));
  return r;
}

function emit(r: EnvoyRecord, line: string, ctx: ParseContext): void {
  // Envoy logs when the stream ends: the start time plus its duration.
  const time = r.start === null ? null : r.start + r.durationMs;
  const upstream = r.upstreamHost ? normaliseUpstream(r.upstreamHost) : undefined;
  if (ctx.request && time !== null && r.status > 0) {
    const rec: AccessRecord = { time, status: r.status };
    if (r.path) rec.path = r.path.split('?')[0] ?? r.path;
    if (upstream) rec.upstream = upstream;
    ctx.request(rec);
  }
  const m = meaningOf(r);
  if (!m) return;
  // An error status, a body cut after a 200, or a TCP session that never reached its upstream.
  if (!(r.status >= 500 || m.stage === 'body' || (r.status === 0 && r.tcp && m.kind !== 'app-status' && m.kind !== 'gateway-status'))) return;
  const f: Fact = { kind: m.kind, producer: 'envoy-access', software: 'envoy', ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line }, time, detail: m.detail };
  if (m.stage) f.stage = m.stage;
  if (m.errno) f.errno = m.errno;
  if (r.status > 0) f.status = r.status;
  if (upstream) f.upstream = upstream;
  const req: NonNullable<Fact['request']> = {};
  if (r.downstream) req.client = hostOnly(r.downstream);
  if (r.method) req.method = r.method;
  if (r.path) req.uri = r.path;
  if (r.authority) req.host = r.authority;
  if (r.requestId) req.id = r.requestId;
  f.request = req;
  ctx.emit(f);
}

/** The line, or the line inside a `docker compose logs -t` / kubectl envelope, as a record. */
function recordOf(line: string): EnvoyRecord | null {
  for (const text of candidates(line)) {
    const t = TEXT.exec(text);
    if (t) return fromText(t, true);
    const o = parseJson(text);
    if (o) return fromJson(o);
    const c = CUT.exec(text);
    // A cut line is taken only when its flags say something: "200 -" alone is any access log.
    if (c && c[6] !== '-') return fromText(c, false);
  }
  return null;
}

function candidates(line: string): string[] {
  if (!line.includes('"')) return [];
  const inner = innerLine(line);
  return inner !== line ? [line, inner] : [line];
}

// Lines worth parsing in a large log: a 5xx (text `" 5`, JSON "response_code":5 / "5"), or an upstream failure
// flag on any status (status 0, a body cut after 200): Envoy's upstream flags all start with U. Each needle is
// one pass over the data, so a file gets the set for its encoding (compact JSON as Envoy writes it).
const TEXT_NEEDLES = ['" 5', '" 0 U', ' 200 U'].map((n) => Buffer.from(n));
const JSON_NEEDLES = ['"response_flags":"U', '"response_code":5', '"response_code":"5'].map((n) => Buffer.from(n));

/** Envoy's access log read by scanning (see ScanFormat): times carry their zone, so the zone is not needed. */
export function envoyScanFormat(json: boolean): ScanFormat {
  const f: ScanFormat = {
    ...envoyAccessLog,
    needles: json ? JSON_NEEDLES : TEXT_NEEDLES,
    recipe: { kind: 'envoy', json },
    timeOf(line) {
      const iso = /^\[([^\]]+)\]|"start_time": ?"([^"]+)"/.exec(line);
      const t = iso ? parseIsoTime(iso[1] ?? iso[2] ?? '') : NaN;
      return t;
    },
    withZone: () => f,
  };
  return f;
}

export const envoyAccessLog: LogFormat = {
  id: 'envoy',
  title: 'Envoy / Istio access log (default text format, Istio text format, JSON)',
  software: 'envoy',
  role: 'access',
  sniff(line) {
    for (const text of candidates(line)) {
      if (TEXT.test(text) || parseJson(text)) return 0.95;
      const c = CUT.exec(text);
      if (c && c[6] !== '-') return 0.6;
    }
    return 0;
  },
  scanner: (head) => envoyScanFormat(head.every((l) => l.startsWith('{"') && l.includes('"response_code":'))),
  parse(line, ctx) {
    const r = recordOf(line);
    if (!r) return false;
    emit(r, line, ctx);
    return true;
  },
  samples: [
    {
      line: 'envoy-1         | 2024-07-20T07:05:58.670998585Z [2024-07-20T07:05:54.173Z] "GET /gateway-timeout?delayMs=5000 HTTP/1.1" 504 UT response_timeout 0 24 4497 - "-" "curl/8.4.0" "6d67d674-2122-4a2d-b172-0be70c674371" "localhost:8000" "172.27.0.2:8080"',
      source: 'https://github.com/renuka-fernando/examples/blob/HEAD/envoy/simple/README.md (lab: default format + %RESPONSE_CODE_DETAILS%, docker compose logs -t prefix)',
      expect: { kind: 'timeout', stage: 'header', status: 504, upstream: '172.27.0.2:8080', time: '2024-07-20T07:05:58.670Z' },
    },
    {
      line: 'envoy-1         | 2024-07-20T07:06:24.756083556Z [2024-07-20T07:06:24.729Z] "GET /no-healthy-upstream HTTP/1.1" 503 UH no_healthy_upstream 0 19 0 - "-" "curl/8.4.0" "2f22e5c6-2387-49b8-96c4-7b3a1678dbb0" "localhost:8000" "-"',
      source: 'https://github.com/renuka-fernando/examples/blob/HEAD/envoy/simple/README.md (lab: every host failed health checks)',
      expect: { kind: 'no-live-upstreams', status: 503, time: '2024-07-20T07:06:24.729Z' },
    },
    {
      line: 'envoy-1         | 2024-07-20T07:09:48.471209278Z [2024-07-20T07:09:48.470Z] "GET /upstream-connection-failure HTTP/1.1" 503 UF upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111} 0 145 0 - "-" "curl/8.4.0" "44898dba-8d8e-48f4-93f7-23e4b4c592c0" "localhost:8000" "172.28.0.2:801"',
      source: 'https://github.com/renuka-fernando/examples/blob/HEAD/envoy/simple/README.md (lab: wrong upstream port, connection refused)',
      expect: { kind: 'connect-failed', stage: 'connect', errno: 'ECONNREFUSED', status: 503, upstream: '172.28.0.2:801' },
    },
    {
      line: 'envoy-1         | 2024-07-20T07:32:21.520419507Z [2024-07-20T07:32:21.519Z] "GET /upstream-service-overflow?delayMs=5000 HTTP/1.1" 503 UO upstream_reset_before_response_started{overflow} 0 81 0 - "-" "curl/8.4.0" "c414b70a-7c85-4f78-9c35-2ce2b9131aa3" "localhost:8000" "172.31.0.3:8080"',
      source: 'https://github.com/renuka-fernando/examples/blob/HEAD/envoy/simple/README.md (lab: circuit breaker max_requests)',
      expect: { kind: 'proxy-resource', status: 503, upstream: '172.31.0.3:8080' },
    },
    {
      line: 'envoy-1         | 2024-07-20T07:38:15.900226551Z [2024-07-20T07:38:15.899Z] "GET /no-upstream-cluster HTTP/1.1" 503 NC cluster_not_found 0 0 0 - "-" "curl/8.4.0" "8a23b89d-1dcd-4f5c-ae55-58e79d74d8ca" "localhost:8000" "-"',
      source: 'https://github.com/renuka-fernando/examples/blob/HEAD/envoy/simple/README.md (lab: the route names a cluster that does not exist)',
      expect: { kind: 'gateway-status', status: 503, detail: 'envoy NC cluster_not_found' },
    },
    {
      line: 'envoy-1         | 2024-07-20T07:23:59.593171059Z [2024-07-20T07:23:58.586Z] "GET /upstream-connection-failure/after-response HTTP/1.1" 200 UPE upstream_reset_after_response_started{protocol_error} 0 19 1006 0 "-" "curl/8.4.0" "84ef2354-e85c-4e90-bc6e-bb81d5dc70e8" "localhost:8000" "192.168.5.2:8080"',
      source: 'https://github.com/renuka-fernando/examples/blob/HEAD/envoy/simple/README.md (lab: protocol error after the response began; status stays 200)',
      expect: { kind: 'invalid-response', stage: 'body', status: 200, upstream: '192.168.5.2:8080' },
    },
    {
      line: 'envoy-1         | 2024-07-20T07:45:34.917997010Z [2024-07-20T07:45:34.828Z] "GET /upstream-retry-exceeds?statusCode=500 HTTP/1.1" 500 URX via_upstream 0 680 59 59 "-" "curl/8.4.0" "0df38f52-08eb-4b67-a097-ece7427c7238" "localhost:8000" "192.168.48.2:8080"',
      source: 'https://github.com/renuka-fernando/examples/blob/HEAD/envoy/simple/README.md (lab: the upstream\'s own 500 after retries)',
      expect: { kind: 'app-status', status: 500, upstream: '192.168.48.2:8080' },
    },
    {
      line: 'envoy-1         | 2024-07-20T07:32:26.551823467Z [2024-07-20T07:32:21.516Z] "GET /upstream-service-overflow?delayMs=5000 HTTP/1.1" 200 - via_upstream 0 682 5002 5001 "-" "curl/8.4.0" "dcf9d063-610a-4f11-96db-db890542d64a" "localhost:8000" "172.31.0.3:8080"',
      source: 'https://github.com/renuka-fernando/examples/blob/HEAD/envoy/simple/README.md (lab: a request answered normally)',
      expect: null,
    },
    {
      line: '"GET /v1/status HTTP/1.1" 503 UC upstream_reset_before_response_started{connection_termination} - "-" 0 95 0 - "10.90.16.220" "Apache-HttpClient/4.5.1 (Java/1.8.0_372)" "3a7cbcc1-af72-47fb-bbac-a7672951f50f" "health.abc.com" "10.80.47.192:8181" outbound|80||health-api.production.svc.cluster.local 10.80.45.233:37132 10.80.45.233:80 10.80.46.220:59375 - -',
      source: 'https://github.com/istio/istio/issues/45802 (Istio text format, pasted without its time)',
      expect: { kind: 'reused-connection-failed', status: 503, upstream: '10.80.47.192:8181' },
    },
    {
      line: '[2022-04-24T12:23:37.047Z] "GET /wrong HTTP/1.1" 502 UPE upstream_reset_before_response_started{protocol_error} - "-" 0 87 1001 - "-" "curl/7.80.0" "3987a4cb-2e0e-4de6-af66-7e3447600c73" "http-chunked:8080" "10.244.0.17:8080" inbound|8080|| 127.0.0.6:39063 10.244.0.17:8080 10.244.0.14:35500 - default',
      source: 'https://github.com/mjasion/mjasion/blob/HEAD/content/posts/kubernetes/how-to-debug-istio-upstream-reset/index.md (lab: duplicate Transfer-Encoding header from the app)',
      expect: { kind: 'invalid-response', stage: 'header', status: 502, upstream: '10.244.0.17:8080', time: '2022-04-24T12:23:38.048Z' },
    },
    {
      line: '[2022-05-10T16:27:29.232Z] "POST /apis/hbtd/hmi/v1/heartbeat HTTP/2" 503 UF,URX "-" "TLS error: Secret is not supplied by SDS"',
      source: 'https://github.com/Cray-HPE/docs-csm/blob/HEAD/operations/kubernetes/Troubleshoot_Intermittent_503s.md (older Istio format; the document cuts the line after the transport failure reason)',
      expect: { kind: 'tls-handshake-failed', stage: 'tls', status: 503, detail: 'TLS error: Secret is not supplied by SDS' },
    },
    {
      line: 'POST /login HTTP/1.1" 503 UC 379 88 2704 - "12.12.24.13" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36" "ce3e0e1c-d2e5-4587-b65a-29d2f3f02207" "example.com" "11.11.4.94:3000"',
      source: 'https://github.com/projectcontour/contour/issues/6462 (Contour\'s Envoy, default format; the paste starts inside the request field)',
      expect: { kind: 'reused-connection-failed', status: 503, upstream: '11.11.4.94:3000' },
    },
    {
      line: '[2022-06-24T14:16:27.229Z] "POST /apis/hbtd/hmi/v1/heartbeat HTTP/2" 503 UAEX "-" 131 0 30 - "10.34.0.0" "-" "1797b0d3-56f0-4674-8cf2-a8a61f9adaea" "api-gw-service-nmn.local" "-" - - 10.40.0.29:443 10.34.0.0:15995 api-gw-service-nmn.local -',
      source: 'https://github.com/Cray-HPE/docs-csm/blob/HEAD/operations/kubernetes/Troubleshoot_Intermittent_503s.md (ext_authz service unavailable; Envoy answered without an upstream)',
      expect: { kind: 'gateway-status', status: 503, detail: 'envoy UAEX' },
    },
    {
      line: '{"duration":475,"response_flags":"UF","bytes_received":0,"remote_addr":"172.19.0.9","method":"GET","path":"/service03","user_agent":"curl/7.68.0","upstream":{"duration":null,"service":"service03","host":"172.19.0.2:8000"},"protocol":"HTTP/1.1","id":"bdc55196-1c65-4054-bc5c-f7450a781b26","response_code_details":"upstream_reset_before_response_started{connection_failure}","bytes_sent":91,"response_code":503,"source":"envoy","listener":"service","start_time":"2022-03-11T09:58:37.960+0000"}',
      source: 'https://github.com/envoyproxy/envoy/issues/20311 (hand-made typed JSON format)',
      expect: { kind: 'connect-failed', stage: 'connect', status: 503, upstream: '172.19.0.2:8000', time: '2022-03-11T09:58:38.435Z' },
    },
    {
      line: '{"upstream_local_address":"-","duration":"94","downstream_local_address":"10.24.11.20:443","upstream_transport_failure_reason":"-","route_name":"-","response_code":"503","user_agent":"GoogleStackdriverMonitoring-UptimeChecks(https://cloud.google.com/monitoring)","response_flags":"URX","start_time":"2020-01-21T14:53:45.548Z","method":"GET","request_id":"a3f7c112-2ae1-4494-be7f-e5248fbbe530","upstream_host":"10.24.11.30:5005","x_forwarded_for":"XXX.XXX.XXX.XXX","requested_server_name":"api.agilicus.com","bytes_received":"0","istio_policy_status":"-","bytes_sent":"0","upstream_cluster":"outbound|5005||v1-tokens.api.svc.cluster.local","downstream_remote_address":"XXX.XXX.XXX.XXX:38317","authority":"api.agilicus.com","path":"/v1/tokens/healthz","protocol":"HTTP/2","upstream_service_time":"-"}',
      source: 'https://github.com/istio/istio/issues/20362 (Istio JSON; retries exhausted, no upstream answer)',
      expect: { kind: 'gateway-status', status: 503, upstream: '10.24.11.30:5005', detail: 'envoy URX' },
    },
    {
      line: '{"duration":"0","downstream_local_address":"172.20.198.23:80","upstream_transport_failure_reason":"-","route_name":"-","response_code":"503","user_agent":"curl/7.29.0","response_flags":"NR","start_time":"2020-07-27T11:52:47.877Z","method":"GET","request_id":"168de523-4c9b-965a-870d-66d70a6e09e3","upstream_host":"-","x_forwarded_for":"-","requested_server_name":"-","bytes_received":"0","istio_policy_status":"-","bytes_sent":"0","upstream_cluster":"-","downstream_remote_address":"100.95.17.182:59330","authority":"app-1","path":"/http/verify","protocol":"HTTP/1.1","upstream_service_time":"-","upstream_local_address":"-"}',
      source: 'https://github.com/istio/istio/issues/25882 (Istio JSON; no route for the host, the sidecar answered 503)',
      expect: { kind: 'gateway-status', status: 503, detail: 'envoy NR', time: '2020-07-27T11:52:47.877Z' },
    },
    {
      line: '{"bytes_sent":"0","upstream_cluster":"outbound|7600||keycloak-headless.our_ns.svc.cluster.local","downstream_remote_address":"REDACTED_IP2:45621","authority":"-","path":"-","protocol":"-","upstream_service_time":"-","upstream_local_address":"-","duration":"10002","downstream_local_address":"REDACTED_IP1:7600","upstream_transport_failure_reason":"-","route_name":"-","response_code":"0","user_agent":"-","response_flags":"UF,URX","start_time":"2019-09-17T09:21:42.869Z","method":"-","request_id":"-","upstream_host":"REDACTED_IP1:7600","x_forwarded_for":"-","requested_server_name":"-","bytes_received":"0","istio_policy_status":"-"}',
      source: 'https://github.com/istio/istio/issues/17139 (Istio JSON, TCP proxy: connect attempts exhausted, no HTTP status)',
      expect: { kind: 'connect-failed', stage: 'connect', upstream: 'REDACTED_IP1:7600', time: '2019-09-17T09:21:52.871Z' },
    },
  ],
};
