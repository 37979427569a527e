/**
 * `--dump` writes crossplane's payload. The expected payloads are crossplane's own published test expectations
 * (https://github.com/nginxinc/crossplane: tests/configs/cli-test/payload.json and test_includes_globbed in
 * tests/test_parse.py), so a tool reading `crossplane parse` output reads ours.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { toCrossplane } from '../../src/config/dump.js';
import { loadNginxConfig } from '../../src/config/nginx-load.js';
import { cleanup, NGINX, nginxTest, tree } from './nginx-helpers.js';

afterAll(cleanup);

describe('crossplane payload', () => {
  it('matches crossplane\'s cli-test payload for its cli-test config', () => {
    // crossplane tests/configs/cli-test/nginx.conf
    const conf = 'events {\n    worker_connections 1024;\n}\n\nhttp {\n    server {\n        listen 80;\n        server_name localhost;\n\n        location / {\n            return 200 "Hello, World!";\n        }\n    }\n}\n';
    const payload = toCrossplane(loadNginxConfig({ text: conf, name: 'nginx.conf' }));
    // crossplane tests/configs/cli-test/payload.json, key order included.
    expect(JSON.stringify(payload)).toBe(
      JSON.stringify({
        status: 'ok',
        errors: [],
        config: [
          {
            file: 'nginx.conf',
            status: 'ok',
            errors: [],
            parsed: [
              { directive: 'events', line: 1, args: [], block: [{ directive: 'worker_connections', line: 2, args: ['1024'] }] },
              {
                directive: 'http',
                line: 5,
                args: [],
                block: [
                  {
                    directive: 'server',
                    line: 6,
                    args: [],
                    block: [
                      { directive: 'listen', line: 7, args: ['80'] },
                      { directive: 'server_name', line: 8, args: ['localhost'] },
                      { directive: 'location', line: 10, args: ['/'], block: [{ directive: 'return', line: 11, args: ['200', 'Hello, World!'] }] },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
  });

  it('lists each file once and points includes at them by index, as crossplane\'s includes-globbed test expects', () => {
    // The tree of crossplane tests/configs/includes-globbed; servers/locations/ must not be used: includes
    // resolve against the main file's directory.
    const dir = tree({
      'nginx.conf': 'events {}\ninclude http.conf;\n',
      'http.conf': 'http {\n    include servers/*.conf;\n}\n',
      'servers/server1.conf': 'server {\n    listen 127.0.0.1:8080;\n    include locations/*.conf;\n}\n',
      'servers/server2.conf': 'server {\n    listen 127.0.0.1:8081;\n    include locations/*.conf;\n}\n',
      'servers/locations/not-included.conf': 'location /not-included {\n    return 200 not-included;\n}\n',
      'locations/location1.conf': 'location /foo {\n    return 200 foo;\n}\n',
      'locations/location2.conf': 'location /bar {\n    return 200 bar;\n}\n',
    });
    const payload = toCrossplane(loadNginxConfig({ path: `${dir}/nginx.conf` }));
    const f = (rel: string, parsed: unknown[]): unknown => ({ file: `${dir}/${rel}`, status: 'ok', errors: [], parsed });
    const server = (port: number): unknown => ({
      directive: 'server',
      line: 1,
      args: [],
      block: [
        { directive: 'listen', line: 2, args: [`127.0.0.1:${port}`] },
        { directive: 'include', line: 3, args: ['locations/*.conf'], includes: [4, 5] },
      ],
    });
    const location = (name: string): unknown => ({ directive: 'location', line: 1, args: [`/${name}`], block: [{ directive: 'return', line: 2, args: ['200', name] }] });
    expect(payload).toEqual({
      status: 'ok',
      errors: [],
      config: [
        f('nginx.conf', [
          { directive: 'events', line: 1, args: [], block: [] },
          { directive: 'include', line: 2, args: ['http.conf'], includes: [1] },
        ]),
        f('http.conf', [{ directive: 'http', line: 1, args: [], block: [{ directive: 'include', line: 2, args: ['servers/*.conf'], includes: [2, 3] }] }]),
        f('servers/server1.conf', [server(8080)]),
        f('servers/server2.conf', [server(8081)]),
        f('locations/location1.conf', [location('foo')]),
        f('locations/location2.conf', [location('bar')]),
      ],
    });
    if (NGINX) expect(nginxTest(dir)).toMatchObject({ ok: true });
  });

  it('writes errors as crossplane does: "MESSAGE in FILE:LINE", on the payload and on the file', () => {
    const dir = tree({ 'nginx.conf': 'events {}\nhttp {\n    include missing.conf;\n    server { listen 80 }\n}\n' });
    const payload = toCrossplane(loadNginxConfig({ path: `${dir}/nginx.conf` }));
    const notFound = `open() "${dir}/missing.conf" failed (2: No such file or directory) in ${dir}/nginx.conf:3`;
    const noSemicolon = `directive "listen" is not terminated by ";": unexpected "}" on line 4 in ${dir}/nginx.conf:4`;
    expect(payload.status).toBe('failed');
    expect(payload.errors).toEqual([
      { file: `${dir}/nginx.conf`, error: notFound, line: 3 },
      { file: `${dir}/nginx.conf`, error: noSemicolon, line: 4 },
    ]);
    expect(payload.config[0]).toMatchObject({ status: 'failed', errors: [{ error: notFound, line: 3 }, { error: noSemicolon, line: 4 }] });
    expect(payload.config[0]?.parsed[1]?.block?.[0]).toEqual({ directive: 'include', line: 3, args: ['missing.conf'], includes: [] });
  });

  it('writes only crossplane\'s fields', () => {
    const payload = toCrossplane(loadNginxConfig({ text: 'server { listen {{ port }}; include none/*.conf; location / { } }' }));
    const keys = new Set<string>();
    const visit = (ds: readonly object[]): void => {
      for (const d of ds) {
        for (const k of Object.keys(d)) keys.add(k);
        if ('block' in d && Array.isArray(d.block)) visit(d.block as object[]);
      }
    };
    visit(payload.config[0]?.parsed ?? []);
    expect([...keys].sort()).toEqual(['args', 'block', 'directive', 'includes', 'line']);
    expect(Object.keys(payload)).toEqual(['status', 'errors', 'config']);
    expect(Object.keys(payload.config[0] ?? {})).toEqual(['file', 'status', 'errors', 'parsed']);
    expect(payload.config[0]?.parsed[0]?.block?.[0]).toEqual({ directive: 'listen', line: 1, args: ['{{template}}'] });
  });
});
