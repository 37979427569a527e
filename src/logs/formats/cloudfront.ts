/**
 * Amazon CloudFront standard (legacy) access logs: W3C extended, tab-separated, 33 fields after two header
 * lines. The edge says why it failed in x-edge-result-type "Error" and x-edge-detailed-result-type
 * (OriginDnsError, OriginConnectError, OriginCommError...). The origin's address is not logged. Field list and
 * meanings: AWS CloudFront Developer Guide, "Standard logging (access logs)" (AccessLogs.md).
 */
import type { Fact, FactKind, Stage } from '../../evidence/facts.js';
import type { AccessRecord, LogFormat, ParseContext } from './types.js';

const START = /^\d{4}-\d{2}-\d{2}\t\d{2}:\d{2}:\d{2}\t/;
const HEADER = /^#(?:Version: [\d.]+|Fields: date time x-edge-location )/;

// Field positions (0-based) of the standard log.
const F = { date: 0, time: 1, ip: 4, method: 5, uriStem: 7, status: 8, query: 11, result: 13, requestId: 14, hostHeader: 15, timeTaken: 18, detailed: 28 } as const;

interface Meaning {
  kind: FactKind;
  stage?: Stage;
}

// x-edge-detailed-result-type values that name what went wrong with the origin. The rest of the Error family
// (Client*, InvalidRequest*) are the viewer's doing.
const DETAILED: Record<string, Meaning | null> = {
  OriginDnsError: { kind: 'resolve-failed', stage: 'resolve' },
  OriginConnectError: { kind: 'connect-failed', stage: 'connect' },
  // "The request timed out while connecting to the origin, or reading data from the origin."
  OriginCommError: { kind: 'timeout' },
  OriginReadError: { kind: 'upstream-closed' },
  OriginWriteError: { kind: 'upstream-reset', stage: 'send' },
  OriginHeaderTooBigError: { kind: 'header-too-big', stage: 'header' },
  OriginInvalidResponseError: { kind: 'invalid-response', stage: 'header' },
  OriginContentRangeLengthError: { kind: 'invalid-response', stage: 'body' },
  OriginZeroSizeObjectError: { kind: 'upstream-closed', stage: 'header' },
  AbortedOrigin: { kind: 'upstream-closed' },
  OriginError: { kind: 'cdn-edge-error' },
  Error: { kind: 'cdn-edge-error' },
  CapacityExceeded: { kind: 'proxy-resource' },
  LimitExceeded: { kind: 'proxy-resource' },
  ClientCommError: null,
  ClientHungUpRequest: null,
  ClientGeoBlocked: null,
  InvalidRequest: null,
  InvalidRequestBlocked: null,
  InvalidRequestCertificate: null,
  InvalidRequestHeader: null,
  InvalidRequestMethod: null,
  SlowReaderOriginError: null,
};

function meaningOf(status: number, result: string, detailed: string): Meaning | null {
  const d = DETAILED[detailed] ?? (detailed === '-' ? DETAILED[result] : undefined);
  if (d !== undefined) return d ?? null;
  // A 5xx on a Miss or RefreshHit came from the origin; an Error without a known detail was the edge's.
  if (result === 'Error') return { kind: 'cdn-edge-error' };
  return status >= 500 ? { kind: 'app-status' } : null;
}

