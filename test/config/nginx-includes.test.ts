/**
 * `include` as nginx resolves it (ngx_conf_include in src/core/ngx_conf_file.c): relative to the prefix, globs
 * through glob(3) (sorted, no dot files, no match is fine), a missing plain file is an error. Each file is
 * parsed once; a cycle is reported, not followed. Where nginx is installed it confirms the same trees load.
 */
import { symlinkSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { segmentRegExp } from '../../src/config/nginx-glob.js';
import { loadNginxConfig } from '../../src/config/nginx-load.js';
import { directives } from '../../src/config/nginx-lookup.js';
import { cleanup, NGINX, nginxTest, outline, tree } from './nginx-helpers.js';

afterAll(cleanup);

const server = (port: number): string => `server {\n    listen 127.0.0.1:${port};\n}\n`;

describe('includes', () => {
  it('follows globs with *, ? and [...], sorted, skipping dot files, relative to the main file\'s directory', () => {
    const dir = tree({
      'nginx.conf': 'events {}\nhttp {\n    include conf.d/*.conf;\n    include extra/site-?.conf;\n    include extra/[ab]-*.conf;\n}\n',
      'conf.d/b.conf': server(18102),
      'conf.d/a.conf': server(18101),
      'conf.d/.hidden.conf': server(18199),
      'conf.d/readme.txt': 'not config',
      'extra/site-1.conf': server(18111),
      'extra/site-10.conf': server(18199),
      'extra/a-x.conf': server(18121),
      'extra/c-x.conf': server(18199),
    });
    const t = loadNginxConfig({ path: `${dir}/nginx.conf` });
    expect(t.errors).toEqual([]);
    expect(t.files.map((f) => f.file.slice(dir.length + 1))).toEqual(['nginx.conf', 'conf.d/a.conf', 'conf.d/b.conf', 'extra/site-1.conf', 'extra/a-x.conf']);
    const includes = directives(t, 'include').map((d) => d.node.includes);
    expect(includes).toEqual([[1, 2], [3], [4]]);
    // The combined view splices each file in where its include stands.
    expect(directives(t, 'listen').map((d) => [d.node.args[0], d.context])).toEqual([
      ['127.0.0.1:18101', ['http', 'server']],
      ['127.0.0.1:18102', ['http', 'server']],
      ['127.0.0.1:18111', ['http', 'server']],
      ['127.0.0.1:18121', ['http', 'server']],
    ]);
    const second = directives(t, 'server')[1]?.node;
    expect(second?.via?.args).toEqual(['conf.d/*.conf']);
    expect(second?.parent?.directive).toBe('http');
    if (NGINX) expect(nginxTest(dir)).toMatchObject({ ok: true });
  });

  it('matches glob segments like glob(3)', () => {
    expect(segmentRegExp('*.conf').test('.x.conf')).toBe(false);
    expect(segmentRegExp('.*.conf').test('.x.conf')).toBe(true);
    expect(segmentRegExp('[!a]*').test('b1')).toBe(true);
    expect(segmentRegExp('[!a]*').test('a1')).toBe(false);
    expect(segmentRegExp('[0-9][0-9]-*').test('10-site')).toBe(true);
    expect(segmentRegExp('[]x]').test(']')).toBe(true);
    expect(segmentRegExp('a[').test('a[')).toBe(true);
  });

  it('resolves against an explicit prefix, as nginx does against its conf prefix', () => {
    const dir = tree({
      'etc/sites/app.conf': 'server {\n    include snippets/proxy.conf;\n}\n',
      'etc/snippets/proxy.conf': 'proxy_read_timeout 5s;\n',
    });
    const t = loadNginxConfig({ path: `${dir}/etc/sites/app.conf` }, { prefix: `${dir}/etc` });
    expect(t.errors).toEqual([]);
    expect(outline(t.root)).toEqual(['1 server', '  2 include snippets/proxy.conf', '  1 proxy_read_timeout 5s']);
  });

  it('finds a fragment\'s relative include one or two directories up when no prefix is given, with a note', () => {
    const dir = tree({
      'nginx/sites-enabled/app': 'server {\n    listen 80;\n    include proxy_params;\n    include snippets/*.conf;\n    include *.missing;\n}\n',
      'nginx/proxy_params': 'proxy_set_header Host $http_host;\n',
      'nginx/snippets/a.conf': 'proxy_read_timeout 5s;\n',
      'nginx/b.missing': 'not included: a bare glob is never looked for upwards\n',
    });
    const t = loadNginxConfig({ path: `${dir}/nginx/sites-enabled/app` });
    expect(t.errors).toEqual([]);
    expect(t.files.map((f) => f.file.slice(dir.length + 1))).toEqual(['nginx/sites-enabled/app', 'nginx/proxy_params', 'nginx/snippets/a.conf']);
    expect(t.notes.filter((n) => n.code === 'CONF_INCLUDE_FALLBACK').map((n) => n.line)).toEqual([3, 4]);
  });

  it('reports a missing plain include as an error in nginx\'s words, and reads the rest', () => {
    const dir = tree({
      'nginx.conf': 'events {}\nhttp {\n    include missing.conf;\n    include none/*.conf;\n    include ok.conf;\n}\n',
      'ok.conf': server(18131),
    });
    const t = loadNginxConfig({ path: `${dir}/nginx.conf` });
    expect(t.errors).toEqual([
      { code: 'CONF_INCLUDE_NOT_FOUND', file: `${dir}/nginx.conf`, line: 3, error: `open() "${dir}/missing.conf" failed (2: No such file or directory)` },
    ]);
    expect(directives(t, 'listen')).toHaveLength(1);
    if (NGINX) {
      const v = nginxTest(dir);
      expect(v).toMatchObject({ ok: false, file: `${dir}/nginx.conf`, line: 3 });
      expect(v.stderr).toContain(`open() "${dir}/missing.conf" failed (2: No such file or directory)`);
    }
  });

  it('checks that include has one parameter', () => {
    const t = loadNginxConfig({ text: 'http { include a.conf b.conf; include; }' });
    expect(t.errors.map((e) => [e.code, e.error])).toEqual([
      ['CONF_INCLUDE_ARGS', 'invalid number of arguments in "include" directive'],
      ['CONF_INCLUDE_ARGS', 'invalid number of arguments in "include" directive'],
    ]);
  });

  it('parses a file once however often it is included, and splices it in at each place', () => {
    const dir = tree({
      'nginx.conf': 'events {}\nhttp {\n    server { listen 127.0.0.1:18141; include common.conf; }\n    server { listen 127.0.0.1:18142; include ./common.conf; }\n}\n',
      'common.conf': 'location /health { return 200; }\n',
    });
    const t = loadNginxConfig({ path: `${dir}/nginx.conf` });
    expect(t.errors).toEqual([]);
    expect(t.files).toHaveLength(2);
    const health = directives(t, 'location');
    expect(health.map((d) => [d.node.file.slice(dir.length + 1), d.node.line, d.blocks.map((b) => b.line)])).toEqual([
      ['common.conf', 1, [2, 3]],
      ['common.conf', 1, [2, 4]],
    ]);
    if (NGINX) expect(nginxTest(dir)).toMatchObject({ ok: true });
  });

  it('reports an include cycle once, where it closes, and does not loop', () => {
    const dir = tree({
      'nginx.conf': 'events {}\nhttp {\n    include a.conf;\n}\n',
      'a.conf': 'server_tokens off;\ninclude b.conf;\n',
      'b.conf': 'include a.conf;\n',
    });
    const t = loadNginxConfig({ path: `${dir}/nginx.conf` });
    expect(t.errors).toEqual([
      {
        code: 'CONF_INCLUDE_CYCLE',
        file: `${dir}/b.conf`,
        line: 1,
        error: `include cycle: "${dir}/a.conf" is already being included (${dir}/a.conf -> ${dir}/b.conf -> ${dir}/a.conf)`,
      },
    ]);
    expect(directives(t, 'server_tokens')).toHaveLength(1);
  });

  it('catches the classic self-include through a glob in the same directory', () => {
    const dir = tree({ 'conf.d/all.conf': 'include conf.d/*.conf;\nserver { listen 80; }\n', 'conf.d/x.conf': 'server { listen 81; }\n' });
    const t = loadNginxConfig({ path: `${dir}/conf.d/all.conf` }, { prefix: dir });
    expect(t.errors.map((e) => [e.code, e.line])).toEqual([['CONF_INCLUDE_CYCLE', 1]]);
    expect(directives(t, 'listen').map((d) => d.node.args[0])).toEqual(['81', '80']);
  });

  it('names files as nginx does (prefix + path, not normalised) and reads two spellings of one file once', () => {
    const dir = tree({ 'nginx.conf': 'include ./b.conf;\ninclude b.conf;\ninclude ./a/../b.conf;\n', 'b.conf': 'env WHY502_TEST;\n' });
    const t = loadNginxConfig({ path: `${dir}/nginx.conf` });
    expect(t.files.map((f) => f.file.slice(dir.length + 1))).toEqual(['nginx.conf', './b.conf']);
    expect(directives(t, 'include').map((d) => d.node.includes)).toEqual([[1], [1], []]);
    // The kernel, like nginx, needs "a" to exist to go through it.
    expect(t.errors.map((e) => [e.code, e.line])).toEqual([['CONF_INCLUDE_NOT_FOUND', 3]]);
    if (NGINX) expect(nginxTest(dir)).toMatchObject({ ok: false, line: 3 });
  });

  it('ends a loop through a directory symlink with a cycle error', () => {
    const dir = tree({ 'nginx.conf': 'include loop/*.conf;\n' });
    symlinkSync(dir, `${dir}/loop`);
    const t = loadNginxConfig({ path: `${dir}/nginx.conf` });
    expect(t.errors.map((e) => e.code)).toEqual(['CONF_INCLUDE_CYCLE']);
  });

  it('can leave includes alone', () => {
    const t = loadNginxConfig({ text: 'http { include conf.d/*.conf; }' }, { includes: false });
    expect(t.files).toHaveLength(1);
    expect(t.root[0]?.block?.[0]?.includes).toBeUndefined();
  });

  it('stops at the file budget with an error instead of reading a whole disk', () => {
    const files: Record<string, string> = { 'nginx.conf': 'http { include conf.d/*.conf; }\n' };
    for (let i = 0; i < 5; i++) files[`conf.d/${i}.conf`] = `server { listen ${8000 + i}; }\n`;
    const dir = tree(files);
    const t = loadNginxConfig({ path: `${dir}/nginx.conf` }, { maxFiles: 3 });
    expect(t.files).toHaveLength(3);
    expect(t.errors.map((e) => e.code)).toEqual(['CONF_INCLUDE_LIMIT', 'CONF_INCLUDE_LIMIT', 'CONF_INCLUDE_LIMIT']);
  });
});
