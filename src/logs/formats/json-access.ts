/**
 * Access logs written as one JSON object per line: nginx `log_format ... escape=json '{...}'`, and the many
 * hand-made JSON layouts that use nginx's variable names or their plain-word cousins (status, uri, upstream).
 * Keys are matched by name after lower-casing and flattening nested objects ("http.status" → "http_status").
 */
import { parseClfTime, parseIsoTime } from '../time.js';
import { emitAccess, splitRequest, unescapeLogged, type AccessFields } from './access-fields.js';
import type { LogFormat, ParseContext } from './types.js';

type Field = 'status' | 'time' | 'request' | 'method' | 'uri' | 'client' | 'host' | 'upstreamAddr' | 'upstreamStatus' | 'upstreamConnect' | 'upstreamHeader' | 'upstreamResponse' | 'requestId' | 'bytes' | 'upstreamName';

// Key (flattened, lower case) → field. First match wins, so the most specific names come first.
const KEYS: [string, Field][] = [
  ['status', 'status'],
  ['status_code', 'status'],
  ['response_status', 'status'],
  ['http_status', 'status'],
  ['response_code', 'status'],
  ['time_iso8601', 'time'],
  ['time_local', 'time'],
  ['@timestamp', 'time'],
  ['timestamp', 'time'],
  ['time', 'time'],
  ['ts', 'time'],
  ['msec', 'time'],
  ['request', 'request'],
  ['request_method', 'method'],
  ['method', 'method'],
  ['http_method', 'method'],
  ['request_uri', 'uri'],
  ['uri', 'uri'],
  ['path', 'uri'],
  ['url', 'uri'],
  ['remote_addr', 'client'],
  ['client_ip', 'client'],
  ['remote_ip', 'client'],
  ['client', 'client'],
  ['host', 'host'],
  ['http_host', 'host'],
  ['upstream_addr', 'upstreamAddr'],
  ['upstream_address', 'upstreamAddr'],
  ['upstream', 'upstreamAddr'],
  ['upstream_status', 'upstreamStatus'],
  ['upstream_connect_time', 'upstreamConnect'],
  ['upstream_header_time', 'upstreamHeader'],
  ['upstream_response_time', 'upstreamResponse'],
  ['request_id', 'requestId'],
  ['req_id', 'requestId'],
  ['x_request_id', 'requestId'],
  ['http_x_request_id', 'requestId'],
  ['body_bytes_sent', 'bytes'],
  ['proxy_upstream_name', 'upstreamName'],
];
const KEY_FIELD = new Map(KEYS);

// Keys that belong to formats with their own parser (Envoy, Traefik, Caddy, Cloudflare, ALB): not ours.
const FOREIGN = /"(?:response_flags|DownstreamStatus|OriginStatus|EdgeResponseStatus|logger"\s*:\s*"http\.log|elb_status_code)"/;

