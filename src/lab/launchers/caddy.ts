/** Starts a real Caddy (Debian package) on loopback from a generated Caddyfile; JSON logs go to logs/caddy.log. */
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../ports.js';
import { startProcess, waitForPort } from '../processes.js';
import { NotApplicable, socketPath, type LaunchSpec, type RunningProxy } from './types.js';

export function caddyBinary(): string | null {
  for (const c of ['/usr/bin/caddy', '/usr/local/bin/caddy']) if (existsSync(c)) return c;
  return null;
}

/**
 * Start Caddy with `caddy run` (admin API off, automatic HTTPS off).
 * @example await launchCaddy({ dir, target: { scheme: 'http', servers: ['127.0.0.1:9'] } })
 */
export async function launchCaddy(spec: LaunchSpec): Promise<RunningProxy> {
  const bin = caddyBinary();
  if (!bin) throw new Error('caddy is not installed (apt-get install caddy)');
  const { dir, target: t } = spec;
  if (t.tlsVersion) throw new NotApplicable('not applicable: Caddy 2.6 has no setting to limit the TLS versions it offers upstreams');
  const logs = join(dir, 'logs');
  await mkdir(logs, { recursive: true });
  const port = await freePort();
  const log = join(logs, 'caddy.log');
  const first = t.servers[0] ?? '127.0.0.1:1';
  const port0 = first.split(':').pop() ?? '80';
  const dial = (s: string): string => (socketPath(s) ? `unix/${socketPath(s) ?? ''}` : s);
  const upstreams = t.hostName !== undefined ? [`${t.hostName}:${port0}`] : t.servers.map(dial);
  const transport: string[] = [];
  if (t.scheme === 'fastcgi') {
    transport.push('transport fastcgi {', `  root ${t.fastcgi?.root ?? '/srv'}`, '  split .php', '}');
  } else {
    const http: string[] = [];
    if (t.scheme === 'https') {
      http.push('tls');
      if (t.verify) http.push(`tls_trusted_ca_certs ${t.verify.ca}`, `tls_server_name ${t.verify.name}`);
      else http.push('tls_insecure_skip_verify');
    }
    if (t.readTimeoutMs) http.push(`response_header_timeout ${t.readTimeoutMs}ms`);
    if (http.length > 0) transport.push('transport http {', ...http.map((h) => `  ${h}`), '}');
  }
  if (t.failFast) transport.push('lb_policy round_robin', 'fail_duration 30s', 'max_fails 1');
  const caddyfile = [
    '# why502 lab: generated Caddyfile',
    '{',
    '  admin off',
    '  auto_https off',
    `  log {\n    output file ${log}\n    format json\n  }`,
    '}',
    `http://127.0.0.1:${port} {`,
    `  log {\n    output file ${log}\n    format json\n  }`,
    `  reverse_proxy ${upstreams.join(' ')} {`,
    ...transport.map((l) => `    ${l}`),
    '  }',
    '}',
    '',
  ].join('\n');
  const configPath = join(dir, 'Caddyfile');
  await writeFile(configPath, caddyfile);
  const fd = openSync(join(logs, 'caddy-stderr.log'), 'a');
  const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg-config'), XDG_DATA_HOME: join(dir, 'xdg-data'), HOME: dir };
  const proc = startProcess(bin, ['run', '--config', configPath, '--adapter', 'caddyfile'], { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const base: RunningProxy = { kind: 'caddy', url: `http://127.0.0.1:${port}`, port, logs: [log], configPath, stop: () => proc.stop() };
  const alive = (): boolean => proc.child.exitCode === null && proc.child.signalCode === null;
  try {
    await waitForPort(port, '127.0.0.1', 8000, alive);
  } catch (e) {
    await proc.stop();
    const text = existsSync(join(logs, 'caddy-stderr.log')) ? await readFile(join(logs, 'caddy-stderr.log'), 'utf8') : '';
    return { ...base, logs: [log, join(logs, 'caddy-stderr.log')], startError: (text.split('\n').find((l) => /"error"|Error/.test(l)) ?? text.trim().slice(0, 300)) || (e instanceof Error ? e.message : String(e)) };
  }
  return base;
}
