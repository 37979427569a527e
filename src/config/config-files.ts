/**
 * Shared plumbing of the HAProxy, Apache and PHP-FPM config parsers: the result shape every parser returns, reading
 * included files within a budget (cycles stopped, at most MAX_CONFIG_FILES files), and fnmatch-style globs
 * (Node 20 has no fs.glob).
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A config to parse: a path on disk, or text with the name it should be reported under. */
export type ConfigInput = string | { name: string; text: string };

/** One keyword line as written (after quote removal and variable substitution), with its place. */
export interface ConfigDirective {
  file: string;
  /** 1-based line of the directive's first physical line. */
  line: number;
  name: string;
  args: string[];
}

/**
 * A problem or a remark with its place. `line` 0 means the whole file (it could not be read, or the remark is
 * about something missing from it).
 */
export interface ConfigMessage {
  file: string;
  line: number;
  message: string;
}

/** What every parser returns; parsers collect errors and never throw. */
export interface ParsedConfig<M, D extends ConfigDirective = ConfigDirective> {
  model: M;
  directives: D[];
  /** What the server itself would refuse, or what could not be read. */
  errors: ConfigMessage[];
  /** What the parser could not settle or assumed (unresolved variables, includes that matched nothing...). */
  notes: ConfigMessage[];
}

/** The most files one parse reads, includes and globs together: a runaway glob must not read a whole disk. */
export const MAX_CONFIG_FILES = 10_000;

/** Physical lines of a text, without their line terminators. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return lines;
}

export type OpenResult = { ok: true; text: string; path: string } | { ok: false; reason: string };

/**
 * Reads config files for one parse: counts them against the budget and refuses a file that is already being read
 * further up the include chain (a cycle). The same file included twice side by side is allowed, as the servers do.
 */
export class ConfigFileSet {
  /** Every file read, in reading order. */
  readonly read: string[] = [];
  private readonly chain: string[] = [];

  constructor(readonly limit: number = MAX_CONFIG_FILES) {}

  get depth(): number {
    return this.chain.length;
  }

  /** Whether the budget is spent. */
  get exhausted(): boolean {
    return this.read.length >= this.limit;
  }

  /** Read a file, or say why not (budget, cycle, I/O error). Call `leave()` after parsing an `ok` result. */
  open(path: string): OpenResult {
    if (this.exhausted) return { ok: false, reason: `more than ${this.limit} config files; the rest were not read` };
    let real: string;
    try {
      real = realpathSync(path);
    } catch (e) {
      return { ok: false, reason: ioReason(e) };
    }
    if (this.chain.includes(real)) return { ok: false, reason: `include cycle: ${[...this.chain, real].join(' -> ')}` };
    let text: string;
    try {
      text = readFileSync(real, 'utf8');
    } catch (e) {
      return { ok: false, reason: ioReason(e) };
    }
    this.read.push(path);
    this.chain.push(real);
    return { ok: true, text, path };
  }

  /** Register in-memory text as the top of the chain (input given as `{ name, text }`). */
  openText(name: string, text: string): OpenResult {
    this.read.push(name);
    this.chain.push(`\0text:${name}`);
    return { ok: true, text, path: name };
  }

  leave(): void {
    this.chain.pop();
  }
}

function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return e instanceof Error ? e.message : String(e);
}

/** True when a path has fnmatch wildcards. */
export function hasWildcard(path: string): boolean {
  return /[*?[]/.test(path);
}

/**
 * An fnmatch pattern for one path component as a RegExp. A leading dot must be matched literally, as with
 * fnmatch(FNM_PERIOD) (Apache) and glob(3) (PHP-FPM).
 */
export function componentPattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i] ?? '');
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  const leadingDot = pattern.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${leadingDot}${re}$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Expand an absolute fnmatch pattern (wildcards allowed in any component) to existing paths, sorted bytewise as
 * Apache and glob(3) sort them. Stops after `limit` matches.
 * @example expandGlob('/etc/apache2/mods-enabled/*.load')
 */
export function expandGlob(pattern: string, limit: number = MAX_CONFIG_FILES): string[] {
  const parts = resolve(pattern).split('/').filter((p) => p !== '');
  let bases = ['/'];
  for (let i = 0; i < parts.length && bases.length > 0; i++) {
    const part = parts[i] ?? '';
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (!hasWildcard(part)) {
        const p = join(base, part);
        if (last || isDir(p)) next.push(p);
        continue;
      }
      const re = componentPattern(part);
      let entries: string[];
      try {
        entries = readdirSync(base);
      } catch {
        continue;
      }
      for (const e of entries.sort(byteOrder)) {
        if (!re.test(e)) continue;
        const p = join(base, e);
        if (last || isDir(p)) next.push(p);
        if (next.length >= limit) break;
      }
    }
    bases = next.slice(0, limit);
  }
  return bases.sort(byteOrder);
}

/** Every file under a directory, recursively, sorted (Apache's `Include <directory>`). */
export function listFilesRecursive(dir: string, limit: number = MAX_CONFIG_FILES): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d).sort(byteOrder);
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= limit) return;
      const p = join(d, e);
      if (isDir(p)) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** strcmp order, which is what the servers sort included files by. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a path names a directory on disk. */
export function isDirectory(path: string): boolean {
  return isDir(path);
}
