/**
 * Upstream-side and Apache access formats: they do not take proxy lines or each other's samples, and Apache
 * LogFormat strings compile into working parsers (their samples run in formats.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Fact } from '../src/evidence/facts.js';
import { apacheAccessLog, apacheAccessLogFor, compileApacheLogFormat, isApacheLogFormat, pickApacheAccessFormat } from '../src/logs/formats/apache-access.js';
import { dbErrorLog } from '../src/logs/formats/db-errors.js';
import { gunicornLog } from '../src/logs/formats/gunicorn.js';
import { kernelLog } from '../src/logs/formats/kernel.js';
import { stripEnvelope } from '../src/logs/formats/line-envelope.js';
import { nodeAppLog } from '../src/logs/formats/node-app.js';
import { phpFpmLog } from '../src/logs/formats/php-fpm.js';
import { systemdLog } from '../src/logs/formats/systemd.js';
import type { AccessRecord, LogFormat, ParseContext } from '../src/logs/formats/types.js';
import { uwsgiLog } from '../src/logs/formats/uwsgi.js';
import { LOG_FORMATS } from '../src/logs/read.js';
import { iso } from '../src/logs/time.js';

const FORMATS: readonly LogFormat[] = [phpFpmLog, gunicornLog, uwsgiLog, nodeAppLog, kernelLog, systemdLog, dbErrorLog, apacheAccessLog];

const NGINX_ERROR =
  '2026/12/01 12:56:13 [error] 8892#8892: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:1/", host: "x"';
const NGINX_COMBINED = '127.0.0.1 - - [01/Dec/2026:12:56:13 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/7.88.1"';

function run(format: LogFormat, line: string, zone: ParseContext['zone'] = { kind: 'offset', minutes: 0 }): { ok: boolean; facts: Fact[]; requests: AccessRecord[] } {
  const facts: Fact[] = [];
  const requests: AccessRecord[] = [];
  const ctx: ParseContext = { file: 'sample', lineNo: 1, zone, emit: (f) => facts.push(f), request: (r) => requests.push(r) };
  return { ok: format.parse(line, ctx), facts, requests };
}

describe('sniffing', () => {
  it('takes neither an nginx error line nor an nginx combined access line', () => {
    for (const f of FORMATS) {
      expect(f.sniff(NGINX_ERROR), f.id).toBe(0);
      expect(f.sniff(NGINX_COMBINED), f.id).toBe(0);
      expect(f.parse(NGINX_ERROR, { file: 'x', lineNo: 1, zone: { kind: 'offset', minutes: 0 }, emit: () => undefined }), f.id).toBe(false);
    }
  });
  it('sniffs each sample highest (or tied) for its own format', () => {
    for (const own of FORMATS) {
      for (const s of own.samples) {
        const mine = own.sniff(s.line);
        expect(mine, `${own.id}: ${s.line}`).toBeGreaterThan(0);
        for (const other of FORMATS) {
          if (other !== own) expect(other.sniff(s.line), `${other.id} on ${own.id} sample: ${s.line}`).toBeLessThanOrEqual(mine);
        }
      }
    }
  });
  it('is the only one of these formats to sniff its samples, so their order in LOG_FORMATS does not matter', () => {
    for (const own of FORMATS) {
      for (const s of own.samples) {
        const others = FORMATS.filter((f) => f !== own && f.sniff(s.line) > 0).map((f) => f.id);
        expect(others, `${own.id}: ${s.line}`).toEqual([]);
      }
    }
  });
  // The other formats of the registry (these are registered too).
  const others = (): typeof LOG_FORMATS => LOG_FORMATS.filter((f) => !(FORMATS as readonly unknown[]).includes(f));
  it('leaves the samples of the formats already registered alone', () => {
    for (const registered of others()) {
      for (const s of registered.samples) {
        for (const f of FORMATS) expect(f.sniff(s.line), `${f.id} on ${registered.id}: ${s.line}`).toBe(0);
      }
    }
  });
  it('is not taken by the formats already registered, except where they read the same line (noted)', () => {
    // nginx's "combined+" (combined followed by anything) reads combinedio and combined + %D as a tail.
    const sharedWithNginx = new Set(['nginx-access']);
    for (const f of FORMATS) {
      for (const s of f.samples) {
        for (const registered of others()) {
          if (f === apacheAccessLog && sharedWithNginx.has(registered.id)) continue;
          expect(registered.sniff(s.line), `${registered.id} on ${f.id}: ${s.line}`).toBe(0);
        }
      }
    }
  });
});

describe('php-fpm', () => {
  it('reads the pool time in the zone given', () => {
    const { facts } = run(phpFpmLog, phpFpmLog.samples[0]?.line ?? '', { kind: 'zone', zone: 'Europe/Berlin' });
    expect(facts[0]?.time === undefined || facts[0].time === null ? null : iso(facts[0].time)).toBe('2026-12-01T13:02:00Z');
  });
  it('takes the journald-wrapped FPM line and FPM notices without facts', () => {
    const { ok, facts } = run(phpFpmLog, 'Sep 16 02:10:10 mailcow php-fpm7.0[1062]: [16-Sep-2016 02:10:10] ERROR: FPM initialization failed');
    expect(ok).toBe(true);
    expect(facts.map((f) => f.kind)).toEqual(['service-down']);
    expect(run(phpFpmLog, '[13-Jan-2020 02:43:14] NOTICE: Terminating ...').facts).toHaveLength(0);
  });
  it('does not take a bare "WARNING:" line that is not FPM\'s', () => {
    // apt's own warning, recorded on this host (Debian 12).
    const apt = 'WARNING: apt does not have a stable CLI interface. Use with caution in scripts.';
    expect(phpFpmLog.sniff(apt)).toBe(0);
    expect(run(phpFpmLog, apt).ok).toBe(false);
  });
});

describe('envelopes', () => {
  it('leaves year-less journald times unread and reads RFC 3339 ones', () => {
    expect(stripEnvelope('May 18 00:16:21 cloud systemd[1]: Stopping The PHP 8.1 FastCGI Process Manager...')).toMatchObject({
      time: null,
      program: 'systemd',
      text: 'Stopping The PHP 8.1 FastCGI Process Manager...',
    });
    const e = stripEnvelope(systemdLog.samples[3]?.line ?? '');
    expect(e.time === null ? null : iso(e.time)).toBe('2026-02-08T00:40:07.136Z');
  });
  it('does not take another program\'s syslog line for systemd\'s or the kernel\'s', () => {
    // https://github.com/mailcow/mailcow/issues/500
    const fpm = 'Sep 16 02:10:10 mailcow php-fpm7.0[1062]: [16-Sep-2016 02:10:10] ERROR: FPM initialization failed';
    expect(systemdLog.sniff(fpm)).toBe(0);
    expect(kernelLog.sniff(fpm)).toBe(0);
  });
});

describe('node-app', () => {
  it('does not take stack frames or free text', () => {
    // A stack frame (https://github.com/linnovate/mean/issues/2020), one recorded on this host (Node v20.20.2),
    // and another program's line.
    for (const l of ['    at Server.setupListenHandle [as _listen2] (node:net:1285:16)', '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1611:16)', 'Respawned uWSGI worker 1 (new pid: 149)']) {
      expect(nodeAppLog.sniff(l), l).toBe(0);
      expect(run(nodeAppLog, l).ok, l).toBe(false);
    }
  });
  it('tells a refused database from a refused service', () => {
    // https://github.com/csfloat/inspect/issues/172 (database) and one recorded on this host (a service).
    expect(run(nodeAppLog, ' Error: connect ECONNREFUSED 127.0.0.1:5432').facts[0]?.kind).toBe('db-error');
    expect(nodeAppLog.sniff(' Error: connect ECONNREFUSED 127.0.0.1:5432')).toBe(0);
    expect(run(nodeAppLog, 'Error: connect ECONNREFUSED 127.0.0.1:19999').facts[0]?.kind).toBe('third-party-error');
  });
});

describe('apache access: LogFormat compiler', () => {
  const withD = '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %D';
  it('compiles combined + %D into nginx variable names', () => {
    const c = compileApacheLogFormat('d', withD);
    expect(c.vars).toEqual(['remote_addr', 'remote_logname', 'remote_user', 'time_local', 'request', 'status', 'body_bytes_sent', 'http_referer', 'http_user_agent', 'apache_duration_us']);
    expect(c.statusNeedle?.toString()).toBe('" 5');
    expect(c.startTime).toBe(true);
  });
  it('parses a real line with it, moving the time to the end of the request (%t + %D)', () => {
    // Recorded on this host: Apache/2.4.71 (Debian 12), ProxyTimeout 1 to an upstream that answers after 3 s.
    const f = apacheAccessLogFor(withD);
    const { ok, facts, requests } = run(f, '127.0.0.1 - - [01/Dec/2026:14:56:55 +0000] "GET /slow HTTP/1.1" 502 381 "-" "curl/7.88.1" 1001825');
    expect(ok).toBe(true);
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({ kind: 'gateway-status', status: 502, producer: 'apache-access', software: 'apache', request: { client: '127.0.0.1', method: 'GET', uri: '/slow' } });
    expect(facts[0]?.time === null || facts[0]?.time === undefined ? null : iso(facts[0].time)).toBe('2026-12-01T14:56:56.002Z');
    expect(requests[0]?.time).toBe(Date.UTC(2026, 11, 1, 14, 56, 56, 2));
    expect(f.timeOf('127.0.0.1 - - [01/Dec/2026:14:56:55 +0000] "GET /slow HTTP/1.1" 502 381 "-" "curl/7.88.1" 1001825')).toBe(Date.UTC(2026, 11, 1, 14, 56, 56, 2));
  });
  it('accepts the string as written in apache2.conf (LogFormat line, \\" escapes)', () => {
    const line = String.raw`LogFormat "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\" %D" combined_d`;
    expect(compileApacheLogFormat('x', line).regex.source).toBe(compileApacheLogFormat('x', withD).regex.source);
    expect(isApacheLogFormat(line)).toBe(true);
    // A format that itself starts with a quote keeps it.
    expect(compileApacheLogFormat('q', '"%r" %>s %b').regex.source.startsWith('^"')).toBe(true);
    expect(isApacheLogFormat('$remote_addr [$time_local] "$request" $status')).toBe(false);
  });
  it('names the balancer member that served the request as the upstream', () => {
    const f = apacheAccessLogFor('%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %{BALANCER_WORKER_NAME}e %D');
    // Recorded on this host: Apache/2.4.71 (Debian 12), a balancer whose only member closes without answering.
    const { facts } = run(f, '127.0.0.1 - - [01/Dec/2026:15:00:00 +0000] "GET /bal2 HTTP/1.1" 502 381 "-" "curl/7.88.1" http://127.0.0.1:19102 4098');
    expect(facts[0]).toMatchObject({ kind: 'gateway-status', status: 502, upstream: '127.0.0.1:19102' });
    // A request that did not go through the balancer logs "-": no upstream.
    const ok = run(f, '127.0.0.1 - - [01/Dec/2026:14:56:56 +0000] "GET /down HTTP/1.1" 503 339 "-" "curl/7.88.1" - 469');
    expect(ok.facts[0]?.upstream).toBeUndefined();
  });
  it('reads %{X-Forwarded-For}i, %P and a trailing %D (a custom format from a public issue)', () => {
    const f = apacheAccessLogFor('%{X-Forwarded-For}i %l %u %t %P "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D');
    // https://github.com/allinurl/goaccess/issues/857
    const { ok, facts, requests } = run(f, '107.145.117.233 - - [03/Aug/2017:14:58:55 +0000] 24891 "HEAD /phpmy/ HTTP/1.1" 404 - "-" "Mozilla/5.0 Jorgee" 15099834');
    expect(ok).toBe(true);
    expect(facts).toHaveLength(0);
    expect(requests[0]).toMatchObject({ status: 404, path: '/phpmy/', time: Date.UTC(2017, 7, 3, 14, 59, 10, 100) });
    expect(f.compiled.vars).toContain('http_x_forwarded_for');
  });
  it('maps the other directives to nginx names', () => {
    const c = compileApacheLogFormat('all', '%a %{c}a %V %v:%p %m %U%q %H %>s %B %O %I %k %L %{UNIQUE_ID}e %{BALANCER_NAME}e %T %{ms}T %{Host}i %{Set-Cookie}o %%');
    expect(c.vars).toEqual([
      'remote_addr', 'apache_peer_addr', 'apache_server_name', 'server_name', 'server_port', 'request_method', 'request_uri', 'server_protocol',
      'status', 'body_bytes_sent', 'bytes_sent', 'request_length', 'connection_requests', 'request_id', 'apache_env_unique_id',
      'proxy_upstream_name', 'request_time', 'apache_duration_ms', 'host', 'sent_http_set_cookie',
    ]);
    const f = apacheAccessLogFor(c.source, 'all');
    // Recorded on this host: Apache/2.4.71 (Debian 12) with that LogFormat; ProxyTimeout 1, then a balancer
    // whose only member refuses. The format has no time, so the facts have none.
    const slow = run(f, '127.0.0.1 127.0.0.1 127.0.0.1 lab.local:80 GET /slow HTTP/1.1 502 381 544 83 0 WJw71/veabE - - 1 1007 127.0.0.1:19180 - %');
    expect(slow.facts[0]).toMatchObject({ kind: 'gateway-status', status: 502, time: null, request: { client: '127.0.0.1', method: 'GET', uri: '/slow', host: '127.0.0.1:19180', id: 'WJw71/veabE' } });
    const dead = run(f, '127.0.0.1 127.0.0.1 127.0.0.1 lab.local:80 GET /bal3?x=1 HTTP/1.1 503 339 529 87 0 dDxL13veabE - balancer://dead 0 0 127.0.0.1:19180 - %');
    expect(dead.facts[0]).toMatchObject({ status: 503, upstream: 'balancer://dead', request: { uri: '/bal3?x=1' } });
  });
  it('uses %s when the format has no %>s, and keeps an end-time format as it is', () => {
    expect(compileApacheLogFormat('s', '%h %t "%r" %s').vars).toContain('status');
    const end = compileApacheLogFormat('e', '%h [%{end:%d/%b/%Y:%H:%M:%S %z}t] "%r" %>s %D');
    expect(end.startTime).toBe(false);
    // Recorded on this host: Apache/2.4.71 (Debian 12), ProxyTimeout 1 to an upstream that answers after 3 s.
    const { facts } = run(apacheAccessLogFor(end.source), '127.0.0.1 [01/Dec/2026:15:04:20 +0000] "GET /slow HTTP/1.1" 502 1007126');
    expect(facts[0]?.time).toBe(Date.UTC(2026, 11, 1, 15, 4, 20));
  });
  it('never throws on garbage and rejects lines of another layout', () => {
    const f = apacheAccessLogFor('%h %l %u %t "%r" %>s %b');
    for (const l of ['', '"', '%', `- - [${']'.repeat(200)}`, '"'.repeat(5000), `${'a '.repeat(20000)}`, NGINX_ERROR]) expect(run(f, l).ok, l).toBe(false);
    expect(() => compileApacheLogFormat('bad', '%{unterminated %>s %')).not.toThrow();
  });
  it('picks the stock format of a file from its first lines', () => {
    expect(pickApacheAccessFormat([apacheAccessLog.samples[0]?.line ?? ''])?.compiled.name).toBe('vhost_combined');
    expect(pickApacheAccessFormat(['127.0.0.1 - - [01/Dec/2026:14:56:56 +0000] "GET /down HTTP/1.1" 503 339 "-" "curl/7.88.1" 83 529'])?.compiled.name).toBe('combinedio');
    expect(pickApacheAccessFormat([NGINX_COMBINED])).toBeNull();
  });
});
