/** Starts a real HAProxy (Debian package) on loopback; its HTTP log (option httplog) goes to logs/haproxy.log. */
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../ports.js';
import { startProcess, waitForPort } from '../processes.js';
import { NotApplicable, socketPath, type LaunchSpec, type RunningProxy } from './types.js';

// HAProxy's `option httplog` format, as its documentation spells it out for log-format.
const HTTPLOG = '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r';

export function haproxyBinary(): string | null {
  for (const c of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) if (existsSync(c)) return c;
  return null;
}

/**
 * Start HAProxy in the foreground (-db) as a tracked child.
 * @example await launchHaproxy({ dir, target: { scheme: 'http', servers: ['127.0.0.1:9'] } })
 */
export async function launchHaproxy(spec: LaunchSpec): Promise<RunningProxy> {
  const bin = haproxyBinary();
  if (!bin) throw new Error('haproxy is not installed (apt-get install haproxy)');
  const { dir, target: t } = spec;
  if (t.scheme === 'fastcgi') throw new NotApplicable('not applicable: the lab runs HAProxy as an HTTP proxy (its fcgi-app is not configured)');
  const logs = join(dir, 'logs');
  await mkdir(logs, { recursive: true });
  const port = await freePort();
  const log = join(logs, 'haproxy.log');
  const first = t.servers[0] ?? '127.0.0.1:1';
  const port0 = first.split(':').pop() ?? '80';
  const tls: string[] = [];
  if (t.scheme === 'https') {
    tls.push('ssl');
    if (t.verify) tls.push('verify required', `ca-file ${t.verify.ca}`, `sni str(${t.verify.name})`, `verifyhost ${t.verify.name}`);
    else tls.push('verify none');
    if (t.tlsVersion) tls.push('ssl-max-ver TLSv1.2');
  }
  // Health checks as most production configs have them (`check`); their DOWN lines name the reason (refused,
  // timeout, "SSL handshake failure"), which HAProxy's request log does not.
  const check = t.failFast ? ['check', 'inter 5s', 'fall 1', 'rise 2', 'observe layer4', 'error-limit 1', 'on-error mark-down'] : [];
  const servers: string[] = [];
  const resolvers: string[] = [];
  if (t.hostName !== undefined) {
    const extra = t.resolver && t.resolver !== 'none' ? ['resolvers lab', 'init-addr none'] : [];
    if (t.resolver && t.resolver !== 'none') resolvers.push('resolvers lab', `  nameserver ns1 ${t.resolver}`, '  resolve_retries 1', '  timeout resolve 1s', '  timeout retry 1s', '  hold nx 1s');
    servers.push(`  server s0 ${t.hostName}:${port0} ${[...tls, ...extra].join(' ')}`);
  } else {
    t.servers.forEach((s, i) => servers.push(`  server s${i} ${socketPath(s) ?? s} ${[...tls, ...check].join(' ')}`));
  }
  const asRoot = process.getuid?.() === 0;
  const conf = [
    '# why502 lab: generated HAProxy config',
    'global',
    '  log stdout format raw local0 info',
    `  maxconn ${t.maxConnections ?? 256}`,
    ...(asRoot ? ['  user nobody', '  group nogroup'] : []),
    'defaults',
    '  mode http',
    '  log global',
    // TLS upstreams: HAProxy's stock httplog plus the backend TLS error (%[ssl_bc_err_str]); without it the log only
    // says the connection failed (SC) and a health check says "SSL handshake failure" for every TLS fault.
    ...(t.scheme === 'https' ? [`  log-format "${HTTPLOG} ssl_bc_err=%{+Q}[ssl_bc_err_str]"`] : ['  option httplog']),
    '  retries 1',
    '  timeout connect 2s',
    '  timeout client 10s',
    `  timeout server ${t.readTimeoutMs ?? 30_000}ms`,
    ...(t.keepalive ? ['  http-reuse always'] : []),
    ...resolvers,
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend be',
    'backend be',
    ...servers,
    '',
  ].join('\n');
  const configPath = join(dir, 'haproxy.cfg');
  await writeFile(configPath, conf);
  const fd = openSync(log, 'a');
  const proc = startProcess(bin, ['-f', configPath, '-db'], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const base: RunningProxy = { kind: 'haproxy', url: `http://127.0.0.1:${port}`, port, logs: [log], configPath, stop: () => proc.stop() };
  const alive = (): boolean => proc.child.exitCode === null && proc.child.signalCode === null;
  try {
    await waitForPort(port, '127.0.0.1', 8000, alive);
  } catch (e) {
    await proc.stop();
    const text = existsSync(log) ? await readFile(log, 'utf8') : '';
    return { ...base, startError: (text.split('\n').find((l) => /ALERT/.test(l)) ?? text.trim().slice(0, 300)) || (e instanceof Error ? e.message : String(e)) };
  }
  return base;
}
