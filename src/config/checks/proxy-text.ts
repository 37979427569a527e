/** Helpers for the HAProxy and Apache checks: a line as written, the section a HAProxy proxy inherits from. */
import type { ApacheParse } from '../apache-config.js';
import type { HaproxyBackend, HaproxyDefaults, HaproxyDirective, HaproxyParse } from '../haproxy-config.js';

function quote(a: string): string {
  return /[\s"#]/.test(a) || a === '' ? `"${a.replace(/"/g, '\\"')}"` : a;
}

/**
 * The HAProxy line at file:line as written (keyword and arguments), for evidence.
 * @example haproxyText(parse, '/etc/haproxy/haproxy.cfg', 12) // 'server app1 10.0.0.5:8080'
 */
export function haproxyText(parse: HaproxyParse, file: string, line: number): string {
  const d = parse.directives.find((x) => x.file === file && x.line === line);
  return d ? [d.name, ...d.args].map(quote).join(' ') : '';
}

/**
 * The Apache directive at file:line as written, sections as `<Name args>`.
 * @example apacheText(parse, 'site.conf', 4) // 'ProxyPass / http://127.0.0.1:8080/'
 */
export function apacheText(parse: ApacheParse, file: string, line: number): string {
  const d = parse.directives.find((x) => x.file === file && x.line === line);
  if (!d) return '';
  const body = [d.name, ...d.args.map(quote)].join(' ');
  return d.opens ? `<${body}>` : body;
}

/** The defaults section a backend takes its values from (named, or the last anonymous one before it), or null. */
export function defaultsOf(parse: HaproxyParse, b: HaproxyBackend): HaproxyDefaults | null {
  if (b.defaults === null) return null;
  const name = b.defaults === '' ? null : b.defaults;
  const order = new Map(parse.directives.map((d, i) => [`${d.file}\0${d.line}`, i]));
  const at = order.get(`${b.file}\0${b.line}`) ?? Infinity;
  const before = parse.model.defaults.filter((d) => d.name === name && (order.get(`${d.file}\0${d.line}`) ?? -1) < at);
  return before.at(-1) ?? null;
}

/**
 * The last `keyword` line a backend has, its own or else its defaults' (for keywords the model does not keep).
 * @example sectionKeyword(parse, backend, 'retry-on')?.args // ['conn-failure', 'empty-response']
 */
export function sectionKeyword(parse: HaproxyParse, b: HaproxyBackend, keyword: string): HaproxyDirective | null {
  const own = parse.directives.filter((d) => d.name === keyword && d.section?.kind === b.kind && d.section.name === b.name);
  if (own.length > 0) return own.at(-1) ?? null;
  const defs = defaultsOf(parse, b);
  if (!defs) return null;
  // The defaults section's own lines lie between its header and the next section header in the same file.
  const start = parse.directives.findIndex((d) => d.file === defs.file && d.line === defs.line);
  let found: HaproxyDirective | null = null;
  for (let i = start + 1; i < parse.directives.length; i++) {
    const d = parse.directives[i];
    if (!d || d.file !== defs.file || d.section?.kind !== 'defaults' || (d.line > defs.line && d.name === 'defaults')) break;
    if (d.name === keyword) found = d;
  }
  return found;
}
