/**
 * AWS Elastic Load Balancing access logs: Application Load Balancer lines (they start with the request type,
 * http/https/h2/ws/wss/grpcs) and Classic Load Balancer lines (they start with the time). Both are
 * space-separated with quoted request and user agent; new ALB fields are appended at the end, so the tail is
 * read by position and extra fields are ignored. Who made a 5xx: `target_status_code` "-" means the target
 * never answered; processing times of -1 mean the load balancer could not dispatch the request or the target
 * closed the connection (AWS docs, "Access logs for your Application Load Balancer" / "... Classic Load
 * Balancer"; ALB troubleshooting "HTTP 502/503/504").
 */
import type { Fact, FactKind, Stage } from '../../evidence/facts.js';
import { normaliseUpstream } from '../messages/nginx.js';
import { albErrorReason } from '../messages/tokens.js';
import { parseIsoTime } from '../time.js';
import { splitRequest } from './access-fields.js';
import type { AccessRecord, LogFormat, ParseContext } from './types.js';

// [grep file name:][type ]time elb client target rpt tpt respt elb_status target_status rx tx "request" "agent" cipher protocol[ tail]
const LINE =
  /^(?:[^\s:]+\.(?:log|txt)(?:\.gz)?:)?(?:(https?|h2|wss?|grpcs) )?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) (\S+) (\S+) (\S+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (\d{3}|-) (\d{1,3}|-) (\d+|-) (\d+|-) "([^"]*)" "((?:[^"\\]|\\.)*)" (\S+) (\S+)(.*)$/;

interface Meaning {
  kind: FactKind;
  stage?: Stage;
  detail: string;
}

/** The ALB tail after ssl_protocol: target_group_arn "trace_id" "domain" "cert" priority creation "actions" "redirect" "error_reason" ... */
function tailFields(tail: string): string[] {
  return [...tail.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

function meaningOf(alb: boolean, status: number, target: number | null, times: [number, number, number], errorReason: string | undefined): Meaning | null {
  const reason = errorReason ? albErrorReason(errorReason) : undefined;
  if (reason && errorReason) {
    const m: Meaning = { kind: reason.kind, detail: errorReason };
    if (reason.stage) m.stage = reason.stage;
    return m;
  }
  if (target !== null) return { kind: target === status ? 'app-status' : 'gateway-status', detail: `target answered ${target}` };
  const [request, , response] = times;
  // The target never answered; the timings tell how far the exchange got.
  if (status === 503) return { kind: 'no-live-upstreams', detail: 'no registered or healthy target' };
  if (alb && status === 504) return request < 0 ? { kind: 'timeout', stage: 'connect', detail: 'no connection to the target (-1 timings)' } : { kind: 'timeout', stage: 'header', detail: 'no answer before the idle timeout' };
  if (alb && status === 502 && request < 0) return { kind: 'connect-failed', stage: 'connect', detail: 'could not connect to the target (-1 timings)' };
  if (alb && status === 502 && response < 0) return { kind: 'upstream-closed', stage: 'header', detail: 'the target closed the connection before answering' };
  return { kind: 'gateway-status', detail: times.every((t) => t < 0) ? 'the target never answered (-1 timings)' : 'made by the load balancer' };
}

/** "GET http://host:80/path?q HTTP/1.1" → method, path with query, host. */
function requestOf(req: string): { method?: string; uri?: string; host?: string } {
  const { method, uri } = splitRequest(req);
  if (!method || method === '-' || !uri) return {};
  const abs = /^[a-z]+:\/\/([^/]+)(\/.*)?$/i.exec(uri);
  if (!abs) return { method, uri };
  const host = (abs[1] ?? '').replace(/:\d+$/, '');
  return { method, uri: abs[2] ?? '/', host };
}

export const awsElbLog: LogFormat = {
  id: 'aws-elb',
  title: 'AWS load balancer access log (Application and Classic Load Balancer)',
  software: 'aws-elb',
  role: 'access',
  sniff(line) {
    return LINE.test(line) ? 0.95 : 0;
  },
  parse(line, ctx: ParseContext) {
    const m = LINE.exec(line);
    if (!m) return false;
    const alb = m[1] !== undefined;
    const t = parseIsoTime(m[2] ?? '');
    const time = Number.isNaN(t) ? null : t;
    const status = m[9] === '-' ? 0 : Number(m[9]);
    const target = m[10] === '-' || m[10] === undefined ? null : Number(m[10]);
    const upstream = m[5] && m[5] !== '-' ? normaliseUpstream(m[5]) : undefined;
    const req = requestOf(m[13] ?? '');
    // The time is when the load balancer answered the client.
    if (ctx.request && time !== null && status > 0) {
      const rec: AccessRecord = { time, status };
      if (req.uri) rec.path = req.uri.split('?')[0] ?? req.uri;
      if (upstream) rec.upstream = upstream;
      ctx.request(rec);
    }
    if (!(status >= 500 && status <= 599)) return true;
    const tail = alb ? tailFields(m[17] ?? '') : [];
    const reason = tail[8] && tail[8] !== '-' ? tail[8] : undefined;
    const times: [number, number, number] = [Number(m[6]), Number(m[7]), Number(m[8])];
    const meaning = meaningOf(alb, status, target === 0 ? null : target, times, reason);
    if (!meaning) return true;
    const f: Fact = {
      kind: meaning.kind,
      producer: 'aws-elb-access',
      software: alb ? 'aws-alb' : 'aws-elb',
      ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line },
      time,
      status,
      detail: meaning.detail,
    };
    if (meaning.stage) f.stage = meaning.stage;
    if (upstream) f.upstream = upstream;
    const request: NonNullable<Fact['request']> = {};
    const client = m[4] ? m[4].replace(/:\d+$/, '') : undefined;
    if (client) request.client = client;
    if (req.method) request.method = req.method;
    if (req.uri) request.uri = req.uri;
    if (req.host) request.host = req.host;
    // ALB passes its trace id on to the target as X-Amzn-Trace-Id.
    if (tail[1] && tail[1] !== '-') request.id = tail[1];
    f.request = request;
    const timing = times.map((x) => (x < 0 ? null : x));
    f.timing = { header: [timing[1] ?? null] };
    ctx.emit(f);
    return true;
  },
  samples: [
    {
      line: 'http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 0.001 0.000 502 - 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "LambdaInvalidResponse"',
      source: '[doc] https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html (Lambda target, failed; the doc breaks the line "to make it easier to read", joined with spaces)',
      expect: { kind: 'invalid-response', stage: 'header', status: 502, detail: 'LambdaInvalidResponse', time: '2018-11-30T22:23:00.186Z' },
    },
    {
      line: 'h2 2023-01-07T09:22:52.872365Z app/k8s-apidev-95472999b0/xxxxxxxxxx 202.102.17.226:24502 10.0.2.61:1325 -1 -1 -1 504 - 49 202 "GET https://example-api.cn:443/prefix-jiameng-api/ HTTP/2.0" "curl/7.79.1" ECDHE-RSA-XXXX-GCM-SHA256 TLSv1.2 arn:aws-cn:elasticloadbalancing:cn-northwest-1:xxxxxxx:targetgroup/k8s-dev-jiamenga-edb70a94b9/081fxxxxxxxx "Root=1-63b939e2-312611fa7a64f07e63d24099" "exxample-api.cn" "arn:aws-cn:acm:cn-northwest-1:xxxxxxx:certificate/e38c0d37-5c2f-4988-81c0-xxxxxxxx" 1 2023-01-07T09:22:42.870000Z "forward" "-" "-" "10.0.2.61:1325" "-" "-" "-"',
      source: 'https://github.com/yanlin-group/cicd/blob/HEAD/README.md (EKS rolling update: the ALB kept sending to a draining pod; the curl took 10 s, the connect timeout; the author masked values with x)',
      expect: { kind: 'timeout', stage: 'connect', status: 504, upstream: '10.0.2.61:1325', time: '2023-01-07T09:22:52.872Z' },
    },
    {
      line: 'xxxxxxxxxxxx_elasticloadbalancing_ap-northeast-1_xxx_20170626T0900Z_172.27.26.156_xxxxxxx.txt:2017-06-26T08:38:27.991796Z xxxxxxx 172.27.19.150:43326 172.27.19.217:80 0.00008 0.000626 0.000057 503 503 566 326 "POST http://internal-xxx.ap-northeast-1.elb.amazonaws.com:80/api/v1/hoge HTTP/1.0" "Xxxx/1.0.4 (iPad; iOS 10.3.2; Scale/2.00)" - -',
      source: 'https://github.com/ozantunca/elb-log-analyzer/issues/14 (Classic Load Balancer, pasted as grep output with the log file name; the backend itself answered 503)',
      expect: { kind: 'app-status', status: 503, upstream: '172.27.19.217:80', time: '2017-06-26T08:38:27.991Z' },
    },
    {
      line: '2015-12-11T13:42:07.736195Z my-elb 10.0.0.1:59893 - -1 -1 -1 504 0 0 0 "GET http://my-elb/ HTTP/1.1" "curl/7.19.7" - -',
      source: 'https://hardwarehacks.org/blog/unexpected_http_504_errors_from_aws_elastic_load_balancers/ (Classic Load Balancer; the backend closed idle connections first; the page bolds -1 -1 -1, tags removed)',
      expect: { kind: 'gateway-status', status: 504, time: '2015-12-11T13:42:07.736Z' },
    },
    {
      line: '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -',
      source: '[doc] https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html (example entry, also a sample of lnav\'s elb_log.json)',
      expect: null,
    },
    {
      line: '2017-11-22T16:33:24.243675Z ELB 35.158.136.171:6141 192.168.1.48:443 0.000741 0.000009 0.000013 - - 1468 809 "- - - " "-" - -',
      source: 'https://github.com/allinurl/goaccess/issues/952 (Classic Load Balancer TCP listener: no HTTP status)',
      expect: null,
    },
    {
      line: 'https 2016-08-10T23:39:43.065466Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" www.example.com arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012',
      source: '[doc] https://github.com/tstack/lnav/blob/HEAD/src/formats/alb_log.json (sample copied from the AWS ALB access-log documentation, an older field set)',
      expect: null,
    },
  ],
};
