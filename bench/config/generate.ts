/**
 * The generated include tree the config benchmark and its test read: nginx.conf with `include conf.d/*.conf;`
 * in http, and N files each holding an upstream and a server with four locations, as config generators
 * (one file per site) write them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GeneratedTree {
  main: string;
  files: number;
  servers: number;
  locations: number;
}

/** The name of site `i`'s file: zero-padded, so glob order is numeric order. */
export function siteFile(i: number): string {
  return `site-${String(i).padStart(5, '0')}.conf`;
}

/**
 * Write the tree into `dir` (created). Ports stay on loopback and nothing is started: `nginx -t` accepts the tree.
 * @example writeIncludeTree('/tmp/tree', 5000).main // '/tmp/tree/nginx.conf'
 */
export function writeIncludeTree(dir: string, count: number): GeneratedTree {
  mkdirSync(join(dir, 'conf.d'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const main = join(dir, 'nginx.conf');
  writeFileSync(
    main,
    [
      'worker_processes 1;',
      'pid logs/nginx.pid;',
      'events { worker_connections 64; }',
      'http {',
      '    server_names_hash_bucket_size 64;',
      '    server_names_hash_max_size 16384;',
      '    proxy_read_timeout 30s;',
      '    include conf.d/*.conf;',
      '}',
      '',
    ].join('\n'),
  );
  for (let i = 0; i < count; i++) {
    writeFileSync(
      join(dir, 'conf.d', siteFile(i)),
      [
        `# site ${i}, generated`,
        `upstream app_${i} {`,
        `    server 127.0.0.1:${20000 + (i % 20000)};`,
        '    keepalive 8;',
        '}',
        'server {',
        '    listen 127.0.0.1:18080;',
        `    server_name site${i}.example.test www.site${i}.example.test;`,
        `    root /srv/site${i}/public;`,
        '    location / {',
        '        try_files $uri @app;',
        '    }',
        '    location @app {',
        `        proxy_pass http://app_${i};`,
        '        proxy_http_version 1.1;',
        '        proxy_set_header Connection "";',
        '        proxy_set_header Host $host;',
        '    }',
        '    location /api/ {',
        `        proxy_pass http://app_${i};`,
        '        proxy_read_timeout 60s;',
        '    }',
        '    location = /health {',
        '        return 200 "ok\\n";',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
  }
  return { main, files: count + 1, servers: count, locations: count * 4 };
}
