/**
 * `nginx -T` output as input. The dumps here are produced by the real nginx installed on this host (1.22.1 on
 * Debian) from a config written by the test; `nginx -T` parses and prints, it never binds the listen ports.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadNginxConfig, readNginxConfig } from '../../src/config/nginx-load.js';
import { directives } from '../../src/config/nginx-lookup.js';
import { splitNginxT } from '../../src/config/nginx-t.js';
import { TEMPLATE_MARKER } from '../../src/config/nginx-types.js';
import { Readable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { cleanup, NGINX, nginxDump, outline, tree } from './nginx-helpers.js';

afterAll(cleanup);

const FILES = {
  'nginx.conf': [
    'worker_processes 1;',
    'pid logs/nginx.pid;',
    'events { worker_connections 64; }',
    'http {',
    '    include types.conf;',
    '    include conf.d/*.conf;',
    '}',
    '',
  ].join('\n'),
  'types.conf': 'types {\n    text/html html;\n}\ndefault_type application/octet-stream;\n',
  'conf.d/a.conf': 'server {\n    listen 127.0.0.1:18201;\n    include snippets/proxy.conf;\n    location / { proxy_pass http://127.0.0.1:18301; }\n}\n',
  'conf.d/b.conf': [
    'server {',
    '    listen 127.0.0.1:18202;',
    '    include snippets/proxy.conf;',
    "    location /page { sub_filter '{{placeholder}}' 'value'; proxy_pass http://127.0.0.1:18302; }",
    '}',
    '',
  ].join('\n'),
  'snippets/proxy.conf': 'proxy_read_timeout 30s;\nproxy_set_header Host $host;\n',
};

describe.skipIf(!NGINX)('nginx -T output from the real nginx', () => {
  it('splits into the files nginx read, and resolves includes to those sections', () => {
    const dir = tree(FILES);
    const dump = nginxDump(dir);
    const sections = splitNginxT(dump);
    expect(sections?.map((s) => s.path)).toEqual([
      `${dir}/nginx.conf`,
      `${dir}/types.conf`,
      `${dir}/conf.d/a.conf`,
      `${dir}/snippets/proxy.conf`,
      `${dir}/conf.d/b.conf`,
    ]);
    // Each section is the file's bytes, without the newline nginx adds after it.
    expect(sections?.[2]?.text).toBe(FILES['conf.d/a.conf']);

    const fromDump = loadNginxConfig({ text: dump, name: '-' });
    expect(fromDump).toMatchObject({ origin: 'nginx-T', input: '-', main: `${dir}/nginx.conf`, prefix: dir, status: 'ok', context: [] });
    expect(fromDump.notes.map((n) => n.code)).toEqual(['CONF_NGINX_T']);
    // The same tree as reading the files themselves (as plain nginx, not as templates), names and lines included.
    const fromDisk = loadNginxConfig({ path: `${dir}/nginx.conf` }, { templates: false });
    expect(outline(fromDump.root)).toEqual(outline(fromDisk.root));
    expect(fromDump.files.map((f) => f.file)).toEqual(fromDisk.files.map((f) => f.file));
    expect(directives(fromDump, 'proxy_read_timeout').map((d) => [d.node.file, d.node.line, d.blocks[1]?.file])).toEqual([
      [`${dir}/snippets/proxy.conf`, 1, `${dir}/conf.d/a.conf`],
      [`${dir}/snippets/proxy.conf`, 1, `${dir}/conf.d/b.conf`],
    ]);
  });

  it('takes no template markup out of a dump: nginx accepted that text as it is', () => {
    const dir = tree(FILES);
    const fromDump = loadNginxConfig({ text: nginxDump(dir) });
    expect(directives(fromDump, 'sub_filter')[0]?.node.args).toEqual(['{{placeholder}}', 'value']);
    // The same file read as a file may be a template, so there it is markup.
    const fromDisk = loadNginxConfig({ path: `${dir}/nginx.conf` });
    expect(directives(fromDisk, 'sub_filter')[0]?.node.args).toEqual([TEMPLATE_MARKER, 'value']);
  });

  it('reads a dump saved to a file, or piped with nginx\'s own messages in front (2>&1)', async () => {
    const dir = tree(FILES);
    const dump = nginxDump(dir);
    const saved = `${dir}/dump.txt`;
    writeFileSync(saved, dump);
    const fromFile = loadNginxConfig({ path: saved });
    expect(fromFile).toMatchObject({ origin: 'nginx-T', input: saved, main: `${dir}/nginx.conf`, status: 'ok' });
    const piped = `nginx: the configuration file ${dir}/nginx.conf syntax is ok\nnginx: configuration file ${dir}/nginx.conf test is successful\n${dump}`;
    const fromStdin = await readNginxConfig('-', { stdin: Readable.from([Buffer.from(piped)]) });
    expect(fromStdin).toMatchObject({ origin: 'nginx-T', input: '-', status: 'ok' });
    expect(outline(fromStdin.root)).toEqual(outline(fromFile.root));
  });
});

describe('nginx -T splitting', () => {
  it('says a file an include names is not in the dump, rather than reading this host\'s disk', () => {
    const dump = '# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp {\n    include /etc/nginx/mime.types;\n    include conf.d/*.conf;\n}\n\n';
    const t = loadNginxConfig({ text: dump, name: 'pasted' });
    expect(t.errors).toEqual([
      {
        code: 'CONF_INCLUDE_NOT_FOUND',
        file: '/etc/nginx/nginx.conf',
        line: 3,
        error: 'open() "/etc/nginx/mime.types" failed (2: No such file or directory): not in the nginx -T output (pasted)',
      },
    ]);
  });

  it('is not fooled by a config that only mentions the separator later', () => {
    expect(splitNginxT('events {}\n# configuration file /x:\n')).toBeNull();
    expect(splitNginxT('')).toBeNull();
  });
});
