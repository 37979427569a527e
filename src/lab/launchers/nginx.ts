/** Starts a real nginx (Debian package) on loopback with a generated config in a temporary directory. */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../ports.js';
import { startProcess, waitForPort } from '../processes.js';
import type { RunningProxy } from './types.js';

export interface NginxSpec {
  /** Working directory (config, logs, temp files go under it). */
  dir: string;
  /** Directives at http{} level: upstream blocks, resolver, log formats. */
  http?: string;
  /** Directives inside the lab's server{}: locations, proxy_* settings. */
  server: string;
  /** worker_connections (default 256). */
  workerConnections?: number;
  /** error_log level (default "warn", so "upstream server temporarily disabled" shows). */
  errorLogLevel?: 'debug' | 'info' | 'notice' | 'warn' | 'error';
  /** access_log format name or definition (default: combined, as Debian's nginx.conf). */
  accessLogFormat?: string;
  /** Return instead of failing when nginx refuses to start (its error is in startError). */
  allowStartFailure?: boolean;
}

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** Path of the nginx binary, or null when nginx is not installed. */
export function nginxBinary(): string | null {
  for (const c of CANDIDATES) if (existsSync(c)) return c;
  return null;
}

/**
 * Start nginx in the foreground (daemon off) as a tracked child process.
 * @example const ngx = await launchNginx({ dir, server: 'location / { proxy_pass http://127.0.0.1:9; }' });
 */
export async function launchNginx(spec: NginxSpec): Promise<RunningProxy> {
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
  const format = spec.accessLogFormat ?? 'combined';
  const formatDef = /^\w+$/.test(format) ? '' : `log_format lab '${format.replace(/'/g, "\\'")}';`;
  const conf = `# why502 lab: generated nginx config
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} ${spec.errorLogLevel ?? 'warn'};
events { worker_connections ${spec.workerConnections ?? 256}; }
http {
  ${formatDef}
  access_log ${accessLog} ${formatDef ? 'lab' : format};
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  ${spec.http ?? ''}
  server {
    listen 127.0.0.1:${port};
    server_name lab.local;
    ${spec.server}
  }
}
`;
  const configPath = join(dir, 'nginx.conf');
  await writeFile(configPath, conf);
  const proc = startProcess(bin, ['-p', dir, '-c', configPath, '-e', errorLog]);
  const alive = (): boolean => proc.child.exitCode === null && proc.child.signalCode === null;
  const base: Omit<RunningProxy, 'startError'> = {
    kind: 'nginx',
    url: `http://127.0.0.1:${port}`,
    port,
    logs: { error: errorLog, access: accessLog },
    configPath,
    stop: () => proc.stop(),
  };
  try {
    await waitForPort(port, '127.0.0.1', 8000, alive);
  } catch (e) {
    await proc.stop();
    const log = existsSync(errorLog) ? await readFile(errorLog, 'utf8') : '';
    const why = (log.split('\n').find((l) => /\[emerg\]/.test(l)) ?? proc.output().trim()) || (e instanceof Error ? e.message : String(e));
    if (spec.allowStartFailure) return { ...base, startError: why };
    throw new Error(`nginx did not start: ${why}`);
  }
  return base;
}
