/**
 * Lookups for checks: every directive with its context chain, and what is in effect at a place after nginx's
 * inheritance. The inheritance rule is nginx's documented one, e.g. for proxy_set_header
 * (https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header): "These directives are inherited
 * from the previous configuration level if and only if there are no proxy_set_header directives defined on the
 * current level." The config is checked by the real nginx where installed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadNginxConfig } from '../../src/config/nginx-load.js';
import { contextOf, directives, effective, enclosing, walk } from '../../src/config/nginx-lookup.js';
import type { ConfigNode } from '../../src/config/nginx-node.js';
import { cleanup, NGINX, nginxTest, tree } from './nginx-helpers.js';

afterAll(cleanup);

const CONF = [
  'events {}', //                                                 1
  'http {', //                                                    2
  '    proxy_read_timeout 300s;', //                              3
  '    proxy_set_header Host $host;', //                          4
  '    proxy_set_header X-Real-IP $remote_addr;', //              5
  '    upstream app {', //                                        6
  '        server 127.0.0.1:18401;', //                           7
  '        keepalive 8;', //                                      8
  '    }', //                                                     9
  '    server {', //                                              10
  '        listen 127.0.0.1:18400;', //                           11
  '        proxy_read_timeout 60s;', //                           12
  '        location / {', //                                      13
  '            proxy_pass http://app;', //                        14
  '            proxy_set_header X-Forwarded-Proto $scheme;', //   15
  '            if ($request_method = POST) {', //                 16
  '                return 405;', //                               17
  '            }', //                                             18
  '            location /nested/ {', //                           19
  '                proxy_read_timeout 5s;', //                    20
  '            }', //                                             21
  '        }', //                                                 22
  '        location /api/ {', //                                  23
  '            proxy_pass http://app;', //                        24
  '        }', //                                                 25
  '    }', //                                                     26
  '}', //                                                         27
  '',
].join('\n');

const at = (nodes: readonly ConfigNode[]): string[] => nodes.map((n) => `${n.line} ${[n.directive, ...n.args].join(' ')}`);

describe('lookups', () => {
  const t = loadNginxConfig({ text: CONF, name: 'nginx.conf' });
  const locations = directives(t, 'location').map((d) => d.node);
  const [root, nested, api] = [locations[0], locations[1], locations[2]];
  if (!root || !nested || !api) throw new Error('fixture has three locations');

  it.skipIf(!NGINX)('uses a config nginx accepts', () => {
    expect(nginxTest(tree({ 'nginx.conf': CONF }))).toMatchObject({ ok: true });
  });

  it('finds every directive of a name with its context chain and enclosing blocks, in document order', () => {
    expect(directives(t, 'proxy_pass').map((d) => [d.node.line, d.context, d.blocks.map((b) => b.line)])).toEqual([
      [14, ['http', 'server', 'location'], [2, 10, 13]],
      [24, ['http', 'server', 'location'], [2, 10, 23]],
    ]);
    expect(directives(t, 'return')[0]?.context).toEqual(['http', 'server', 'location', 'if']);
    expect(directives(t, 'server').map((d) => [d.node.line, d.context])).toEqual([
      [7, ['http', 'upstream']],
      [10, ['http']],
    ]);
    expect(directives(t, ['keepalive', 'listen']).map((d) => d.node.line)).toEqual([8, 11]);
    expect(directives(t, 'resolver')).toEqual([]);
    expect(contextOf(nested)).toEqual(['http', 'server', 'location']);
    expect(enclosing(nested, 'server')?.line).toBe(10);
    expect(enclosing(nested, 'upstream')).toBeNull();
  });

  it('resolves a scalar directive to the nearest level that sets it', () => {
    expect(at(effective(api, 'proxy_read_timeout'))).toEqual(['12 proxy_read_timeout 60s']);
    expect(at(effective(nested, 'proxy_read_timeout'))).toEqual(['20 proxy_read_timeout 5s']);
    expect(at(effective(t, 'proxy_read_timeout'))).toEqual([]);
    const http = t.root[1];
    if (!http) throw new Error('no http');
    expect(at(effective(http, 'proxy_read_timeout'))).toEqual(['3 proxy_read_timeout 300s']);
    // A directive that is not a block: the level it sits in.
    const pass = directives(t, 'proxy_pass')[1]?.node;
    if (!pass) throw new Error('no proxy_pass');
    expect(at(effective(pass, 'proxy_read_timeout'))).toEqual(['12 proxy_read_timeout 60s']);
    // Inside `if` in a location: the location's settings apply.
    const ifBlock = directives(t, 'if')[0]?.node;
    if (!ifBlock) throw new Error('no if');
    expect(at(effective(ifBlock, 'proxy_read_timeout'))).toEqual(['12 proxy_read_timeout 60s']);
  });

  it('inherits array-like directives only when the inner level sets none', () => {
    // "/" sets one proxy_set_header: the two from http do not apply there.
    expect(at(effective(root, 'proxy_set_header'))).toEqual(['15 proxy_set_header X-Forwarded-Proto $scheme']);
    // "/api/" sets none: both from http apply.
    expect(at(effective(api, 'proxy_set_header'))).toEqual(['4 proxy_set_header Host $host', '5 proxy_set_header X-Real-IP $remote_addr']);
    // "/nested/" sets none and inherits from "/", not from http.
    expect(at(effective(nested, 'proxy_set_header'))).toEqual(['15 proxy_set_header X-Forwarded-Proto $scheme']);
  });

  it('does not inherit handlers, and nothing crosses into an upstream block', () => {
    expect(at(effective(nested, 'proxy_pass'))).toEqual([]);
    expect(at(effective(root, 'proxy_pass'))).toEqual(['14 proxy_pass http://app']);
    const upstreamServer = directives(t, 'server')[0]?.node;
    if (!upstreamServer) throw new Error('no upstream server');
    expect(at(effective(upstreamServer, 'proxy_read_timeout'))).toEqual([]);
    expect(at(effective(upstreamServer, 'keepalive'))).toEqual(['8 keepalive 8']);
  });

  it('walks the combined view in document order', () => {
    const lines: number[] = [];
    walk(t, (n) => lines.push(n.line));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(lines).toHaveLength(20);
  });

  it('keeps parent links out of JSON and deep equality', () => {
    const json = JSON.parse(JSON.stringify(api)) as unknown;
    expect(json).toEqual({ directive: 'location', line: 23, args: ['/api/'], file: 'nginx.conf', block: [{ directive: 'proxy_pass', line: 24, args: ['http://app'], file: 'nginx.conf' }] });
    expect(api.block?.[0]?.parent).toBe(api);
    expect(api.where()).toBe('nginx.conf:23');
  });
});
