/** Starts a real nginx (Debian package) on loopback with a config generated from the target in a temporary directory. */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProxyTarget } from '../faults/types.js';
import { freePort } from '../ports.js';
import { startProcess, waitForPort } from '../processes.js';
import { socketPath, type LaunchSpec, type RunningProxy } from './types.js';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** Path of the nginx binary, or null when nginx is not installed. */
export function nginxBinary(): string | null {
  for (const c of CANDIDATES) if (existsSync(c)) return c;
  return null;
}

/** The location and http-level configuration that point nginx at the target. */
export function nginxUpstreamConfig(t: ProxyTarget): { http: string; location: string } {
  const http: string[] = [];
  const loc: string[] = [];
  const first = t.servers[0] ?? '127.0.0.1:1';
  const port = first.split(':').pop() ?? '80';
  const addr = (s: string): string => (socketPath(s) ? `unix:${socketPath(s) ?? ''}` : s);
  let pass: string;
  if (t.hostName !== undefined && t.resolver !== undefined) {
    // A variable makes nginx resolve at request time (with `resolver`, or failing without one).
    if (t.resolver !== 'none') http.push(`resolver ${t.resolver} valid=1s;`, 'resolver_timeout 1s;');
    loc.push(`set $backend ${t.hostName}:${port};`);
    pass = '$backend';
  } else if (t.hostName !== undefined) {
    pass = `${t.hostName}:${port}`;
  } else if (t.servers.length > 1 || t.keepalive || t.failFast) {
    http.push('upstream app_pool {', ...t.servers.map((s) => `    server ${addr(s)}${t.failFast ? ' max_fails=1 fail_timeout=30s' : ''};`), ...(t.keepalive ? ['    keepalive 16;'] : []), '  }');
    pass = 'app_pool';
  } else if (socketPath(first)) {
    // proxy_pass takes a URL ("http://unix:/path:"); fastcgi_pass an address ("unix:/path").
    pass = t.scheme === 'fastcgi' ? `unix:${socketPath(first) ?? ''}` : `unix:${socketPath(first) ?? ''}:`;
  } else {
    pass = first;
  }
  if (t.scheme === 'fastcgi') {
    loc.push('include /etc/nginx/fastcgi_params;', `fastcgi_param SCRIPT_FILENAME ${t.fastcgi?.root ?? '/srv'}$fastcgi_script_name;`, `fastcgi_pass ${pass};`);
    if (t.readTimeoutMs) loc.push(`fastcgi_read_timeout ${t.readTimeoutMs}ms;`);
    return { http: http.join('\n  '), location: loc.join('\n    ') };
  }
  loc.push(`proxy_pass ${t.scheme}://${pass};`);
  if (t.keepalive) loc.push('proxy_http_version 1.1;', 'proxy_set_header Connection "";');
  if (t.readTimeoutMs) loc.push(`proxy_read_timeout ${t.readTimeoutMs}ms;`);
  if (t.verify) loc.push('proxy_ssl_verify on;', `proxy_ssl_trusted_certificate ${t.verify.ca};`, 'proxy_ssl_server_name on;', `proxy_ssl_name ${t.verify.name};`);
  if (t.tlsVersion) loc.push(`proxy_ssl_protocols ${t.tlsVersion};`);
  return { http: http.join('\n  '), location: loc.join('\n    ') };
}

/**
 * Start nginx in the foreground (daemon off) as a tracked child process.
 * @example const ngx = await launchNginx({ dir, target: { scheme: 'http', servers: ['127.0.0.1:9'] } });
 */
export async function launchNginx(spec: LaunchSpec & { errorLogLevel?: string; accessLogFormat?: string; extraServer?: string }): Promise<RunningProxy> {
  const bin = nginxBinary();
  if (!bin) throw new Error('nginx is not installed (apt-get install nginx)');
  const { dir } = spec;
  const logs = join(dir, 'logs');
  const tmp = join(dir, 'tmp');
  await mkdir(logs, { recursive: true });
  await mkdir(tmp, { recursive: true });
  // Workers drop to "nobody" when nginx starts as root: they must be able to write temp files.
  await chmod(tmp, 0o777);
  const port = await freePort();
  const errorLog = join(logs, 'error.log');
  const accessLog = join(logs, 'access.log');
  const format = spec.accessLogFormat;
  const up = nginxUpstreamConfig(spec.target);
  // Level warn shows "upstream server temporarily disabled"; the access log is Debian's default, combined.
  const conf = `# why502 lab: generated nginx config
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} ${spec.errorLogLevel ?? 'warn'};
events { worker_connections ${spec.target.maxConnections ?? 256}; }
http {
  ${format ? `log_format lab '${format.replace(/'/g, "\\'")}';` : ''}
  access_log ${accessLog} ${format ? 'lab' : 'combined'};
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  ${up.http}
  server {
    listen 127.0.0.1:${port};
    server_name lab.local;
    location / {
    ${up.location}
    }
    ${spec.extraServer ?? ''}
  }
}
`;
  const configPath = join(dir, 'nginx.conf');
  await writeFile(configPath, conf);
  const proc = startProcess(bin, ['-p', dir, '-c', configPath, '-e', errorLog]);
  const alive = (): boolean => proc.child.exitCode === null && proc.child.signalCode === null;
  const base: RunningProxy = { kind: 'nginx', url: `http://127.0.0.1:${port}`, port, logs: [errorLog, accessLog], configPath, stop: () => proc.stop() };
  try {
    await waitForPort(port, '127.0.0.1', 8000, alive);
  } catch (e) {
    await proc.stop();
    const log = existsSync(errorLog) ? await readFile(errorLog, 'utf8') : '';
    const why = (log.split('\n').find((l) => /\[emerg\]/.test(l)) ?? proc.output().trim()) || (e instanceof Error ? e.message : String(e));
    return { ...base, logs: [errorLog], startError: why };
  }
  return base;
}