function flatten(obj: Record<string, unknown>, prefix: string, out: Map<string, unknown>, depth: number): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = `${prefix}${k.toLowerCase().replace(/[.-]/g, '_')}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 3) flatten(v as Record<string, unknown>, `${key}_`, out, depth + 1);
    else out.set(key, v);
  }
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function timeOf(v: unknown): number | null {
  if (typeof v === 'number') return v > 1e12 ? v : v * 1000;
  if (typeof v !== 'string' || v === '') return null;
  if (/^\d+(?:\.\d+)?$/.test(v)) return Number(v) * 1000;
  const clf = parseClfTime(v);
  if (!Number.isNaN(clf)) return clf;
  const t = parseIsoTime(v);
  return Number.isNaN(t) ? null : t;
}

/** Read the access fields of one JSON line, or null when it is not an access record. */
export function jsonAccessFields(line: string): AccessFields | null {
  const s = line.trim();
  if (!s.startsWith('{') || !s.endsWith('}') || FOREIGN.test(s)) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(s);
  } catch {
    return null;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const flat = new Map<string, unknown>();
  flatten(obj as Record<string, unknown>, '', flat, 0);
  const got: Partial<Record<Field, unknown>> = {};
  for (const [key, value] of flat) {
    const field = KEY_FIELD.get(key) ?? KEY_FIELD.get(key.slice(key.lastIndexOf('_', key.length - 2) + 1));
    if (field && got[field] === undefined) got[field] = value;
  }
  const status = Number(text(got.status));
  if (!Number.isInteger(status) || status < 1 || status > 599) return null;
  // A status alone is not an access record (an app's own JSON line may carry one): a request must be named.
  if (got.request === undefined && got.uri === undefined && got.upstreamAddr === undefined) return null;
  const f: AccessFields = { status, time: timeOf(got.time) };
  const request = text(got.request);
  if (request) Object.assign(f, splitRequest(request));
  const method = text(got.method);
  if (method) f.method = method;
  const uri = text(got.uri);
  if (uri) f.uri = unescapeLogged(uri);
  f.client = text(got.client);
  f.host = text(got.host);
  f.upstreamAddr = text(got.upstreamAddr);
  f.upstreamName = text(got.upstreamName);
  f.upstreamStatus = text(got.upstreamStatus);
  f.upstreamConnect = text(got.upstreamConnect);
  f.upstreamHeader = text(got.upstreamHeader);
  f.upstreamResponse = text(got.upstreamResponse);
  f.requestId = text(got.requestId);
  f.bytes = text(got.bytes);
  return f;
}

export const jsonAccessLog: LogFormat = {
  id: 'json-access',
  title: 'JSON access log (nginx log_format escape=json and alike)',
  software: 'nginx',
  role: 'access',
  sniff(line) {
    return line.startsWith('{') && jsonAccessFields(line) ? 0.8 : 0;
  },
  parse(line: string, ctx: ParseContext) {
    const f = jsonAccessFields(line);
    if (!f) return false;
    emitAccess(f, ctx, line, 'json-access', 'nginx');
    return true;
  },
  samples: [
    {
      line: '{"time_iso8601":"2026-12-01T15:29:51+00:00","remote_addr":"127.0.0.1","request":"GET /refused HTTP/1.1","status":"502","body_bytes_sent":"157","request_time":"0.000","upstream_addr":"127.0.0.1:1","upstream_status":"502","upstream_connect_time":"-","upstream_header_time":"-","upstream_response_time":"0.001","request_id":"d065cf6143da9e4c75af6f76338cbe74"}',
      source: 'lab: nginx 1.22.1 (Debian 12), log_format escape=json, proxy_pass to a closed port; recorded 2026-12-01',
      expect: { kind: 'gateway-status', status: 502, upstream: '127.0.0.1:1', time: '2026-12-01T15:29:51Z' },
    },
    {
      line: '{"time_iso8601":"2026-12-01T15:29:52+00:00","remote_addr":"127.0.0.1","request":"GET /slow HTTP/1.1","status":"504","body_bytes_sent":"167","request_time":"1.001","upstream_addr":"127.0.0.1:18792","upstream_status":"504","upstream_connect_time":"0.000","upstream_header_time":"-","upstream_response_time":"1.002","request_id":"63b5d3ca78a75c73749d44f63533f24c"}',
      source: 'lab: nginx 1.22.1 (Debian 12), log_format escape=json, an upstream that never answers (proxy_read_timeout 1s)',
      expect: { kind: 'gateway-status', status: 504, upstream: '127.0.0.1:18792' },
    },
    {
      line: '{"time_iso8601":"2026-12-01T15:29:52+00:00","remote_addr":"127.0.0.1","request":"GET /app HTTP/1.1","status":"503","body_bytes_sent":"21","request_time":"0.013","upstream_addr":"127.0.0.1:18793","upstream_status":"503","upstream_connect_time":"0.001","upstream_header_time":"0.009","upstream_response_time":"0.013","request_id":"52715d71f4475056b88f896e86a52a9c"}',
      source: 'lab: nginx 1.22.1 (Debian 12), log_format escape=json, an application that answers 503 itself',
      expect: { kind: 'app-status', status: 503 },
    },
    {
      line: '{"time_iso8601":"2026-12-01T15:29:52+00:00","remote_addr":"127.0.0.1","request":"GET /ok HTTP/1.1","status":"200","body_bytes_sent":"3","request_time":"0.000","upstream_addr":"","upstream_status":"","upstream_connect_time":"","upstream_header_time":"","upstream_response_time":"","request_id":"f3906e5d19b888737bcb9b24a9df178a"}',
      source: 'lab: nginx 1.22.1 (Debian 12), log_format escape=json, a request nginx answered itself',
      expect: null,
    },
    {
      line: '{"time_iso8601":"2026-12-01T15:29:52+00:00","remote_addr":"127.0.0.1","request":"GET /refused?token=abc HTTP/1.1","status":"502","body_bytes_sent":"157","request_time":"0.001","upstream_addr":"127.0.0.1:1","upstream_status":"502","upstream_connect_time":"-","upstream_header_time":"-","upstream_response_time":"0.000","request_id":"12f3621dfaabff04ff57c0a85e982606"}',
      source: 'lab: nginx 1.22.1 (Debian 12), log_format escape=json, a query token (masked in reports)',
      expect: { kind: 'gateway-status', status: 502 },
    },
  ],
};
