/**
 * Helpers for the config parser tests: temp trees, and the real nginx as the judge of what is valid syntax
 * (`nginx -t`, which parses and checks but binds nothing). Tests that need nginx skip where it is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ConfigNode } from '../../src/config/nginx-node.js';

export const NGINX: string | null = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;

const made: string[] = [];

/** A temp directory holding these files (paths relative to it); removed by `cleanup`. */
export function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'why502-config-'));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface NginxVerdict {
  ok: boolean;
  /** nginx's message without the " in FILE:LINE" tail. */
  message: string | null;
  file: string | null;
  line: number | null;
  stderr: string;
}

/**
 * Run `nginx -t` on a main file inside `dir` (prefix = dir, so relative includes and log paths stay in it).
 * Nothing listens: -t only parses and checks the configuration.
 */
export function nginxTest(dir: string, main = 'nginx.conf'): NginxVerdict {
  if (!NGINX) throw new Error('nginx is not installed');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const r = spawnSync(NGINX, ['-t', '-q', '-p', `${dir}/`, '-c', join(dir, main), '-e', 'stderr'], { encoding: 'utf8' });
  const m = /\[emerg\] (?:\d+#\d+: )?(.*) in (\S+):(\d+)$/m.exec(r.stderr);
  return { ok: r.status === 0, message: m?.[1] ?? null, file: m?.[2] ?? null, line: m?.[3] ? Number(m[3]) : null, stderr: r.stderr };
}

/** `nginx -T` of a main file inside `dir`: the dump on stdout. */
export function nginxDump(dir: string, main = 'nginx.conf'): string {
  if (!NGINX) throw new Error('nginx is not installed');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const r = spawnSync(NGINX, ['-T', '-p', `${dir}/`, '-c', join(dir, main), '-e', 'stderr'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nginx -T failed: ${r.stderr}`);
  return r.stdout;
}

/** A compact outline of nodes: `line directive args` per line, indented by depth. */
export function outline(nodes: readonly ConfigNode[], depth = 0): string[] {
  return nodes.flatMap((n) => [`${'  '.repeat(depth)}${n.line} ${[n.directive, ...n.args].join(' ')}`, ...outline(n.block ?? [], depth + 1)]);
}
