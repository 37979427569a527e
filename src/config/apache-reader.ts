/**
 * Reads Apache httpd configuration text the way httpd does before any module sees it: line continuations,
 * comments, `${VAR}` substitution, quoted words, `<Section>` nesting, conditional sections (`<IfModule>`,
 * `<IfDefine>`...), and `Include`/`IncludeOptional` with globs relative to ServerRoot. The result is a flat list of
 * positioned directives, each with its enclosing sections and whether it applies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import {
  ConfigFileSet,
  type ConfigDirective,
  type ConfigInput,
  type ConfigMessage,
  expandGlob,
  hasWildcard,
  isDirectory,
  listFilesRecursive,
  splitLines,
} from './config-files.js';

/** An enclosing `<Section args>`. */
export interface ApacheSectionRef {
  /** As written, without the angle bracket: 'VirtualHost', 'Location', 'IfModule'... */
  name: string;
  args: string[];
  file: string;
  line: number;
}

export interface ApacheDirective extends ConfigDirective {
  /** Enclosing sections, outermost first. */
  sections: ApacheSectionRef[];
  /** False inside a conditional section that does not hold (its module is not loaded, its define is not set...). */
  active: boolean;
  /** True for a section's opening line (`name` is then e.g. 'VirtualHost'). */
  opens?: boolean;
}

export interface ApacheReadOptions {
  /** ServerRoot when the config does not set it (default: the main file's directory, as on Debian). */
  serverRoot?: string;
  /** Variables for `${VAR}` (httpd takes them from its environment); Debian's envvars file is read when present. */
  env?: Readonly<Record<string, string>>;
  /** Names given with `-D` on the command line. */
  defines?: readonly string[];
  /** Modules compiled in (httpd -l); Debian's by default. */
  staticModules?: readonly string[];
}

export interface ApacheReadResult {
  directives: ApacheDirective[];
  errors: ConfigMessage[];
  notes: ConfigMessage[];
  files: string[];
  serverRoot: string;
  /** `LoadModule` lines that applied. */
  modules: Array<{ name: string; path: string; file: string; line: number }>;
  defines: Record<string, string>;
}

/** What Debian's apache2 has compiled in (`apache2 -l`). */
export const DEBIAN_STATIC_MODULES = ['core.c', 'mod_so.c', 'mod_watchdog.c', 'http_core.c', 'mod_log_config.c', 'mod_logio.c', 'mod_version.c', 'mod_unixd.c'];

// Sections whose only role is to switch the lines inside on or off.
export const CONDITIONAL_SECTIONS = new Set(['ifmodule', 'ifdefine', 'ifversion', 'iffile', 'ifdirective', 'ifsection']);

/** httpd's own nesting limit for Include (AP_MAX_INCLUDE_DEPTH). */
const MAX_INCLUDE_DEPTH = 128;

/**
 * Read an Apache configuration and everything it includes.
 * @example const { directives } = readApacheConfig('/etc/apache2/apache2.conf');
 */
export function readApacheConfig(input: ConfigInput, options: ApacheReadOptions = {}): ApacheReadResult {
  const mainName = typeof input === 'string' ? input : input.name;
  const files = new ConfigFileSet();
  const r = new ApacheReader(options, dirname(mainName), files);
  const opened = typeof input === 'string' ? files.open(input) : files.openText(input.name, input.text);
  if (!opened.ok) r.errors.push({ file: mainName, line: 0, message: `could not open configuration file ${mainName}: ${opened.reason}` });
  else {
    r.readText(opened.path, opened.text, []);
    files.leave();
  }
  return r.result(files.read);
}

interface OpenSection {
  ref: ApacheSectionRef;
  active: boolean;
}

class ApacheReader {
  readonly errors: ConfigMessage[] = [];
  readonly notes: ConfigMessage[] = [];
  readonly directives: ApacheDirective[] = [];
  readonly modules: ApacheReadResult['modules'] = [];
  private serverRoot: string;
  private readonly vars: Record<string, string>;
  private readonly defines: Record<string, string> = {};
  private readonly loaded: Set<string>;
  private readonly unknownVars = new Set<string>();

  constructor(
    options: ApacheReadOptions,
    mainDir: string,
    private readonly files: ConfigFileSet,
  ) {
    this.serverRoot = resolve(options.serverRoot ?? mainDir);
    const debian = debianEnvvars(mainDir);
    if (Object.keys(debian).length > 0 && !options.env) this.notes.push({ file: join(mainDir, 'envvars'), line: 0, message: `variables ${Object.keys(debian).join(', ')} taken from Debian's envvars` });
    this.vars = { ...debian, ...options.env };
    for (const d of options.defines ?? []) this.defines[d] = '';
    this.loaded = new Set(options.staticModules ?? DEBIAN_STATIC_MODULES);
    for (const m of [...this.loaded]) this.loaded.add(moduleIdFromFile(m));
  }

