/**
 * Reads an nginx config the way nginx does: the main file, then every file its `include`s name (relative to
 * the prefix, globs expanded, each file parsed once), from disk or from an `nginx -T` dump. Produces the
 * per-file statements (crossplane's shape) and the combined view checks walk. Nothing is thrown: every problem
 * is an error or a note in the tree.
 */
import { dirname, isAbsolute } from 'node:path';
import { MAX_CONFIG_FILES } from './config-files.js';
import { combine } from './nginx-combine.js';
import { applyEnvsubstRule, hasEnvRef } from './nginx-envsubst.js';
import { impliedContext } from './nginx-fragment.js';
import { hasMagic, joinPath } from './nginx-glob.js';
import { parseNginxText } from './nginx-parser.js';
import { splitNginxT } from './nginx-t.js';
import type { ConfigNode, Scope } from './nginx-node.js';
import { diskSource, memorySource, type ConfigSource } from './nginx-sources.js';
import { TEMPLATE_MARKER, type ConfigError, type ConfigNote, type ContextChain, type ParsedFile, type Statement } from './nginx-types.js';

/** A config read into statements and a combined view. */
export interface ConfigTree {
  /** What was read, as the user named it: a path, or the display name of text ("-" for stdin). */
  input: string;
  /** The main file: the input itself, or the first file of an `nginx -T` dump. */
  main: string;
  origin: 'file' | 'text' | 'nginx-T';
  /** Directory relative include paths resolve against. */
  prefix: string;
  status: 'ok' | 'failed';
  /** Every file read, main first, then in the order includes found them (crossplane's order). */
  files: ParsedFile[];
  /** The combined view: the main file's directives with included files spliced in. */
  root: ConfigNode[];
  /** What the top level is the body of: `[]` for a whole config, `['http']` for a lone `server { }`. */
  context: ContextChain;
  errors: ConfigError[];
  notes: ConfigNote[];
}

/** A path to read, or text already in hand (stdin, a paste, a test). */
export type ConfigInput = { path: string } | { text: string; name?: string };

export interface LoadOptions {
  /**
   * Directory relative `include` paths resolve against (nginx's conf prefix). Default: the main file's
   * directory; for text, the current directory; for `nginx -T` output, the directory of its first file.
   */
  prefix?: string;
  /** Follow includes (default true). */
  includes?: boolean;
  /** Recognise template markup (default true; always off for `nginx -T` output, which nginx accepted). */
  templates?: boolean;
  /** The most files one read takes, includes and globs together (default MAX_CONFIG_FILES): a runaway glob must not read a whole disk. */
  maxFiles?: number;
}

/**
 * Read and parse an nginx config with its includes.
 * @example loadNginxConfig({ path: '/etc/nginx/nginx.conf' }).root.map((n) => n.directive) // ['user', 'worker_processes', …, 'http']
 * @example loadNginxConfig({ text: 'server { listen 80; }', name: '-' }).context // ['http']
 */
export function loadNginxConfig(input: ConfigInput, options: LoadOptions = {}): ConfigTree {
  const isPath = 'path' in input;
  const name = isPath ? input.path : (input.name ?? '-');
  let text: string;
  if (isPath) {
    const r = diskSource().read(input.path);
    if (!r.ok) return unreadable(name, r.error, options.prefix ?? dirname(input.path));
    text = r.text;
  } else {
    text = input.text;
  }

  const dump = splitNginxT(text);
  const first = dump?.[0];
  if (dump && first) {
    const source = memorySource(new Map(dump.map((f) => [f.path, f.text])), `the nginx -T output (${name})`);
    const loader = new Loader(source, options.prefix ?? dirname(first.path), options, false);
    loader.notes.push({ code: 'CONF_NGINX_T', file: name, line: null, note: `nginx -T output: ${dump.length} files, main file ${first.path}` });
    return loader.run(name, first.path, first.text, 'nginx-T');
  }
  const prefix = options.prefix ?? (isPath ? dirname(input.path) : process.cwd());
  return new Loader(diskSource(), prefix, options, options.templates ?? true).run(name, name, text, isPath ? 'file' : 'text');
}

