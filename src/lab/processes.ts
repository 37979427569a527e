/**
 * Child processes the lab starts: tracked by PID, stopped on request, and killed when the parent exits,
 * is interrupted, or a test fails — so nothing is left behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { connect } from 'node:net';

const live = new Set<ChildProcess>();
let hooked = false;

function killAll(signal: NodeJS.Signals): void {
  for (const c of live) {
    try {
      if (c.pid !== undefined) process.kill(c.pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => killAll('SIGKILL'));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll('SIGTERM');
      setTimeout(() => {
        killAll('SIGKILL');
        process.exit(130);
      }, 300).unref();
    });
  }
}

/** A started program and how to stop it. */
export interface Started {
  child: ChildProcess;
  pid: number;
  /** Output the program wrote (bounded), for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Start a program as a tracked child. It is killed with SIGKILL if it has not exited `graceMs` after SIGTERM.
 * @example const p = startProcess('/usr/sbin/nginx', ['-p', dir, '-c', conf]); await p.stop();
 */
export function startProcess(cmd: string, args: string[], opts: SpawnOptions & { stopSignal?: NodeJS.Signals; graceMs?: number } = {}): Started {
  hook();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  child.on('error', () => undefined);
  if (child.pid === undefined) {
    // spawn reports ENOENT asynchronously; give a clear error now.
    throw new Error(`cannot start ${cmd}`);
  }
  live.add(child);
  let out = '';
  const keep = (d: Buffer): void => {
    if (out.length < 16_384) out += d.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      live.delete(child);
      resolve();
    });
  });
  const pid = child.pid;
  return {
    child,
    pid,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(pid, opts.stopSignal ?? 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, opts.graceMs ?? 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Number of lab children still running (tests check it is zero at the end). */
export function liveProcessCount(): number {
  return live.size;
}

/** Wait until a TCP port accepts connections, or fail after the deadline. */
export async function waitForPort(port: number, host = '127.0.0.1', deadlineMs = 5000, isAlive: () => boolean = () => true): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.setTimeout(500, () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (!isAlive()) throw new Error(`process exited before listening on ${host}:${port}`);
    if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port} after ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