  result(files: string[]): ApacheReadResult {
    return { directives: this.directives, errors: this.errors, notes: this.notes, files, serverRoot: this.serverRoot, modules: this.modules, defines: this.defines };
  }

  /** Read one file's text; `outer` are the sections open where it was included. */
  readText(file: string, text: string, outer: OpenSection[]): void {
    const stack: OpenSection[] = [...outer];
    const lines = splitLines(text);
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      let logical = lines[i] ?? '';
      // A backslash right before the line end continues the directive on the next line.
      while (/(^|[^\\])\\$/.test(logical) && i + 1 < lines.length) logical = logical.slice(0, -1) + (lines[++i] ?? '');
      const trimmed = logical.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const line = this.substitute(trimmed, file, lineNo);
      const active = stack.every((s) => s.active);
      if (line.startsWith('</')) {
        this.closeSection(line, stack, outer.length, file, lineNo);
        continue;
      }
      if (line.startsWith('<')) {
        this.openSection(line, stack, active, file, lineNo);
        continue;
      }
      const words = apacheWords(line);
      const [name, ...args] = words;
      if (name === undefined) continue;
      this.directives.push({ file, line: lineNo, name, args, sections: stack.map((s) => s.ref), active });
      if (active) this.effect(name, args, stack, file, lineNo);
    }
    for (const s of stack.slice(outer.length).reverse()) this.errors.push({ file, line: s.ref.line, message: `<${s.ref.name}> was not closed` });
  }

  private openSection(line: string, stack: OpenSection[], parentActive: boolean, file: string, lineNo: number): void {
    const m = /^<([^\s>]+)\s*(.*)$/.exec(line);
    const name = m?.[1] ?? '';
    let rest = (m?.[2] ?? '').trimEnd();
    if (!rest.endsWith('>')) this.errors.push({ file, line: lineNo, message: `<${name}> directive missing closing '>'` });
    else rest = rest.slice(0, -1);
    const args = apacheWords(rest);
    const ref: ApacheSectionRef = { name, args, file, line: lineNo };
    this.directives.push({ file, line: lineNo, name, args, sections: stack.map((s) => s.ref), active: parentActive, opens: true });
    const holds = parentActive ? this.condition(name, args, file, lineNo) : false;
    stack.push({ ref, active: holds });
  }

  private closeSection(line: string, stack: OpenSection[], floor: number, file: string, lineNo: number): void {
    const name = line.slice(2).replace(/>\s*$/, '').trim();
    const top = stack[stack.length - 1];
    if (stack.length <= floor || !top) {
      this.errors.push({ file, line: lineNo, message: `</${name}> without matching <${name}> section` });
      return;
    }
    if (top.ref.name.toLowerCase() === name.toLowerCase()) {
      stack.pop();
      return;
    }
    this.errors.push({ file, line: lineNo, message: `Expected </${top.ref.name}> but saw </${name}>` });
    // httpd stops at the first error; to report one error per mistake, close through a matching outer section if
    // there is one (an inner close was forgotten), else drop the stray close.
    const at = stack.map((s) => s.ref.name.toLowerCase()).lastIndexOf(name.toLowerCase());
    if (at >= floor) stack.length = at;
  }

  /** Whether a section's lines apply. Non-conditional sections always do (at parse time). */
  private condition(name: string, args: string[], file: string, line: number): boolean {
    const kind = name.toLowerCase();
    if (!CONDITIONAL_SECTIONS.has(kind)) return true;
    const arg = args[0] ?? '';
    const negate = arg.startsWith('!');
    const what = negate ? arg.slice(1) : arg;
    let holds: boolean;
    switch (kind) {
      case 'ifmodule':
        holds = this.loaded.has(what) || this.loaded.has(moduleIdFromFile(what));
        break;
      case 'ifdefine':
        holds = what in this.defines;
        break;
      case 'iffile':
        holds = existsSync(isAbsolute(what) ? what : join(this.serverRoot, what));
        break;
      default:
        // IfVersion, IfDirective, IfSection depend on the running binary.
        this.notes.push({ file, line, message: `<${name} ${args.join(' ')}> is read as if it held` });
        return true;
    }
    return negate ? !holds : holds;
  }

  /** Directives that change how the rest is read. */
  private effect(name: string, args: string[], stack: OpenSection[], file: string, line: number): void {
    switch (name.toLowerCase()) {
      case 'serverroot':
        if (args[0] !== undefined) this.serverRoot = resolve(args[0]);
        return;
      case 'define':
        if (args[0] !== undefined) {
          this.defines[args[0]] = args[1] ?? '';
          if (args[1] !== undefined) this.vars[args[0]] = args[1];
        }
        return;
      case 'undefine':
        if (args[0] !== undefined) {
          delete this.defines[args[0]];
          delete this.vars[args[0]];
        }
        return;
      case 'loadmodule':
        if (args[0] !== undefined && args[1] !== undefined) {
          this.loaded.add(args[0]);
          this.loaded.add(basename(args[1]).replace(/\.so$/, '.c'));
          this.modules.push({ name: args[0], path: this.rootRelative(args[1]), file, line });
        }
        return;
      case 'include':
      case 'includeoptional':
        if (args[0] !== undefined) this.include(args[0], name.toLowerCase() === 'includeoptional', stack, file, line);
        return;
      default:
        return;
    }
  }

  private rootRelative(p: string): string {
    return isAbsolute(p) ? p : join(this.serverRoot, p);
  }

  private include(pattern: string, optional: boolean, stack: OpenSection[], file: string, line: number): void {
    const path = this.rootRelative(pattern);
    let targets: string[];
    if (hasWildcard(path)) {
      targets = expandGlob(path, this.files.limit).flatMap((p) => (isDirectory(p) ? listFilesRecursive(p, this.files.limit) : [p]));
      if (targets.length === 0) {
        if (optional) this.notes.push({ file, line, message: `IncludeOptional ${pattern}: nothing matches` });
        else this.errors.push({ file, line, message: `No matches for the wildcard '${basename(path)}' in '${dirname(path)}', failing` });
        return;
      }
    } else if (isDirectory(path)) targets = listFilesRecursive(path, this.files.limit);
    else if (!existsSync(path) && optional) {
      this.notes.push({ file, line, message: `IncludeOptional ${pattern}: ${path} does not exist` });
      return;
    } else targets = [path];
    if (this.files.depth >= MAX_INCLUDE_DEPTH) {
      this.errors.push({ file, line, message: `Exceeded the maximum include directory nesting level of ${MAX_INCLUDE_DEPTH}` });
      return;
    }
    for (const t of targets) {
      const r = this.files.open(t);
      if (!r.ok) {
        this.errors.push({ file, line, message: `Could not open configuration file ${t}: ${r.reason}` });
        if (this.files.exhausted) return;
        continue;
      }
      this.readText(r.path, r.text, stack);
      this.files.leave();
    }
  }

  /** `${VAR}` from Define and the environment; httpd leaves an unknown one as written (AH00111). */
  private substitute(line: string, file: string, lineNo: number): string {
    if (!line.includes('${')) return line;
    return line.replace(/\$\{([A-Za-z0-9_:.-]+)\}/g, (all, name: string) => {
      const v = this.vars[name];
      if (v !== undefined) return v;
      const key = `${file}:${name}`;
      if (!this.unknownVars.has(key)) {
        this.unknownVars.add(key);
        this.notes.push({ file, line: lineNo, message: `AH00111: Config variable \${${name}} is not defined` });
      }
      return all;
    });
  }
}

