/**
 * Fragments: a lone `server { }`, a `location { }`, an upstream's body or a few bare directives are read in
 * the context they imply. Fixtures are nginx's own documentation examples (cited beside each) and the files
 * Debian's nginx-common package installs.
 */
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { impliedContext } from '../../src/config/nginx-fragment.js';
import { loadNginxConfig, readNginxConfig } from '../../src/config/nginx-load.js';
import { contextOf, directives } from '../../src/config/nginx-lookup.js';

const DEBIAN_SITE = '/etc/nginx/sites-available/default';
const DEBIAN_PHP_SNIPPET = '/etc/nginx/snippets/fastcgi-php.conf';

// https://nginx.org/en/docs/http/ngx_http_proxy_module.html, "Example Configuration".
const PROXY_LOCATION = 'location / {\n    proxy_pass       http://localhost:8000;\n    proxy_set_header Host      $host;\n    proxy_set_header X-Real-IP $remote_addr;\n}\n';

describe('fragments', () => {
  it.skipIf(!existsSync(DEBIAN_SITE))('reads Debian\'s default site (a lone server block) as the body of http', () => {
    const t = loadNginxConfig({ path: DEBIAN_SITE });
    expect(t.status).toBe('ok');
    expect(t.context).toEqual(['http']);
    expect(t.notes.find((n) => n.code === 'CONF_FRAGMENT')?.note).toBe('fragment: read as the body of http (top level holds "server")');
    expect(directives(t, 'try_files').map((d) => d.context)).toEqual([['http', 'server', 'location']]);
    expect(directives(t, 'server')[0]?.context).toEqual(['http']);
  });

  it('reads a lone location from stdin as the body of a server', async () => {
    const t = await readNginxConfig('-', { stdin: Readable.from([Buffer.from(PROXY_LOCATION)]) });
    expect(t).toMatchObject({ input: '-', main: '-', origin: 'text', status: 'ok', context: ['http', 'server'] });
    const pass = directives(t, 'proxy_pass')[0];
    expect(pass?.context).toEqual(['http', 'server', 'location']);
    expect(pass?.blocks.map((b) => b.directive)).toEqual(['location']);
    expect(pass && contextOf(pass.node)).toEqual(['http', 'server', 'location']);
  });

  it('reads bare proxy_pass lines as the body of a location', () => {
    const t = loadNginxConfig({ text: 'proxy_pass       http://localhost:8000;\nproxy_set_header Host      $host;\n' });
    expect(t.context).toEqual(['http', 'server', 'location']);
    expect(directives(t, 'proxy_set_header')[0]?.context).toEqual(['http', 'server', 'location']);
  });

  it('reads an upstream\'s body as such', () => {
    // https://nginx.org/en/docs/http/ngx_http_upstream_module.html, "Example Configuration" (the block's body).
    const body = 'server backend1.example.com       weight=5;\nserver backend2.example.com:8080;\nserver unix:/tmp/backend3;\n\nserver backup1.example.com:8080   backup;\nserver backup2.example.com:8080   backup;\n';
    expect(loadNginxConfig({ text: body }).context).toEqual(['http', 'upstream']);
  });

  it('reads a stream server as a stream server, not an http one', () => {
    // https://nginx.org/en/docs/stream/ngx_stream_proxy_module.html, "Example Configuration".
    const t = loadNginxConfig({ text: 'server {\n    listen 127.0.0.1:12345;\n    proxy_pass 127.0.0.1:8080;\n}\n' });
    expect(t.context).toEqual(['stream']);
  });

  it('reads a whole config as a whole config, with no note', () => {
    const t = loadNginxConfig({ text: `events {}\nhttp {\n    server {\n        listen 80;\n        ${PROXY_LOCATION}    }\n}\n` });
    expect(t.context).toEqual([]);
    expect(t.notes).toEqual([]);
    expect(directives(t, 'proxy_pass')[0]?.context).toEqual(['http', 'server', 'location']);
  });

  it.skipIf(!existsSync(DEBIAN_PHP_SNIPPET))('reads Debian\'s fastcgi-php snippet as a server or location body and finds its include one level up', () => {
    const t = loadNginxConfig({ path: DEBIAN_PHP_SNIPPET });
    expect(t.status).toBe('ok');
    expect(t.context).toEqual(['http', 'server']);
    expect(t.files.map((f) => f.file)).toEqual([DEBIAN_PHP_SNIPPET, '/etc/nginx/fastcgi.conf']);
    expect(directives(t, 'fastcgi_param').length).toBeGreaterThan(10);
  });

  it('takes the shallowest level every top-level directive allows', () => {
    const ctx = (text: string): readonly string[] => loadNginxConfig({ text }).context;
    expect(ctx('listen 80;\nlocation / { }')).toEqual(['http', 'server']);
    expect(ctx('return 301 https://$host$request_uri;')).toEqual(['http', 'server']);
    expect(ctx('return 200;\nproxy_pass http://a;')).toEqual(['http', 'server', 'location']);
    expect(ctx('upstream app { server 127.0.0.1:8000; }\nserver { listen 80; }')).toEqual(['http']);
    expect(ctx('proxy_read_timeout 300s;')).toEqual(['http']);
    expect(ctx('')).toEqual([]);
    expect(impliedContext([{ directive: 'listen', args: ['80'] }, { directive: 'proxy_pass', args: ['http://a'] }]).because).toContain('which no single context allows');
  });
});
