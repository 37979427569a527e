/**
 * The tokenizer against nginx's own rules (ngx_conf_read_token in src/core/ngx_conf_file.c). Every config that
 * is expected to be valid is also handed to the real nginx (`nginx -t`) where it is installed, so the expected
 * tokens are never only our reading of the C code.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tokenize, unescapeWord } from '../../src/config/nginx-lexer.js';
import { parseNginxText } from '../../src/config/nginx-parser.js';
import { cleanup, NGINX, nginxTest, tree } from './nginx-helpers.js';

afterAll(cleanup);

const words = (text: string): string[] => tokenize(text, 't.conf').tokens.map((t) => t.text);

/** A server-level snippet inside a whole config, as nginx -t needs it. */
function acceptedByNginx(serverBody: string): void {
  if (!NGINX) return;
  const dir = tree({ 'nginx.conf': `events {}\nhttp {\n  server {\n    listen 127.0.0.1:18099;\n    ${serverBody}\n  }\n}\n` });
  const v = nginxTest(dir);
  expect(v.stderr).toBe('');
  expect(v.ok).toBe(true);
}

describe('nginx tokenizer', () => {
  // crossplane's "messy" config (https://github.com/nginxinc/crossplane, tests/configs/messy/nginx.conf), a
  // public collection of quoting and escaping corner cases. Expected words follow ngx_conf_read_token.
  const MESSY = [
    'user nobody;',
    '# hello\\n\\\\n\\\\\\n worlddd  \\#\\\\#\\\\\\# dfsf\\n \\\\n \\\\\\n \\',
    '"events" { "worker_connections" "2048"; }',
    '',
    '"http" {#forteen',
    '    # this is a comment',
    '    "access_log" off;default_type "text/plain"; error_log "off";',
    '    server {',
    '        "listen" "8083"            ;',
    '        "return" 200 "Ser\\" \' \' ver\\\\ \\ $server_addr:\\$server_port\\n\\nTime: $time_local\\n\\n";',
    '    }',
    '    "server" {"listen" 8080;',
    "        'root' /usr/share/nginx/html;",
    '        location ~ "/hello/world;"{"return" 301 /status.html;}',
    '        location /foo{}location /bar{}',
    '        location /\\{\\;\\}\\ #\\ ab"c"###s {}# hello',
    '        if ($request_method = P\\{O\\)\\###\\;"S"T  ){}',
    '        location "/status.html" {',
    '            try_files /abc/${uri} /abc/${uri}.html =404 ;',
    '        }',
    '        "location" "/sta;',
    '                    tus" {"return" 302 /status.html;}',
    '        "location" /upstream_conf { "return" 200 /status.html; }}',
    '    server',
    '                {}}',
    '',
  ].join('\n');

  it('reads crossplane\'s messy config word for word, and nginx accepts it', () => {
    const { tokens, errors } = tokenize(MESSY, 'messy.conf');
    expect(errors).toEqual([]);
    const t = tokens.map((x) => x.text);
    expect(t.slice(0, 9)).toEqual(['user', 'nobody', ';', 'events', '{', 'worker_connections', '2048', ';', '}']);
    // `\"` and `\\` unescape, `\ ` and `\$` stay, `\n` becomes a newline.
    expect(t).toContain('Ser" \' \' ver\\ \\ $server_addr:\\$server_port\n\nTime: $time_local\n\n');
    // A ";" inside quotes is text; a "{" right after a closing quote opens the block.
    expect(t.slice(t.indexOf('/hello/world;') - 2, t.indexOf('/hello/world;') + 2)).toEqual(['location', '~', '/hello/world;', '{']);
    // Unquoted: backslash-escaped "{", ";", " " stay in the word; a quote or "#" inside a word is literal.
    expect(t).toContain('/\\{\\;\\}\\ #\\ ab"c"###s');
    expect(t).toContain('P\\{O\\)\\###\\;"S"T');
    expect(t).toContain('/abc/${uri}.html');
    expect(t).toContain('/sta;\n                    tus');
    const sta = tokens.find((x) => x.text.startsWith('/sta;'));
    expect(sta?.line).toBe(21);
    expect(tokens.at(-1)).toMatchObject({ kind: '}', line: 25 });
    if (NGINX) {
      // Debian has no group "nobody": name one that exists, keeping every line where it is.
      const dir = tree({ 'nginx.conf': MESSY.replace('user nobody;', 'user nobody nogroup;') });
      expect(nginxTest(dir)).toMatchObject({ ok: true });
    }
  });

  it('keeps ";" and braces inside quotes as text', () => {
    expect(words('return 200 "a;b{c}";')).toEqual(['return', '200', 'a;b{c}', ';']);
    const quotedBrace = tokenize('return 200 "{";', 't').tokens[2];
    expect(quotedBrace).toMatchObject({ kind: 'word', text: '{', quoted: true });
    acceptedByNginx('location /q { return 200 "a;b{c}"; }');
  });

  it('unescapes escaped quotes in both kinds of quotes', () => {
    expect(words(`return 200 "say \\"hi\\"" 'it\\'s';`)).toEqual(['return', '200', 'say "hi"', "it's", ';']);
    expect(words(`return 200 "it's" 'say "hi"';`)).toEqual(['return', '200', "it's", 'say "hi"', ';']);
    expect(words('return 200 "";')).toEqual(['return', '200', '', ';']);
    acceptedByNginx(`location /e { add_header X-A "say \\"hi\\""; add_header X-B 'it\\'s'; return 200 ""; }`);
  });

  it('applies exactly nginx\'s escapes: \\" \\\' \\\\ \\t \\r \\n, and leaves any other backslash', () => {
    expect(unescapeWord('a\\tb\\nc\\rd\\\\e\\"f\\\'g')).toBe('a\tb\nc\rd\\e"f\'g');
    expect(unescapeWord('\\d+\\.\\$x')).toBe('\\d+\\.\\$x');
    expect(words('rewrite ^/a\\ b$ /c;')).toEqual(['rewrite', '^/a\\ b$', '/c', ';']);
  });

  it('starts a comment only at the start of a word', () => {
    expect(words('listen 80; # a comment ; { }\nserver_name a#b;')).toEqual(['listen', '80', ';', 'server_name', 'a#b', ';']);
    expect(words('# only a comment')).toEqual([]);
    acceptedByNginx('server_name a#b; # trailing ; { }');
  });

  it('ends a bare word at a space, ";" or "{" but not at "}"', () => {
    expect(words('return 200 a}b;')).toEqual(['return', '200', 'a}b', ';']);
    expect(words('location /foo{}')).toEqual(['location', '/foo', '{', '}']);
    acceptedByNginx('location /x { return 200 a}b; }');
  });

  it('keeps ${var} braces in the word instead of opening a block', () => {
    expect(words('set $a ${host}x;')).toEqual(['set', '$a', '${host}x', ';']);
    expect(words('return 200 "${host}{";')).toEqual(['return', '200', '${host}{', ';']);
    acceptedByNginx('location /v { set $a ${host}x; return 200 "${a}{"; }');
  });

  it('reads unicode words and counts lines by newline, not by byte', () => {
    const r = tokenize('server_name пример.рф;\nreturn 200 "héllo → 世界 😀";\nlisten 80;', 't');
    expect(r.tokens.map((t) => [t.text, t.line])).toEqual([
      ['server_name', 1], ['пример.рф', 1], [';', 1],
      ['return', 2], ['200', 2], ['héllo → 世界 😀', 2], [';', 2],
      ['listen', 3], ['80', 3], [';', 3],
    ]);
    acceptedByNginx('server_name пример.рф; location /u { return 200 "héllo → 世界 😀"; }');
  });

  it('counts lines across CRLF, multi-line quotes and escaped newlines; skips a byte order mark', () => {
    const r = tokenize('\ufeffa 1;\r\nb "x\ny";\r\nc \\\nd;\n', 't');
    expect(r.tokens.filter((t) => t.kind === 'word').map((t) => [t.text, t.line])).toEqual([
      ['a', 1], ['1', 1], ['b', 2], ['x\ny', 2], ['c', 4], ['\\\nd', 4],
    ]);
    expect(r.tokens.at(-1)?.line).toBe(5);
  });

  it('marks the first token of each line', () => {
    const r = tokenize('a 1\n  2;\nb 3;', 't');
    expect(r.tokens.filter((t) => t.lineFirst).map((t) => t.text)).toEqual(['a', '2', 'b']);
  });

  it('strips the outer parentheses of if, as crossplane does', () => {
    const { parsed } = parseNginxText('if ($request_method = POST) { return 405; }\nif ( $x ) {}', 't');
    expect(parsed.map((s) => s.args)).toEqual([['$request_method', '=', 'POST'], ['$x']]);
  });

  it('keeps a *_by_lua_block body as one raw parameter, braces in Lua strings and comments included', () => {
    const text = [
      'location /lua {',
      '    content_by_lua_block {',
      '        ngx.say("} not the end { ;")  -- } nor this',
      '        local t = { [[ } ]] }',
      '    }',
      '    access_log off;',
      '}',
    ].join('\n');
    const r = parseNginxText(text, 'lua.conf');
    expect(r.errors).toEqual([]);
    const body = r.parsed[0]?.block ?? [];
    expect(body.map((s) => s.directive)).toEqual(['content_by_lua_block', 'access_log']);
    expect(body[0]?.args[0]).toContain('ngx.say("} not the end { ;")');
    expect(body[1]?.line).toBe(6);
    expect(r.notes.map((n) => n.code)).toEqual(['CONF_LUA_RAW']);
  });
});
