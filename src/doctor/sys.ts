/**
 * The host as `why502 doctor` reads it: files under a root (`/` by default; a copied /proc and /etc in tests)
 * and external commands, each with a timeout. Nothing here throws: a file that cannot be read is null, a
 * command that is missing, fails to start or times out is null.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** What a command printed and how it ended. */
export interface ExecResult {
  /** Exit code; null when it was killed (the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command (argv, no shell); null when it cannot be run at all. */
export type Exec = (cmd: string, args: readonly string[], options: { timeoutMs: number }) => Promise<ExecResult | null>;

export interface SysOptions {
  /** Where /proc, /etc, /run and /var are (default '/'). */
  root?: string;
  /**
   * How commands are run. Default: the real host when `root` is '/', none otherwise (a copied tree has no
   * commands to ask).
   */
  exec?: Exec | null;
  /** Per-command timeout in ms (default 5000). */
  commandTimeoutMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** File and command access for the doctor's collectors. Paths are the host's ("/proc/1/comm"). */
export interface Sys {
  readonly root: string;
  /** The path on this machine for a host path (root + path). */
  path(p: string): string;
  /** The text of a file (at most `max` bytes, default 4 MiB), or null. */
  read(p: string, max?: number): string | null;
  /** The same, with the reason when it cannot be read (ENOENT, EACCES...). */
  readWithError(p: string, max?: number): { text: string } | { code: string };
  /** Names in a directory (empty when it cannot be read). */
  list(p: string): string[];
  /** Where a symlink points, or null. */
  link(p: string): string | null;
  stat(p: string): Stats | null;
  lstat(p: string): Stats | null;
  readable(p: string): boolean;
  exists(p: string): boolean;
  /** Run a command with the per-command timeout; null when commands are not available or it did not start. */
  exec(cmd: string, args: readonly string[], timeoutMs?: number): Promise<ExecResult | null>;
  /** Whether commands can be run here at all. */
  readonly canExec: boolean;
  /** The first of these paths that exists under the root, or null. */
  firstExisting(paths: readonly string[]): string | null;
  /** A program by name in the usual system directories, or null. */
  which(name: string): string | null;
  now(): number;
}

const BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The real host's command runner: execFile with a timeout, LC_ALL=C so outputs parse the same everywhere. */
export const hostExec: Exec = (cmd, args, { timeoutMs }) =>
  new Promise((resolve) => {
    try {
      const child = execFile(
        cmd,
        [...args],
        { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', LANG: 'C', SYSTEMD_PAGER: '', PAGER: 'cat' } },
        (error, stdout, stderr) => {
          const e = error as (NodeJS.ErrnoException & { killed?: boolean; code?: string | number }) | null;
          if (e && typeof e.code === 'string') {
            // ENOENT, EACCES: the program could not be started.
            resolve(null);
            return;
          }
          const timedOut = Boolean(e?.killed);
          resolve({ code: timedOut ? null : e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr, timedOut });
        },
      );
      child.on('error', () => resolve(null));
      child.stdin?.end();
    } catch {
      resolve(null);
    }
  });

/**
 * The host under a root.
 * @example const sys = makeSys(); sys.read('/proc/1/comm') // 'systemd\n'
 */
export function makeSys(options: SysOptions = {}): Sys {
  const root = options.root ?? '/';
  const real = root === '/' || root === '';
  const exec = options.exec === undefined ? (real ? hostExec : null) : options.exec;
  const timeout = options.commandTimeoutMs ?? 5000;
  const path = (p: string): string => (real ? p : join(root, p));
  const sys: Sys = {
    root,
    path,
    read(p, max = 4 * 1024 * 1024) {
      const r = sys.readWithError(p, max);
      return 'text' in r ? r.text : null;
    },
    readWithError(p, max = 4 * 1024 * 1024) {
      try {
        const buf = readFileSync(path(p));
        return { text: buf.subarray(0, max).toString('utf8') };
      } catch (e) {
        return { code: (e as NodeJS.ErrnoException).code ?? 'EIO' };
      }
    },
    list(p) {
      try {
        return readdirSync(path(p));
      } catch {
        return [];
      }
    },
    link(p) {
      try {
        return readlinkSync(path(p));
      } catch {
        return null;
      }
    },
    stat(p) {
      try {
        return statSync(path(p));
      } catch {
        return null;
      }
    },
    lstat(p) {
      try {
        return lstatSync(path(p));
      } catch {
        return null;
      }
    },
    readable(p) {
      try {
        accessSync(path(p), constants.R_OK);
        return true;
      } catch {
        return false;
      }
    },
    exists(p) {
      return sys.lstat(p) !== null;
    },
    async exec(cmd, args, timeoutMs) {
      if (!exec) return null;
      return exec(cmd, args, { timeoutMs: timeoutMs ?? timeout });
    },
    canExec: exec !== null,
    firstExisting(paths) {
      return paths.find((p) => sys.exists(p)) ?? null;
    },
    which(name) {
      if (name.includes('/')) return sys.exists(name) ? name : null;
      return sys.firstExisting(BIN_DIRS.map((d) => `${d}/${name}`));
    },
    now: options.now ?? (() => Date.now()),
  };
  return sys;
}

/** A shell word, quoted only when it needs to be. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An argv as a command line to paste into a shell. */
export function commandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