/**
 * Read a config from a path, or from stdin when the path is "-".
 * @example await readNginxConfig('-') // the tree of what was piped in
 */
export async function readNginxConfig(pathOrDash: string, options: LoadOptions & { stdin?: NodeJS.ReadableStream } = {}): Promise<ConfigTree> {
  if (pathOrDash !== '-') return loadNginxConfig({ path: pathOrDash }, options);
  const chunks: Buffer[] = [];
  for await (const chunk of options.stdin ?? process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  return loadNginxConfig({ text: Buffer.concat(chunks).toString('utf8'), name: '-' }, options);
}

function unreadable(name: string, error: string, prefix: string): ConfigTree {
  const e: ConfigError = { code: 'CONF_READ', file: name, line: null, error };
  return {
    input: name,
    main: name,
    origin: 'file',
    prefix,
    status: 'failed',
    files: [{ file: name, status: 'failed', errors: [e], parsed: [] }],
    root: [],
    context: [],
    errors: [e],
    notes: [],
  };
}

class Loader {
  readonly files: ParsedFile[] = [];
  readonly notes: ConfigNote[] = [];
  private readonly texts: (string | null)[] = [];
  private readonly indexByKey = new Map<string, number>();
  private readonly indexByPath = new Map<string, number>();
  private readonly follow: boolean;
  /**
   * For a fragment read from disk without a prefix (`sites-enabled/app`, `conf.d/x.conf`), the real prefix is
   * unknown: a relative include not found beside it is looked for one and two directories up.
   */
  private fallback = false;
  private origin: ConfigTree['origin'] = 'file';

  constructor(
    private readonly source: ConfigSource,
    private readonly prefix: string,
    private readonly options: LoadOptions,
    private readonly templates: boolean,
  ) {
    this.follow = options.includes ?? true;
  }

  run(input: string, main: string, text: string, origin: ConfigTree['origin']): ConfigTree {
    this.origin = origin;
    this.add(main, text);
    // The list grows while includes are found: breadth first, as crossplane orders its `config` array.
    for (let i = 0; i < this.files.length; i++) this.parse(i);
    if (this.templates) applyEnvsubstRule(this.files, this.notes);

    const scope: Scope = { root: [], context: [] };
    combine(this.files, scope);
    if (origin !== 'nginx-T') {
      const implied = impliedContext(scope.root);
      scope.context = implied.context;
      if (implied.context.length > 0) {
        this.notes.push({ code: 'CONF_FRAGMENT', file: main, line: null, note: `fragment: read as the body of ${implied.context.join(' > ')} (${implied.because ?? ''})` });
      }
    }
    for (const f of this.files) {
      f.errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      if (f.errors.length > 0) f.status = 'failed';
    }
    const errors = this.files.flatMap((f) => f.errors);
    return {
      input,
      main,
      origin,
      prefix: this.prefix,
      status: errors.length > 0 ? 'failed' : 'ok',
      files: this.files,
      root: scope.root,
      context: scope.context,
      errors,
      notes: this.notes,
    };
  }

  private add(path: string, text: string): number {
    const index = this.files.length;
    this.files.push({ file: path, status: 'ok', errors: [], parsed: [] });
    this.texts.push(text);
    this.indexByKey.set(this.source.key(path), index);
    this.indexByPath.set(path, index);
    return index;
  }

  private parse(index: number): void {
    const file = this.files[index];
    const text = this.texts[index];
    if (!file || text === null || text === undefined) return;
    this.texts[index] = null;
    const r = parseNginxText(text, file.file, { templates: this.templates });
    file.parsed = r.parsed;
    file.errors.push(...r.errors);
    this.notes.push(...r.notes);
    if (index === 0) this.fallback = this.options.prefix === undefined && this.origin === 'file' && impliedContext(r.parsed).context.length > 0;
    if (this.follow) this.resolveAll(r.parsed, file);
  }

  private resolveAll(stmts: readonly Statement[], file: ParsedFile): void {
    for (const s of stmts) {
      if (s.directive === 'include') this.resolve(s, file);
      if (s.block) this.resolveAll(s.block, file);
    }
  }

  private resolve(s: Statement, file: ParsedFile): void {
    s.includes = [];
    const fail = (code: ConfigError['code'], error: string): void => {
      file.errors.push({ code, file: file.file, line: s.line, error });
    };
    const arg = s.args[0];
    if (s.args.length !== 1 || arg === undefined) {
      fail('CONF_INCLUDE_ARGS', 'invalid number of arguments in "include" directive');
      return;
    }
    if (this.templates && (arg.includes(TEMPLATE_MARKER) || hasEnvRef(arg))) {
      this.notes.push({ code: 'CONF_INCLUDE_TEMPLATED', file: file.file, line: s.line, note: `include not followed: its path is template markup (${arg})` });
      return;
    }
    const dirs = isAbsolute(arg) ? [''] : this.fallback && fallbackAllowed(arg) ? ancestors(this.prefix, 2) : [this.prefix];
    let firstError: { code: ConfigError['code']; error: string } | null = null;
    for (const dir of dirs) {
      const full = dir === '' ? arg : joinPath(dir, arg);
      if (hasMagic(full)) {
        const matches = this.source.glob(full);
        if (matches.length === 0) continue;
        for (const m of matches) {
          const r = this.open(m);
          if (typeof r === 'number') s.includes.push(r);
          else fail(r.code, r.error);
        }
      } else {
        const r = this.open(full);
        if (typeof r !== 'number') {
          firstError ??= r;
          if (r.code === 'CONF_INCLUDE_NOT_FOUND') continue;
          fail(r.code, r.error);
          return;
        }
        s.includes.push(r);
      }
      if (dir !== dirs[0]) {
        this.notes.push({ code: 'CONF_INCLUDE_FALLBACK', file: file.file, line: s.line, note: `include "${arg}" not found under ${this.prefix}; found under ${dir}` });
      }
      return;
    }
    // No match for a glob is fine for nginx; a missing plain file is not.
    if (firstError) fail(firstError.code, firstError.error);
  }

  /** The index of a file, reading it the first time it is named. */
  private open(path: string): number | { code: ConfigError['code']; error: string } {
    const same = this.indexByPath.get(path);
    if (same !== undefined) return same;
    const known = this.indexByKey.get(this.source.key(path));
    if (known !== undefined) {
      // Another spelling of a file already read (`./b.conf`, `b.conf`): parse it once, but only if this spelling
      // opens too: the kernel, like nginx, fails `a/../b.conf` when there is no `a`.
      const r = this.source.read(path);
      if (!r.ok) return { code: r.code === 'ENOENT' ? 'CONF_INCLUDE_NOT_FOUND' : 'CONF_INCLUDE_UNREADABLE', error: r.error };
      this.indexByPath.set(path, known);
      return known;
    }
    const max = this.options.maxFiles ?? MAX_CONFIG_FILES;
    if (this.files.length >= max) return { code: 'CONF_INCLUDE_LIMIT', error: `more than ${max} config files; "${path}" and the rest were not read` };
    const r = this.source.read(path);
    if (!r.ok) return { code: r.code === 'ENOENT' ? 'CONF_INCLUDE_NOT_FOUND' : 'CONF_INCLUDE_UNREADABLE', error: r.error };
    return this.add(path, r.text);
  }
}

/** `dir` and up to `levels` of its parents, nearest first. */
function ancestors(dir: string, levels: number): string[] {
  const out = [dir];
  for (let d = dirname(dir); d !== out[out.length - 1] && out.length <= levels; d = dirname(d)) out.push(d);
  return out;
}

/**
 * A plain path, or a glob under a named directory (`snippets/*.conf`). A bare `*.conf` matching nothing is
 * fine for nginx and must not pull in unrelated files from a parent directory.
 */
function fallbackAllowed(arg: string): boolean {
  if (!hasMagic(arg)) return true;
  const head = arg.split('/')[0] ?? '';
  return arg.includes('/') && !hasMagic(head);
}
