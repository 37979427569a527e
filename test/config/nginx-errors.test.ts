/**
 * Syntax errors are collected with file and line, never thrown, and reading goes on. Each case is also run
 * through the real `nginx -t` (where installed) to pin what nginx itself says and where, so our codes and
 * lines stay tied to nginx's behaviour rather than to our reading of it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadNginxConfig } from '../../src/config/nginx-load.js';
import { cleanup, NGINX, nginxTest, outline, tree } from './nginx-helpers.js';

afterAll(cleanup);

interface Case {
  name: string;
  text: string;
  code: string;
  /** Where we point: the directive or block at fault. */
  line: number;
  /** What nginx 1.22.1 says, and the line it names. */
  nginx: { message: string; line: number };
}

const CASES: Case[] = [
  {
    name: 'a "}" with no open block',
    text: 'events {}\nhttp {}\n}\n',
    code: 'CONF_UNEXPECTED_CLOSE',
    line: 3,
    nginx: { message: 'unexpected "}"', line: 3 },
  },
  {
    name: 'a missing ";" before "}"',
    text: 'events {}\nhttp {\n  server {\n    listen 127.0.0.1:18099\n  }\n}\n',
    code: 'CONF_MISSING_SEMICOLON',
    line: 4,
    nginx: { message: 'unexpected "}"', line: 5 },
  },
  {
    name: 'a missing ";" before the next directive',
    text: 'events {}\nhttp {\n  server {\n    listen 127.0.0.1:18099\n    server_name a.test;\n  }\n}\n',
    code: 'CONF_MISSING_SEMICOLON',
    line: 4,
    nginx: { message: 'invalid parameter "server_name"', line: 5 },
  },
  {
    name: 'a block never closed (unbalanced braces)',
    text: 'events {}\nhttp {\n  server {\n    listen 127.0.0.1:18099;\n  }\n',
    code: 'CONF_UNCLOSED_BLOCK',
    line: 2,
    nginx: { message: 'unexpected end of file, expecting "}"', line: 6 },
  },
  {
    name: 'a "{" with no directive',
    text: 'events {}\nhttp {\n  {\n  }\n}\n',
    code: 'CONF_UNEXPECTED_OPEN',
    line: 3,
    nginx: { message: 'unexpected "{"', line: 3 },
  },
  {
    name: 'a ";" with no directive',
    text: 'events {}\nhttp {\n  ;\n}\n',
    code: 'CONF_UNEXPECTED_SEMICOLON',
    line: 3,
    nginx: { message: 'unexpected ";"', line: 3 },
  },
  {
    name: 'a character glued to a closing quote',
    text: 'events {}\nhttp {\n  server {\n    listen "127.0.0.1:18099"x;\n  }\n}\n',
    code: 'CONF_UNEXPECTED_CHAR',
    line: 4,
    nginx: { message: 'unexpected "x"', line: 4 },
  },
  {
    name: 'a quote never closed',
    text: 'events {}\nhttp {\n  server {\n    return 200 "abc;\n  }\n}\n',
    code: 'CONF_UNTERMINATED_QUOTE',
    line: 4,
    nginx: { message: 'unexpected end of file, expecting ";" or "}"', line: 7 },
  },
  {
    name: 'the file ends inside a directive',
    text: 'events {}\nworker_processes 1',
    code: 'CONF_UNEXPECTED_EOF',
    line: 2,
    nginx: { message: 'unexpected end of file, expecting ";" or "}"', line: 2 },
  },
];

