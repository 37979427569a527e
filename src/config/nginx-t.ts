/**
 * `nginx -T` output as input. nginx writes each file it read as `# configuration file PATH:` LF, the file's
 * bytes, then one more LF (ngx_dump_config in src/core/nginx.c); the first file is the main one.
 * Lines that `nginx -T 2>&1` puts before the dump ("nginx: the configuration file … syntax is ok") are skipped.
 */

export interface DumpedFile {
  path: string;
  text: string;
}

const SEPARATOR = /^# configuration file (.+):\r?$/;

/**
 * The files of an `nginx -T` dump, in the order nginx read them; null when the text is not such a dump.
 * @example splitNginxT('# configuration file /etc/nginx/nginx.conf:\nevents {}\n\n') // [{ path: '/etc/nginx/nginx.conf', text: 'events {}\n' }]
 */
export function splitNginxT(text: string): DumpedFile[] | null {
  let pos = 0;
  // Skip nginx's own messages and blank lines before the first separator.
  for (;;) {
    const eol = text.indexOf('\n', pos);
    const line = text.slice(pos, eol < 0 ? text.length : eol);
    if (line.trim() === '' || line.startsWith('nginx: ')) {
      if (eol < 0) return null;
      pos = eol + 1;
      continue;
    }
    if (!SEPARATOR.test(line)) return null;
    break;
  }
  const files: DumpedFile[] = [];
  let current: { path: string; start: number } | null = null;
  while (pos < text.length) {
    const eol = text.indexOf('\n', pos);
    const end = eol < 0 ? text.length : eol;
    const m = text.startsWith('# configuration file ', pos) ? SEPARATOR.exec(text.slice(pos, end)) : null;
    if (m?.[1]) {
      if (current) files.push(section(text, current, pos));
      current = { path: m[1], start: eol < 0 ? text.length : eol + 1 };
    }
    pos = end + 1;
  }
  if (current) files.push(section(text, current, text.length));
  return files;
}

function section(text: string, cur: { path: string; start: number }, end: number): DumpedFile {
  let body = text.slice(cur.start, Math.max(cur.start, end));
  // Drop the LF nginx adds after each file.
  if (body.endsWith('\r\n')) body = body.slice(0, -2);
  else if (body.endsWith('\n')) body = body.slice(0, -1);
  return { path: cur.path, text: body };
}
