/**
 * Cloudflare Logpush (and Logpull) `http_requests` records, one JSON object per line with the fields the job
 * selected: EdgeResponseStatus is what the visitor got, OriginResponseStatus what the origin answered (0: no
 * answer from it), OriginIP where the edge went. 52x and 530 are the edge's own errors (cdn-edge-error, the
 * code as detail, for the causes to name the mechanism); a 5xx the origin also answered is the origin's.
 * Timestamps come as RFC 3339, unix seconds or unix nanoseconds, as the job's `timestamps=` option says.
 * Fields: developers.cloudflare.com/logs/reference/log-fields/zone/http_requests/.
 */
import type { Fact } from '../../evidence/facts.js';
import { parseIsoTime } from '../time.js';
import type { AccessRecord, LogFormat, ParseContext } from './types.js';

type Json = Record<string, unknown>;

function parseRecord(line: string): Json | null {
  const s = line.trim();
  if (!s.startsWith('{') || !s.includes('"EdgeResponseStatus"')) return null;
  try {
    const v: unknown = JSON.parse(s);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+(?:\.\d+)?$/.test(v) ? Number(v) : NaN);

/** A Logpush timestamp in any of its three forms, as epoch ms. */
function timeOf(v: unknown): number | null {
  const n = num(v);
  if (!Number.isNaN(n)) {
    // Nanoseconds (the default), milliseconds, or seconds, told apart by size.
    const ms = n > 1e17 ? n / 1e6 : n > 1e14 ? n / 1e3 : n > 1e11 ? n : n * 1000;
    return Math.round(ms);
  }
  const s = str(v);
  if (!s) return null;
  const t = parseIsoTime(s);
  return Number.isNaN(t) ? null : t;
}

export const cloudflareLogpush: LogFormat = {
  id: 'cloudflare-logpush',
  title: 'Cloudflare Logpush / Logpull http_requests (JSON)',
  software: 'cloudflare',
  role: 'access',
  sniff(line) {
    return parseRecord(line) ? 0.95 : 0;
  },
  parse(line, ctx: ParseContext) {
    const o = parseRecord(line);
    if (!o) return false;
    const status = num(o.EdgeResponseStatus);
    if (!Number.isInteger(status)) return false;
    // The edge finished answering at EdgeEndTimestamp; older jobs log only the start.
    const time = timeOf(o.EdgeEndTimestamp) ?? timeOf(o.EdgeStartTimestamp);
    const uri = str(o.ClientRequestURI) ?? str(o.ClientRequestPath);
    const upstream = str(o.OriginIP);
    if (ctx.request && time !== null && status > 0) {
      const rec: AccessRecord = { time, status };
      if (uri) rec.path = uri.split('?')[0] ?? uri;
      if (upstream) rec.upstream = upstream;
      ctx.request(rec);
    }
    if (!(status >= 500 && status <= 599)) return true;
    const origin = 'OriginResponseStatus' in o ? num(o.OriginResponseStatus) : NaN;
    const source = str(o.ClientRequestSource);
    const edge = (status >= 520 && status <= 527) || status === 530;
    // Early Hints and Workers cache lookups log 504 with no origin request; the dashboard hides all but
    // eyeball requests (cloudflare/cloudflare-docs#30006).
    if (!edge && source !== undefined && source !== 'eyeball' && !(origin > 0)) return true;
    const f: Fact = {
      // 52x: the edge's own error. Another 5xx the origin answered too: the origin's. Without the origin's
      // status in the record, or when it is 0, the edge made it (Cloudflare's unbranded 502/504).
      kind: edge ? 'cdn-edge-error' : origin > 0 ? 'app-status' : Number.isNaN(origin) ? 'gateway-status' : 'cdn-edge-error',
      producer: 'cloudflare-access',
      software: 'cloudflare',
      ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line },
      time,
      status,
    };
    if (f.kind === 'cdn-edge-error') f.detail = String(status);
    if (upstream) f.upstream = upstream;
    const request: NonNullable<Fact['request']> = {};
    const client = str(o.ClientIP);
    if (client) request.client = client;
    const method = str(o.ClientRequestMethod);
    if (method) request.method = method;
    if (uri) request.uri = uri;
    const host = str(o.ClientRequestHost);
    if (host) request.host = host;
    const ray = str(o.RayID);
    if (ray) request.id = ray;
    f.request = request;
    // Origin timings (ms): handshake is 0 on a reused connection, the header wait is the time to first byte.
    const tcp = num(o.OriginTCPHandshakeDurationMs);
    const header = num(o.OriginResponseHeaderReceiveDurationMs);
    if (!Number.isNaN(tcp) || !Number.isNaN(header)) {
      f.timing = {};
      if (!Number.isNaN(tcp)) f.timing.connect = [tcp / 1000];
      if (!Number.isNaN(header)) f.timing.header = [origin > 0 ? header / 1000 : null];
    }
    ctx.emit(f);
    return true;
  },
  samples: [
    {
      line: '{"ClientIP":"34.142.121.18","ClientRequestHost":"foo-bar-baz.xyz","ClientRequestMethod":"GET","ClientRequestURI":"/wp1/wp-includes/wlwmanifest.xml","EdgeEndTimestamp":1658281702371000000,"EdgeResponseBytes":279,"EdgeResponseStatus":522,"EdgeStartTimestamp":1658281671671000000,"RayID":"72d807ffeba5753d"}',
      source: 'https://github.com/SEKOIA-IO/intake-formats/blob/HEAD/Cloudflare/http_requests/tests/http.json (the test\'s input message: a 522 after 30 s, origin connection timed out)',
      expect: { kind: 'cdn-edge-error', status: 522, detail: '522', time: '2022-07-20T01:48:22.371Z' },
    },
    {
      line: '{"ClientIP":"103.27.22.10","ClientRequestHost":"ae-preprod.yap.com","ClientRequestMethod":"GET","ClientRequestURI":"/customers/api/accounts","EdgeEndTimestamp":"2021-07-27T04:48:26Z","EdgeResponseBytes":1552,"EdgeResponseStatus":500,"EdgeStartTimestamp":"2021-07-27T04:48:25Z","RayID":"67533c3d9ed0d3f7","FirewallMatchesActions":[],"FirewallMatchesRuleIDs":[],"FirewallMatchesSources":[],"OriginIP":"75.2.33.181","OriginSSLProtocol":"TLSv1.2","OriginResponseBytes":0,"OriginResponseHTTPExpires":"","OriginResponseHTTPLastModified":"","OriginResponseStatus":500,"OriginResponseTime":1125000000,"WAFAction":"unknown","WAFFlags":"0","WAFMatchedVar":"","WAFProfile":"unknown","WAFRuleID":"","WAFRuleMessage":"","WorkerCPUTime":0,"WorkerStatus":"unknown","WorkerSubrequest":false,"WorkerSubrequestCount":0,"CacheCacheStatus":"unknown","CacheTieredFill":false,"CacheResponseBytes":2224,"CacheResponseStatus":500,"ClientCountry":"pk","ClientDeviceType":"desktop","ClientIPClass":"noRecord","ZoneID":276192118,"ZoneName":"yap.com","SecurityLevel":"unk"}',
      source: 'https://github.com/wazuh/wazuh/blob/HEAD/ruleset/testing/tests/cloudflare-waf.ini ("WAF logs: Wazuh Ops team"; the origin itself answered 500)',
      expect: { kind: 'app-status', status: 500, upstream: '75.2.33.181', time: '2021-07-27T04:48:26Z' },
    },
    {
      line: '{"ClientIP":"154.127.53.235","ClientRequestHost":"www.yap.com","ClientRequestMethod":"GET","ClientRequestURI":"/.env","EdgeEndTimestamp":"2021-07-27T09:49:02Z","EdgeResponseBytes":2111,"EdgeResponseStatus":403,"EdgeStartTimestamp":"2021-07-27T09:49:02Z","RayID":"6754f49cb94be04d","FirewallMatchesActions":["block"],"FirewallMatchesRuleIDs":["100016"],"FirewallMatchesSources":["waf"],"OriginIP":"","OriginSSLProtocol":"unknown","OriginResponseBytes":0,"OriginResponseHTTPExpires":"","OriginResponseHTTPLastModified":"","OriginResponseStatus":0,"OriginResponseTime":0,"WAFAction":"drop","WAFFlags":"0","WAFMatchedVar":"","WAFProfile":"med","WAFRuleID":"100016","WAFRuleMessage":"Version Control - Information Disclosure","WorkerCPUTime":0,"WorkerStatus":"unknown","WorkerSubrequest":false,"WorkerSubrequestCount":0,"CacheCacheStatus":"unknown","CacheTieredFill":false,"CacheResponseBytes":0,"CacheResponseStatus":0,"ClientCountry":"us","ClientDeviceType":"desktop","ClientIPClass":"noRecord","ZoneID":276192118,"ZoneName":"yap.com","SecurityLevel":"med"}',
      source: 'https://github.com/wazuh/wazuh/blob/HEAD/ruleset/testing/tests/cloudflare-waf.ini (a WAF block: a 403, not a gateway failure)',
      expect: null,
    },
    {
      line: '{"ClientIP":"54.76.123.133","ClientRequestHost":"ae-preprod.yap.com","ClientRequestMethod":"GET","ClientRequestURI":"/messages/actuator/health","EdgeEndTimestamp":"2021-07-27T21:26:42Z","EdgeResponseBytes":845,"EdgeResponseStatus":200,"EdgeStartTimestamp":"2021-07-27T21:26:42Z","RayID":"6758f291eb0b60df","FirewallMatchesActions":[],"FirewallMatchesRuleIDs":[],"FirewallMatchesSources":[],"OriginIP":"99.83.222.19","OriginSSLProtocol":"TLSv1.2","OriginResponseBytes":0,"OriginResponseHTTPExpires":"","OriginResponseHTTPLastModified":"","OriginResponseStatus":200,"OriginResponseTime":20000000,"WAFAction":"unknown","WAFFlags":"0","WAFMatchedVar":"","WAFProfile":"unknown","WAFRuleID":"","WAFRuleMessage":"","WorkerCPUTime":0,"WorkerStatus":"unknown","WorkerSubrequest":false,"WorkerSubrequestCount":0,"CacheCacheStatus":"unknown","CacheTieredFill":false,"CacheResponseBytes":1981,"CacheResponseStatus":200,"ClientCountry":"ie","ClientDeviceType":"desktop","ClientIPClass":"noRecord","ZoneID":276192118,"ZoneName":"yap.com","SecurityLevel":"unk"}',
      source: 'https://github.com/wazuh/wazuh/blob/HEAD/ruleset/testing/tests/cloudflare-waf.ini (a request answered normally)',
      expect: null,
    },
    {
      line: '{"ClientIP":"2620:1f7:8c5::1f:949e:c04d","ClientRequestHost":"test.logpull.load.com","ClientRequestMethod":"GET","ClientRequestURI":"/assets/bootstrap-collapse.js","EdgeEndTimestamp":1545067628046000000,"EdgeResponseBytes":2205,"EdgeResponseStatus":200,"EdgeStartTimestamp":1545067628044000000,"RayID":"48ab19434891c7a7"}',
      source: '[doc] https://github.com/ibm-cloud-docs/cis/blob/HEAD/logpull.md (IBM Cloud Internet Services, Cloudflare\'s Logpull with its default fields; nanosecond timestamps)',
      expect: null,
    },
  ],
};