describe('syntax errors', () => {
  for (const c of CASES) {
    it(`reports ${c.name} with file and line, as one error`, () => {
      const dir = tree({ 'nginx.conf': c.text });
      const t = loadNginxConfig({ path: `${dir}/nginx.conf` });
      expect(t.status).toBe('failed');
      expect(t.errors).toHaveLength(1);
      expect(t.errors[0]).toMatchObject({ code: c.code, file: `${dir}/nginx.conf`, line: c.line });
      expect(t.files[0]).toMatchObject({ status: 'failed' });
      if (NGINX) {
        const v = nginxTest(dir);
        expect(v).toMatchObject({ ok: false, message: c.nginx.message, file: `${dir}/nginx.conf`, line: c.nginx.line });
      }
    });
  }

  it('uses nginx\'s words where nginx has them', () => {
    const t = loadNginxConfig({ text: 'events {}\n}\nhttp { ; }\nhttp { server { listen 1 } }' });
    expect(t.errors.map((e) => e.error)).toEqual([
      'unexpected "}"',
      'unexpected ";"',
      'directive "listen" is not terminated by ";": unexpected "}" on line 4',
    ]);
  });

  it('collects every error of a file and keeps reading after each', () => {
    const text = [
      'events {}', //                           1
      'http {', //                              2
      '  server {', //                          3
      '    listen 80', //                       4  missing ";"
      '    server_name a.test;', //             5
      '    location / {', //                    6
      '      proxy_pass http://127.0.0.1:9', // 7  missing ";" before "}"
      '    }', //                               8
      '  }', //                                 9
      '  }', //                                 10 one "}" too many: closes http
      '}', //                                   11 and this one closes nothing
      'stream {', //                            12 never closed
      '  server { listen 9000; }', //           13
    ].join('\n');
    const t = loadNginxConfig({ text, name: 'pasted' });
    expect(t.errors.map((e) => [e.code, e.file, e.line])).toEqual([
      ['CONF_MISSING_SEMICOLON', 'pasted', 4],
      ['CONF_MISSING_SEMICOLON', 'pasted', 7],
      ['CONF_UNEXPECTED_CLOSE', 'pasted', 11],
      ['CONF_UNCLOSED_BLOCK', 'pasted', 12],
    ]);
    // What could be read is in the tree, split where the ";" was missing.
    expect(outline(t.root)).toEqual([
      '1 events',
      '2 http',
      '  3 server',
      '    4 listen 80',
      '    5 server_name a.test',
      '    6 location /',
      '      7 proxy_pass http://127.0.0.1:9',
      '12 stream',
      '  13 server',
      '    13 listen 9000',
    ]);
  });

  it('does not split a parameter list continued on the next line', () => {
    const text = "log_format main '$remote_addr'\n                '$status';\nserver_name a.test\n            b.test;\nindex index.html\n      index.htm;";
    const t = loadNginxConfig({ text });
    expect(t.errors).toEqual([]);
    expect(outline(t.root)).toEqual(['1 log_format main $remote_addr $status', '3 server_name a.test b.test', '5 index index.html index.htm']);
  });

  it('names the included file and its line for errors inside it, and marks only that file failed', () => {
    const dir = tree({
      'nginx.conf': 'events {}\nhttp {\n  include conf.d/*.conf;\n}\n',
      'conf.d/a.conf': 'server {\n  listen 80;\n}\n',
      'conf.d/b.conf': 'server {\n  listen 81\n}\n',
    });
    const t = loadNginxConfig({ path: `${dir}/nginx.conf` });
    expect(t.errors).toEqual([
      { code: 'CONF_MISSING_SEMICOLON', file: `${dir}/conf.d/b.conf`, line: 2, error: 'directive "listen" is not terminated by ";": unexpected "}" on line 3' },
    ]);
    expect(t.files.map((f) => f.status)).toEqual(['ok', 'ok', 'failed']);
    if (NGINX) expect(nginxTest(dir)).toMatchObject({ ok: false, message: 'unexpected "}"', file: `${dir}/conf.d/b.conf`, line: 3 });
  });

  it('reports a file that cannot be read instead of throwing', () => {
    const t = loadNginxConfig({ path: '/nonexistent/why502/nginx.conf' });
    expect(t.status).toBe('failed');
    expect(t.errors).toEqual([
      { code: 'CONF_READ', file: '/nonexistent/why502/nginx.conf', line: null, error: 'open() "/nonexistent/why502/nginx.conf" failed (2: No such file or directory)' },
    ]);
    expect(t.root).toEqual([]);
  });
});
