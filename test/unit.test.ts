/** Unit tests of the small pure pieces: redaction, times, envelopes, nginx message parts, bare tokens. */
import { describe, expect, it } from 'vitest';
import { redact } from '../src/evidence/redact.js';
import { normaliseUpstream, recogniseNginxMessage, splitNginxMessage } from '../src/logs/messages/nginx.js';
import { recogniseToken } from '../src/logs/messages/tokens.js';
import { leadingTime, parseClfTime, parseTimeBound, wallToUtc, zoneOffsetAt } from '../src/logs/time.js';
import { unwrapLine } from '../src/logs/wrappers.js';

describe('redact', () => {
  it('masks secret query values and keeps the rest', () => {
    expect(redact('GET /cb?code=1&access_token=abc.def&page=2 HTTP/1.1')).toBe('GET /cb?code=***&access_token=***&page=2 HTTP/1.1');
    expect(redact('GET /login?user=bob&pw=hunter2&pass=x&passage=3 HTTP/1.1')).toBe('GET /login?user=bob&pw=***&pass=***&passage=3 HTTP/1.1');
    expect(redact('"GET /x?X-Amz-Signature=deadbeef&sig=1 HTTP/1.1"')).toBe('"GET /x?X-Amz-Signature=***&sig=*** HTTP/1.1"');
    expect(redact('upstream: "http://a/b?session_id=42&apikey=K"')).toBe('upstream: "http://a/b?session_id=***&apikey=***"');
  });
  it('masks Authorization, Cookie and Set-Cookie values', () => {
    expect(redact('Authorization: Bearer eyJhbGciOi')).toBe('Authorization: ***');
    expect(redact('cookie: a=1; b=2')).toBe('cookie: ***');
    expect(redact('Set-Cookie: sid=abc; Path=/; HttpOnly')).toBe('Set-Cookie: ***');
    expect(redact('{"authorization":"Basic dXNlcjpwYXNz","x":1}')).toBe('{"authorization":"***","x":1}');
  });
  it('masks credentials logged by custom formats: key=value tails, JSON access logs, URL userinfo', () => {
    expect(redact('"GET / HTTP/1.1" 502 157 auth="Bearer abc.def" cookie="sid=1; b=2" rt=0.001')).toBe(
      '"GET / HTTP/1.1" 502 157 auth="***" cookie="***" rt=0.001',
    );
    expect(redact('502 http_authorization=Basic%20eA== up=1')).toBe('502 http_authorization=*** up=1');
    expect(redact('{"status":502,"http_authorization":"Bearer x","http_cookie":"a=b","request_header_x_auth_token":"t"}')).toBe(
      '{"status":502,"http_authorization":"***","http_cookie":"***","request_header_x_auth_token":"***"}',
    );
    expect(redact('upstream: "http://admin:s3cret@10.0.0.5:8080/x"')).toBe('upstream: "http://admin:***@10.0.0.5:8080/x"');
    expect(redact('auth="-" cookie=-')).toBe('auth="-" cookie=-');
  });
  it('leaves ordinary text alone', () => {
    const s = 'connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4';
    expect(redact(s)).toBe(s);
    const t = 'upstream_response_time=0.5 status=502 author="Jane" mailto:bob@example.com';
    expect(redact(t)).toBe(t);
  });
});

describe('time', () => {
  it('parses CLF times with offsets', () => {
    expect(parseClfTime('01/Dec/2026:12:56:13 +0000')).toBe(Date.UTC(2026, 11, 1, 12, 56, 13));
    expect(parseClfTime('01/Dec/2026:12:56:13 -0530')).toBe(Date.UTC(2026, 11, 1, 18, 26, 13));
    expect(Number.isNaN(parseClfTime('garbage'))).toBe(true);
  });
  it('converts wall-clock times through a named zone, across DST', () => {
    expect(zoneOffsetAt('Europe/Berlin', Date.UTC(2026, 6, 1))).toBe(120);
    expect(wallToUtc(Date.UTC(2026, 0, 15, 12, 0, 0), { kind: 'zone', zone: 'Europe/Berlin' })).toBe(Date.UTC(2026, 0, 15, 11, 0, 0));
    expect(wallToUtc(Date.UTC(2026, 6, 15, 12, 0, 0), { kind: 'zone', zone: 'Europe/Berlin' })).toBe(Date.UTC(2026, 6, 15, 10, 0, 0));
  });
  it('reads --since values', () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    expect(parseTimeBound('15m', now)).toBe(now - 15 * 60_000);
    expect(parseTimeBound('2h', now)).toBe(now - 2 * 3_600_000);
    expect(parseTimeBound('2026-12-01T10:00:00Z', now)).toBe(Date.UTC(2026, 11, 1, 10, 0, 0));
    expect(parseTimeBound('yesterday-ish', now)).toBeNull();
  });
  it('strips application time prefixes', () => {
    const utc = { kind: 'offset' as const, minutes: 0 };
    expect(leadingTime('[16-Oct-2020 17:03:39] WARNING: x', utc)).toEqual({ time: Date.UTC(2020, 9, 16, 17, 3, 39), rest: 'WARNING: x' });
    expect(leadingTime('[2024-01-09 13:24:39 +0100] [1637] [CRITICAL] WORKER TIMEOUT (pid:7214)', utc)?.time).toBe(Date.UTC(2024, 0, 9, 12, 24, 39));
  });
});