/** `mod_proxy.c` → `proxy_module`, the other name a module goes by in `<IfModule>`. */
function moduleIdFromFile(name: string): string {
  const m = /^mod_(.+)\.c$/.exec(name);
  return m ? `${m[1]}_module` : name;
}

/**
 * Words of a directive line as httpd's ap_getword_conf cuts them: a word is quoted with " or ' (a backslash escapes
 * the quote inside), or runs to the next whitespace.
 * @example apacheWords('ProxyPass "/app" "http://127.0.0.1:8080/" retry=0') // ['ProxyPass', '/app', 'http://127.0.0.1:8080/', 'retry=0']
 */
export function apacheWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i++;
    if (i >= line.length) break;
    const q = line[i];
    if (q === '"' || q === "'") {
      let j = i + 1;
      let w = '';
      while (j < line.length && line[j] !== q) {
        if (line[j] === '\\' && line[j + 1] === q) j++;
        w += line[j];
        j++;
      }
      words.push(w);
      i = j + 1;
    } else {
      let j = i;
      while (j < line.length && !/\s/.test(line[j] ?? '')) j++;
      words.push(line.slice(i, j));
      i = j;
    }
  }
  return words;
}

/**
 * Debian starts apache2 with /etc/apache2/envvars sourced; its `export NAME=value` lines define the variables the
 * stock apache2.conf uses (${APACHE_LOG_DIR}...). SUFFIX is what Debian derives for /etc/apache2-<name> instances.
 */
export function debianEnvvars(dir: string): Record<string, string> {
  const path = join(dir, 'envvars');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  const m = /^apache2(-.+)$/.exec(basename(dir));
  const vars: Record<string, string> = { SUFFIX: m?.[1] ?? '' };
  const out: Record<string, string> = {};
  for (const raw of splitLines(text)) {
    const e = /^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (!e) continue;
    const name = e[1] ?? '';
    const value = (e[2] ?? '').trim().replace(/^(["'])(.*)\1$/, '$2').replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_all, v: string) => vars[v] ?? '');
    vars[name] = value;
    out[name] = value;
  }
  return out;
}
