/** Starts a real Apache httpd (Debian package, mod_proxy_http / mod_proxy_fcgi) on loopback in the foreground. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../ports.js';
import { startProcess, waitForPort } from '../processes.js';
import { socketPath, type LaunchSpec, type RunningProxy } from './types.js';

const MODULES = '/usr/lib/apache2/modules';

export function apacheBinary(): string | null {
  for (const c of ['/usr/sbin/apache2', '/usr/sbin/httpd']) if (existsSync(c)) return c;
  return null;
}

/**
 * Start Apache with a generated configuration (no Debian site files involved).
 * @example await launchApache({ dir, target: { scheme: 'http', servers: ['127.0.0.1:9'] } })
 */
export async function launchApache(spec: LaunchSpec): Promise<RunningProxy> {
  const bin = apacheBinary();
  if (!bin) throw new Error('apache2 is not installed (apt-get install apache2)');
  const { dir, target: t } = spec;
  const logs = join(dir, 'logs');
  const run = join(dir, 'run');
  await mkdir(logs, { recursive: true });
  await mkdir(run, { recursive: true });
  const port = await freePort();
  const errorLog = join(logs, 'error.log');
  const accessLog = join(logs, 'access.log');
  const first = t.servers[0] ?? '127.0.0.1:1';
  const port0 = first.split(':').pop() ?? '80';
  const scheme = t.scheme === 'fastcgi' ? 'fcgi' : t.scheme;
  const root = t.fastcgi?.root ?? '';
  // The URL for one server: unix sockets use Apache's "unix:/path|scheme://localhost/" form.
  const url = (s: string): string => {
    const sock = socketPath(s);
    const path = t.scheme === 'fastcgi' ? `${root}/` : '/';
    return sock ? `unix:${sock}|${scheme}://localhost${path}` : `${scheme}://${s}${path}`;
  };
  const lines: string[] = [];
  if (t.hostName !== undefined) lines.push(`ProxyPass "/" "${scheme}://${t.hostName}:${port0}/"`);
  else if (t.servers.length > 1) {
    lines.push('<Proxy "balancer://pool">', ...t.servers.map((s) => `  BalancerMember "${url(s).replace(/\/$/, '')}"${t.failFast ? ' retry=30' : ''}`), '</Proxy>', 'ProxyPass "/" "balancer://pool/"');
  } else lines.push(`ProxyPass "/" "${url(first)}"`);
  if (t.scheme === 'https') {
    lines.unshift('SSLProxyEngine on');
    if (t.verify) lines.unshift('SSLProxyVerify require', `SSLProxyCACertificateFile "${t.verify.ca}"`, 'SSLProxyCheckPeerName on', 'SSLProxyCheckPeerExpire on');
    else lines.unshift('SSLProxyVerify none', 'SSLProxyCheckPeerName off', 'SSLProxyCheckPeerExpire off');
    if (t.tlsVersion) lines.unshift('SSLProxyProtocol -all +TLSv1.2');
  }
  if (t.readTimeoutMs) lines.unshift(`ProxyTimeout ${Math.max(1, Math.round(t.readTimeoutMs / 1000))}`);
  const asRoot = process.getuid?.() === 0;
  const mod = (name: string, file: string): string => `LoadModule ${name}_module ${MODULES}/${file}`;
  const conf = [
    '# why502 lab: generated Apache config',
    'ServerRoot /usr/lib/apache2',
    'ServerName lab.local',
    `PidFile ${join(run, 'httpd.pid')}`,
    `DefaultRuntimeDir ${run}`,
    `Listen 127.0.0.1:${port}`,
    mod('mpm_event', 'mod_mpm_event.so'),
    mod('authz_core', 'mod_authz_core.so'),
    mod('proxy', 'mod_proxy.so'),
    mod('proxy_http', 'mod_proxy_http.so'),
    mod('proxy_fcgi', 'mod_proxy_fcgi.so'),
    mod('proxy_balancer', 'mod_proxy_balancer.so'),
    mod('slotmem_shm', 'mod_slotmem_shm.so'),
    mod('lbmethod_byrequests', 'mod_lbmethod_byrequests.so'),
    ...(t.scheme === 'https' ? [mod('ssl', 'mod_ssl.so')] : []),
    ...(asRoot ? ['User www-data', 'Group www-data'] : []),
    `ErrorLog ${errorLog}`,
    // TLS upstreams: mod_ssl says why a proxy handshake failed (AH02411 name mismatch, the OpenSSL reason) only
    // at info; the causes' docs recommend the same setting.
    t.scheme === 'https' ? 'LogLevel warn ssl:info' : 'LogLevel warn',
    'LogFormat "%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-agent}i\\"" combined',
    `CustomLog ${accessLog} combined`,
    ...lines,
    '',
  ].join('\n');
  const configPath = join(dir, 'apache.conf');
  await writeFile(configPath, conf);
  const proc = startProcess(bin, ['-f', configPath, '-DFOREGROUND'], { stopSignal: 'SIGTERM' });
  const base: RunningProxy = { kind: 'apache', url: `http://127.0.0.1:${port}`, port, logs: [errorLog, accessLog], configPath, stop: () => proc.stop() };
  const alive = (): boolean => proc.child.exitCode === null && proc.child.signalCode === null;
  try {
    await waitForPort(port, '127.0.0.1', 8000, alive);
  } catch (e) {
    await proc.stop();
    const text = existsSync(errorLog) ? await readFile(errorLog, 'utf8') : '';
    const why = text.trim().split('\n').pop() || proc.output().trim().split('\n')[0] || (e instanceof Error ? e.message : String(e));
    return { ...base, startError: why };
  }
  return base;
}