describe('envelopes', () => {
  it('removes journald, docker, CRI, kubectl, compose, stern and JSON wrappers', () => {
    expect(unwrapLine('Dec 01 12:56:13 web nginx[123]: 2026/12/01 12:56:13 [error] 1#1: *1 x').line).toBe('2026/12/01 12:56:13 [error] 1#1: *1 x');
    expect(unwrapLine('Dec 01 12:56:13.123456 web php-fpm[77]: [WARNING] pool www').line).toBe('[WARNING] pool www');
    expect(unwrapLine('2017-05-10T06:50:00.434167704Z 2017/05/10 06:50:00 [error] 23#23: x').wrapper).toBe('docker');
    expect(unwrapLine('2023-11-06T21:09:49.65381919Z stderr F [06-Nov-2023 21:09:49] WARNING: y').line).toBe('[06-Nov-2023 21:09:49] WARNING: y');
    expect(unwrapLine('[pod/web-1/nginx] hello').line).toBe('hello');
    expect(unwrapLine('web_1       | hello there').line).toBe('hello there');
    expect(unwrapLine('{"log":"connect() failed\\n","stream":"stderr","time":"2026-12-01T10:00:00Z"}')).toMatchObject({ line: 'connect() failed', wrapper: 'json', time: Date.UTC(2026, 11, 1, 10) });
    expect(unwrapLine('plain line').wrapper).toBeNull();
  });
});

describe('nginx messages', () => {
  it('splits errno, action and quoted context fields (commas inside quotes)', () => {
    const p = splitNginxMessage('connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET /a,b HTTP/1.1", upstream: "http://10.0.0.1:80/a,b", host: "h"');
    expect(p).toMatchObject({ text: 'connect() failed', errnoNumber: 111, action: 'connecting to upstream' });
    expect(p.fields.request).toBe('GET /a,b HTTP/1.1');
    expect(p.fields.upstream).toBe('http://10.0.0.1:80/a,b');
  });
  it('maps recv() failures by errno and action', () => {
    expect(recogniseNginxMessage(splitNginxMessage('recv() failed (111: Connection refused) while reading response header from upstream'))).toMatchObject({ kind: 'connect-failed', errno: 'ECONNREFUSED' });
    expect(recogniseNginxMessage(splitNginxMessage('recv() failed (104: Connection reset by peer) while reading response header from upstream'))).toMatchObject({ kind: 'upstream-reset', stage: 'header' });
    expect(recogniseNginxMessage(splitNginxMessage('recv() failed (104: Connection reset by peer) while reading client request line'))).toBeNull();
  });
  it('normalises upstream addresses', () => {
    expect(normaliseUpstream('http://unix:/run/php/php8.2-fpm.sock:/index.php')).toBe('unix:/run/php/php8.2-fpm.sock');
    expect(normaliseUpstream('fastcgi://unix:/var/run/php-fpm.sock:')).toBe('unix:/var/run/php-fpm.sock');
    expect(normaliseUpstream('http://[::1]:8080/x')).toBe('[::1]:8080');
    expect(normaliseUpstream('10.1.46.2:8000')).toBe('10.1.46.2:8000');
  });
});

describe('bare tokens', () => {
  it('knows HAProxy states, Envoy flags and details, ALB and GCP reasons', () => {
    expect(recogniseToken('SH--')).toMatchObject({ kind: 'upstream-closed', software: 'haproxy' });
    expect(recogniseToken('CD--')).toBe('no-fact');
    expect(recogniseToken('UF,URX')).toMatchObject({ kind: 'connect-failed', software: 'envoy' });
    expect(recogniseToken('upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}')).toMatchObject({ kind: 'connect-failed', errno: 'ECONNREFUSED' });
    expect(recogniseToken('LambdaResponseTooLarge')).toMatchObject({ kind: 'response-too-large' });
    expect(recogniseToken('backend_connection_closed_before_data_sent_to_client')).toMatchObject({ kind: 'reused-connection-failed' });
    expect(recogniseToken('hello world')).toBeNull();
  });
});

describe('TopCounter', () => {
  it('lets a key that starts late rise to the top after many distinct keys', async () => {
    const { TopCounter } = await import('../src/logs/stats.js');
    const c = new TopCounter();
    for (let i = 0; i < 10_000; i++) c.add(`/once/${i}`);
    for (let i = 0; i < 50; i++) c.add('/late/checkout');
    expect(c.top(3).filter((x) => x.key !== '(other)')[0]).toEqual({ key: '/late/checkout', count: 50 });
    expect(c.size).toBeLessThan(4_000);
  });
});