export const cloudfrontLog: LogFormat = {
  id: 'cloudfront',
  title: 'Amazon CloudFront standard access log',
  software: 'cloudfront',
  role: 'access',
  sniff(line) {
    if (HEADER.test(line)) return 0.9;
    return START.test(line) && line.split('\t').length >= 26 ? 0.95 : 0;
  },
  parse(line, ctx: ParseContext) {
    if (HEADER.test(line)) return true;
    if (!START.test(line)) return false;
    const f = line.split('\t');
    if (f.length < 26) return false;
    const at = (i: number): string => f[i] ?? '-';
    // The time is when the edge finished answering; it is UTC.
    const t = Date.parse(`${at(F.date)}T${at(F.time)}Z`);
    const time = Number.isNaN(t) ? null : t;
    const status = Number(at(F.status));
    const uri = at(F.query) !== '-' ? `${at(F.uriStem)}?${at(F.query)}` : at(F.uriStem);
    if (ctx.request && time !== null && status > 0) {
      const rec: AccessRecord = { time, status, path: at(F.uriStem) };
      ctx.request(rec);
    }
    // 000: the viewer closed the connection first.
    if (!(status >= 500 && status <= 599)) return true;
    const result = at(F.result);
    const detailed = at(F.detailed);
    const m = meaningOf(status, result, detailed);
    if (!m) return true;
    const label = detailed !== '-' ? detailed : result;
    const fact: Fact = {
      kind: m.kind,
      producer: 'cloudfront-access',
      software: 'cloudfront',
      ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line },
      time,
      status,
      detail: m.kind === 'cdn-edge-error' ? label : `cloudfront ${label}`,
    };
    if (m.stage) fact.stage = m.stage;
    const request: NonNullable<Fact['request']> = { uri };
    if (at(F.ip) !== '-') request.client = at(F.ip);
    if (at(F.method) !== '-') request.method = at(F.method);
    if (at(F.hostHeader) !== '-') request.host = at(F.hostHeader);
    // CloudFront sends the same id to the origin as X-Amz-Cf-Id.
    if (at(F.requestId) !== '-') request.id = at(F.requestId);
    fact.request = request;
    ctx.emit(fact);
    return true;
  },
  samples: [
    {
      line: '2019-12-13\t22:36:27\tSEA19-C1\t900\t192.0.2.200\tGET\td111111abcdef8.cloudfront.net\t/favicon.ico\t502\thttp://www.example.com/\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36\t-\t-\tError\t1pkpNfBQ39sYMnjjUQjmH2w1wdJnbHYTbag21o_3OfcQgPzdL2RSSQ==\twww.example.com\thttp\t675\t0.102\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t25260\t0.102\tOriginDnsError\ttext/html\t507\t-\t-',
      source: '[doc] https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html (example log file: the origin name did not resolve)',
      expect: { kind: 'resolve-failed', stage: 'resolve', status: 502, detail: 'cloudfront OriginDnsError', time: '2019-12-13T22:36:27Z' },
    },
    {
      line: '2019-12-13\t22:36:26\tSEA19-C1\t900\t192.0.2.200\tGET\td111111abcdef8.cloudfront.net\t/\t502\t-\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36\t-\t-\tError\t3AqrZGCnF_g0-5KOvfA7c9XLcf4YGvMFSeFdIetR1N_2y8jSis8Zxg==\twww.example.com\thttp\t735\t0.107\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t3802\t0.107\tOriginDnsError\ttext/html\t507\t-\t-',
      source: '[doc] https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html (example log file)',
      expect: { kind: 'resolve-failed', stage: 'resolve', status: 502 },
    },
    {
      line: '2019-12-13\t22:37:02\tSEA19-C2\t900\t192.0.2.200\tGET\td111111abcdef8.cloudfront.net\t/\t502\t-\tcurl/7.55.1\t-\t-\tError\tkBkDzGnceVtWHqSCqBUqtA_cEs2T3tFUBbnBNkB9El_uVRhHgcZfcw==\twww.example.com\thttp\t387\t0.103\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t12644\t0.103\tOriginDnsError\ttext/html\t507\t-\t-',
      source: '[doc] https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html (example log file)',
      expect: { kind: 'resolve-failed', status: 502, time: '2019-12-13T22:37:02Z' },
    },
    {
      line: '2019-12-04\t21:02:31\tLAX1\t392\t89.160.20.112\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-',
      source: 'https://github.com/elastic/integrations/blob/HEAD/packages/aws/data_stream/cloudfront_logs/_dev/test/pipeline/test-cloudfront.log (the AWS documentation example with the test\'s client address; a cache hit)',
      expect: null,
    },
    {
      line: '2022-04-19\t12:29:36\tSEA19-C2\t10157\t81.2.69.143\tPOST\td111111abcdef8.cloudfront.net\t/getApplications\t000\thttps://test.com/global\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/100.0.4896.127%20Safari/537.36\tsource=global\t-\tMiss\thrsHM5OM6sTIXUleC1G20YtDxMf5Cq0Jbz0pwhVpod2kgEn_W6akCQ==\ttest.com\thttps\t1057\t0.238\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/2.0\t-\t-\t4203\t0.238\tMiss\tapplication/json;charset=UTF-8\t-\t-\t-',
      source: 'https://github.com/elastic/integrations/blob/HEAD/packages/aws/data_stream/cloudfront_logs/_dev/test/pipeline/test-cloudfront.log ([fixture] status 000: the viewer closed the connection first)',
      expect: null,
    },
    {
      line: '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end',
      source: 'https://github.com/elastic/integrations/blob/HEAD/packages/aws/data_stream/cloudfront_logs/_dev/test/pipeline/test-cloudfront.log (the header every standard log file starts with)',
      expect: null,
    },
  ],
};
