/**
 * Glob patterns as nginx's `include` uses them: glob(3) with no flags (ngx_open_glob in
 * src/os/unix/ngx_files.c), so `*`, `?`, `[…]` match within one path segment, a leading dot must be matched
 * explicitly, results come sorted, and no match is not an error.
 */
import { readdirSync, statSync } from 'node:fs';

/**
 * nginx treats a path as a pattern when it has any of these (strpbrk(file, "*?[") in ngx_conf_include).
 * @example hasMagic('conf.d/*.conf') // true
 */
export function hasMagic(path: string): boolean {
  return /[*?[]/.test(path);
}

/**
 * A regular expression for one path segment of a glob pattern.
 * @example segmentRegExp('*.conf').test('a.conf') // true
 */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] ?? '';
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < segment.length) re += escapeRe(segment[++i] ?? '');
    else if (c === '[') {
      const cls = bracket(segment, i);
      if (cls) {
        re += cls.re;
        i = cls.end;
      } else {
        re += '\\[';
      }
    } else re += escapeRe(c);
  }
  // glob(3): a leading dot is matched only by a literal dot.
  const hidden = segment.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${hidden}${re}$`);
}

/** A bracket expression `[…]`, `[!…]` or `[^…]` starting at `i`; null when it is not closed (then "[" is literal). */
function bracket(s: string, i: number): { re: string; end: number } | null {
  let j = i + 1;
  let negate = false;
  if (s[j] === '!' || s[j] === '^') {
    negate = true;
    j++;
  }
  let body = '';
  // A "]" right after the opening is a member, not the end.
  if (s[j] === ']') {
    body += '\\]';
    j++;
  }
  for (; j < s.length; j++) {
    const c = s[j] ?? '';
    if (c === ']') return { re: `[${negate ? '^/' : ''}${body}]`, end: j };
    if (c === '-' && body !== '' && s[j + 1] !== ']') body += '-';
    else body += c === '\\' || c === '^' || c === '[' ? `\\${c}` : c === '-' ? '\\-' : c;
  }
  return null;
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/**
 * Expand a pattern against the disk. Only segments with magic are matched by listing a directory, so
 * `/etc/nginx/conf.d/*.conf` reads one directory. Results keep the pattern's spelling (`/etc/nginx/./x`), as
 * glob(3) returns them and nginx names them.
 * @example globDisk('/etc/nginx/conf.d/*.conf') // ['/etc/nginx/conf.d/default.conf']
 */
export function globDisk(pattern: string): string[] {
  const segments = pattern.split('/');
  let bases = [pattern.startsWith('/') ? '/' : ''];
  const last = segments.length - 1;
  for (const [k, seg] of segments.entries()) {
    if (seg === '' && k < last) continue;
    const next: string[] = [];
    if (!hasMagic(seg)) {
      const unescaped = seg.replace(/\\(.)/g, '$1');
      for (const b of bases) next.push(joinPath(b, unescaped));
    } else {
      const re = segmentRegExp(seg);
      for (const b of bases) {
        let names: string[];
        try {
          names = readdirSync(b === '' ? '.' : b);
        } catch {
          continue;
        }
        for (const name of names) if (re.test(name)) next.push(joinPath(b, name));
      }
    }
    // Names read from a directory exist; a literal last segment has to be checked.
    bases = k < last ? next.filter(isDirectory) : hasMagic(seg) ? next : next.filter(exists);
  }
  return bases.sort(byBytes);
}

/**
 * `dir` + "/" + `name` without normalising, as nginx builds full names (ngx_conf_full_name).
 * @example joinPath('/etc/nginx', './x.conf') // '/etc/nginx/./x.conf'
 */
export function joinPath(dir: string, name: string): string {
  if (dir === '' || dir === '.') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * Match an absolute pattern against a known list of paths (the files of an `nginx -T` dump).
 * @example globList('/etc/nginx/conf.d/*.conf', ['/etc/nginx/conf.d/a.conf', '/etc/nginx/nginx.conf']) // ['/etc/nginx/conf.d/a.conf']
 */
export function globList(pattern: string, paths: readonly string[]): string[] {
  const pat = pattern.split('/');
  const res = pat.map((s) => (hasMagic(s) ? segmentRegExp(s) : null));
  return paths
    .filter((p) => {
      const parts = p.split('/');
      if (parts.length !== pat.length) return false;
      return parts.every((part, k) => {
        const re = res[k];
        return re ? re.test(part) : part === (pat[k] ?? '').replace(/\\(.)/g, '$1');
      });
    })
    .sort(byBytes);
}

/**
 * glob(3) sorts with strcoll; in the C locale nginx usually runs under, that is byte order. UTF-16 code unit
 * order is the same except between astral characters and U+E000..U+FFFF, which file names do not mix in practice.
 */
function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
