/**
 * envsubst-style `${VAR}` in templates (the official Docker image's /etc/nginx/templates, Kubernetes init
 * containers), told apart from nginx's own `${var}` by the rule below, and replaced by TEMPLATE_MARKER.
 */
import { TEMPLATE_MARKER, type ConfigNote, type ParsedFile, type Statement } from './nginx-types.js';

/*
 * The `${VAR}` rule. nginx itself reads `${name}` as a variable (ngx_http_script.c), so `${host}` in an arg is
 * nginx's own. envsubst (the official Docker image's /etc/nginx/templates) writes `${NGINX_PORT}`. We call
 * `${NAME}` template markup only when nginx would reject it:
 *   1. NAME is upper case (A-Z, 0-9, _; a letter, not starting with a digit): every built-in nginx variable
 *      is lower case (`$http_*`, `$arg_*`, `$cookie_*` keep their prefix lower case), so an upper-case name
 *      can only be one the config declares itself;
 *   2. the config declares no variable of that name: no `set`, `map`, `geo`, `split_clients`, `*_set` or
 *      `set_*` directive (js_set, perl_set, auth_request_set, set_by_lua…) names `$NAME`, and no regex names a
 *      capture `(?<NAME>…)`, `(?P<NAME>…)` or `(?'NAME'…)`.
 * Then nginx fails with `unknown "NAME" variable` (or a bad value where variables are not allowed).
 * Quoted or not makes no difference: nginx resolves `${NAME}` inside quotes too, and envsubst ignores quotes.
 * Unbraced `$NAME` and lower-case `${name}` are always left to nginx (conservative: never take nginx's own
 * variables for markup). Not applied to `nginx -T` output: nginx accepted that text, so it holds no markup.
 */

const ENV_REF = /\$\{(_*[A-Z][A-Z0-9_]*)\}/g;
const DECLARING = /^(?:set|map|geo|split_clients)$|^set_|_set$/;
const VAR_ARG = /^\$\{?([A-Za-z0-9_]+)\}?$/;
const NAMED_CAPTURE = /\(\?(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')/g;

/** Variable names a statement declares (see the rule above). */
export function declaredNames(directive: string, args: readonly string[], into: Set<string>): void {
  if (DECLARING.test(directive)) {
    for (const a of args) {
      const m = VAR_ARG.exec(a);
      if (m?.[1]) into.add(m[1]);
    }
  }
  for (const s of [directive, ...args]) {
    if (!s.includes('(?')) continue;
    for (const m of s.matchAll(NAMED_CAPTURE)) into.add(m[1] ?? m[2] ?? '');
  }
}

/**
 * Replace envsubst references in one word with `marker`; returns null when the word has none.
 * @example replaceEnvRefs('http://${BACKEND}:8080', new Set(), '{{template}}') // { text: 'http://{{template}}:8080', refs: ['${BACKEND}'] }
 */
export function replaceEnvRefs(word: string, declared: ReadonlySet<string>, marker: string): { text: string; refs: string[] } | null {
  if (!word.includes('${')) return null;
  const refs: string[] = [];
  const text = word.replace(ENV_REF, (whole: string, name: string) => {
    if (declared.has(name)) return whole;
    refs.push(whole);
    return marker;
  });
  return refs.length > 0 ? { text, refs } : null;
}

/** `${NAME}` in an include path: nginx never expands variables there, so with an upper-case NAME it is markup. */
export function hasEnvRef(word: string): boolean {
  return /\$\{_*[A-Z][A-Z0-9_]*\}/.test(word);
}

/**
 * Apply the rule to every statement of every file: collect the declared names, then replace the references
 * that nginx would reject. Adds one note per directive changed.
 * @example applyEnvsubstRule(files, notes) // `listen ${NGINX_PORT};` becomes `listen {{template}};`
 */
export function applyEnvsubstRule(files: readonly ParsedFile[], notes: ConfigNote[]): void {
  const declared = new Set<string>();
  const visit = (stmts: readonly Statement[], f: (s: Statement) => void): void => {
    for (const s of stmts) {
      f(s);
      if (s.block) visit(s.block, f);
    }
  };
  for (const file of files) visit(file.parsed, (s) => declaredNames(s.directive, s.args, declared));
  for (const file of files) {
    visit(file.parsed, (s) => {
      const refs: string[] = [];
      const name = replaceEnvRefs(s.directive, declared, TEMPLATE_MARKER);
      if (name) {
        s.directive = name.text;
        refs.push(...name.refs);
      }
      for (const [k, a] of s.args.entries()) {
        const r = replaceEnvRefs(a, declared, TEMPLATE_MARKER);
        if (!r) continue;
        s.args[k] = r.text;
        refs.push(...r.refs);
      }
      if (refs.length === 0) return;
      s.templated = true;
      notes.push({ code: 'CONF_TEMPLATE_SKIPPED', file: s.file, line: s.line, note: `template markup skipped: ${[...new Set(refs)].join(' ')} (envsubst: an upper-case variable this config never declares)` });
    });
  }
}
