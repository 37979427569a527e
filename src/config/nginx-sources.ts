/**
 * Where config files come from: the disk, or the files of an `nginx -T` dump held in memory. The loader reads
 * through this interface only, so includes resolve the same way against either.
 */
import { readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { globDisk, globList } from './nginx-glob.js';

export type ReadOutcome = { ok: true; text: string } | { ok: false; code: 'ENOENT' | 'EACCES' | 'EISDIR' | 'EOTHER'; error: string };

export interface ConfigSource {
  /** A file's text, or why it cannot be read (in nginx's words: `open() "/x" failed (2: No such file or directory)`). */
  read(path: string): ReadOutcome;
  /** Expand a glob pattern to the files it matches, sorted; no match is an empty list. */
  glob(pattern: string): string[];
  /** One key per file, so the same file reached by two spellings is parsed once. */
  key(path: string): string;
}

/** nginx's errno texts for the read failures users meet. */
const ERRNO: Record<string, [number, string]> = {
  ENOENT: [2, 'No such file or directory'],
  EACCES: [13, 'Permission denied'],
  EISDIR: [21, 'Is a directory'],
  ENOTDIR: [20, 'Not a directory'],
  ELOOP: [40, 'Too many levels of symbolic links'],
};

/**
 * Files on this host's disk.
 * @example diskSource().read('/etc/nginx/nginx.conf') // { ok: true, text: 'user www-data;\n…' }
 */
export function diskSource(): ConfigSource {
  return {
    read(path: string): ReadOutcome {
      try {
        return { ok: true, text: readFileSync(path, 'utf8') };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EOTHER';
        const [num, text] = ERRNO[code] ?? [0, (e as Error).message];
        // nginx opens a directory fine and fails on read().
        const call = code === 'EISDIR' ? 'read()' : 'open()';
        const mapped = code === 'ENOENT' || code === 'ENOTDIR' ? 'ENOENT' : code === 'EACCES' || code === 'EISDIR' ? code : 'EOTHER';
        return { ok: false, code: mapped, error: `${call} "${path}" failed (${num}: ${text})` };
      }
    },
    glob: globDisk,
    key: (path: string) => resolve(path),
  };
}

/**
 * Files held in memory, keyed by absolute path (the sections of an `nginx -T` dump). Nothing is read from disk:
 * the dump may come from another host.
 * @example memorySource(new Map([['/etc/nginx/nginx.conf', 'events {}']])).read('/etc/nginx/nginx.conf') // { ok: true, text: 'events {}' }
 */
export function memorySource(files: ReadonlyMap<string, string>, origin: string): ConfigSource {
  const byKey = new Map<string, string>();
  for (const [path, text] of files) if (!byKey.has(posix.normalize(path))) byKey.set(posix.normalize(path), text);
  const paths = [...byKey.keys()];
  return {
    read(path: string): ReadOutcome {
      const text = byKey.get(posix.normalize(path));
      if (text !== undefined) return { ok: true, text };
      return { ok: false, code: 'ENOENT', error: `open() "${path}" failed (2: No such file or directory): not in ${origin}` };
    },
    glob: (pattern: string) => globList(posix.normalize(pattern), paths),
    key: (path: string) => posix.normalize(path),
  };
}
