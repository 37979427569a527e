/**
 * Every 502-related message in nginx's source (HEAD, 1.31 line: the proxy_v2 module and grpc/fastcgi/uwsgi/scgi/
 * memcached), written as nginx 1.22's error log would carry it, maps to its fact kind. Lines nginx 1.22 can
 * produce are also checked against the real nginx in test/lab-nginx.test.ts; these cover the rest.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Fact } from '../src/evidence/facts.js';
import { nginxErrorLog } from '../src/logs/formats/nginx-error.js';

interface SourceMessage {
  source: string;
  level: string;
  message: string;
  expect: string | null;
}

const fixtures = JSON.parse(readFileSync('test/fixtures/nginx-source-messages.json', 'utf8')) as SourceMessage[];

describe('nginx messages from source', () => {
  it('covers the upstream, proxy, proxy_v2, fastcgi, grpc and memcached modules', () => {
    for (const mod of ['ngx_http_upstream.c', 'ngx_http_proxy_module.c', 'ngx_http_proxy_v2_module.c', 'ngx_http_fastcgi_module.c', 'ngx_http_memcached_module.c']) {
      expect(fixtures.some((f) => f.source.includes(mod))).toBe(true);
    }
  });
  for (const fx of fixtures) {
    it(`${fx.source.split(' (')[0] ?? ''}: ${fx.message.slice(0, 70)}`, () => {
      const level = fx.level === 'err' ? 'error' : fx.level;
      const line = `2026/12/01 10:00:00 [${level}] 7#7: *42 ${fx.message} while reading response header from upstream, client: 10.0.0.1, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.9:8080/", host: "a"`;
      const facts: Fact[] = [];
      expect(nginxErrorLog.parse(line, { file: 'x', lineNo: 1, zone: { kind: 'offset', minutes: 0 }, emit: (f) => facts.push(f) })).toBe(true);
      if (fx.expect === null) expect(facts).toEqual([]);
      else expect(facts.map((f) => f.kind)).toEqual([fx.expect]);
    });
  }
});
