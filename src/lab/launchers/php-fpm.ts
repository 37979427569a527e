/** Starts a real PHP-FPM (Debian package) with a pool on a unix socket in the scenario's directory. */
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startProcess } from '../processes.js';

export interface FpmSpec {
  dir: string;
  /** pm.max_children (default 4). */
  maxChildren?: number;
  /** listen.backlog (default 511, PHP-FPM's own default). */
  backlog?: number;
  /** PHP scripts to serve: file name → source. */
  scripts: Record<string, string>;
}

export interface RunningFpm {
  socket: string;
  root: string;
  log: string;
  stop: () => Promise<void>;
}

/** Path of the php-fpm binary (php-fpm8.2 on Debian 12), or null. */
export function fpmBinary(): string | null {
  for (const d of ['/usr/sbin', '/usr/local/sbin']) {
    if (!existsSync(d)) continue;
    const found = readdirSync(d).filter((f) => /^php-fpm[\d.]*$/.test(f)).sort().pop();
    if (found) return join(d, found);
  }
  return null;
}

/**
 * Start PHP-FPM in the foreground; resolves once its socket exists.
 * @example const fpm = await launchFpm({ dir, scripts: { 'index.php': '<?php echo "ok";' } });
 */
export async function launchFpm(spec: FpmSpec): Promise<RunningFpm> {
  const bin = fpmBinary();
  if (!bin) throw new Error('php-fpm is not installed (apt-get install php-fpm)');
  const root = join(spec.dir, 'www');
  const logs = join(spec.dir, 'logs');
  await mkdir(root, { recursive: true });
  await mkdir(logs, { recursive: true });
  await chmod(root, 0o755);
  for (const [name, src] of Object.entries(spec.scripts)) {
    await writeFile(join(root, name), src);
    await chmod(join(root, name), 0o644);
  }
  const socket = join(spec.dir, 'php-fpm.sock');
  const log = join(logs, 'php-fpm.log');
  const asRoot = process.getuid?.() === 0;
  const max = spec.maxChildren ?? 4;
  const conf = join(spec.dir, 'php-fpm.conf');
  await writeFile(
    conf,
    [
      '; why502 lab: generated PHP-FPM config',
      '[global]',
      `pid = ${join(spec.dir, 'php-fpm.pid')}`,
      `error_log = ${log}`,
      'daemonize = no',
      '[www]',
      ...(asRoot ? ['user = nobody', 'group = nogroup'] : []),
      `listen = ${socket}`,
      'listen.mode = 0666',
      `listen.backlog = ${spec.backlog ?? 511}`,
      // dynamic, as Debian ships it: the pool warns when it reaches pm.max_children.
      'pm = dynamic',
      `pm.max_children = ${max}`,
      'pm.start_servers = 1',
      'pm.min_spare_servers = 1',
      `pm.max_spare_servers = ${Math.max(1, Math.min(3, max))}`,
      'catch_workers_output = yes',
      'php_admin_flag[log_errors] = on',
      '',
    ].join('\n'),
  );
  const proc = startProcess(bin, ['-F', '-y', conf, ...(asRoot ? ['-R'] : [])], { stopSignal: 'SIGQUIT' });
  const until = Date.now() + 8000;
  while (!existsSync(socket)) {
    if (proc.child.exitCode !== null || Date.now() > until) {
      await proc.stop();
      throw new Error(`php-fpm did not start: ${proc.output().trim().slice(0, 300)}`);
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  return { socket: `unix:${socket}`, root, log, stop: () => proc.stop() };
}
