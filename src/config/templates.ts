/**
 * Template markup in nginx configs that are shipped as templates: Jinja/Ansible `{{ }}` `{% %}` `{# #}`,
 * Helm/Go `{{- … -}}`, mustache `{{#x}}`, ERB `<% %>` `<%= %>`, and envsubst `${VAR}`.
 * The lexer asks `templateAt` at each place markup can start; `envsubstRefs` applies the `${VAR}` rule after parsing.
 */

/** A span of template markup found in the text. */
export interface TemplateSpan {
  /** Index just past the closing delimiter. */
  end: number;
  /** `output` stands for a value (`{{ x }}`, `<%= x %>`); `control` for logic or a comment (`{% if %}`, `<% end %>`). */
  kind: 'output' | 'control';
  /** The markup as written. */
  text: string;
}

/** The longest markup looked for, so an opener with no closer cannot make the lexer scan a whole large file. */
const MAX_SPAN = 8192;

// Go template actions that produce no value (Helm control flow and comments).
const GO_CONTROL = /^(?:if|else|end|range|with|define|block|break|continue)\b|^\/\*/;
// Mustache sections, inverted sections, closers and comments.
const MUSTACHE_CONTROL = /^[#/^!]/;

/**
 * The template markup starting at `i`, or null.
 * `{#` (a Jinja comment) counts only at the start of a statement, because `server {# note` is nginx's own
 * block-open followed by a comment; `{{`, `{%` and `<%` are never valid unquoted nginx, so they count anywhere.
 * `singleLine` (inside quotes or in the middle of a word) requires the closer on the same line.
 * @example templateAt('listen {{ port }};', 7, { statementStart: false, singleLine: true }) // { end: 17, kind: 'output', text: '{{ port }}' }
 */
export function templateAt(text: string, i: number, opts: { statementStart: boolean; singleLine: boolean }): TemplateSpan | null {
  const c0 = text.charCodeAt(i);
  const c1 = text.charCodeAt(i + 1);
  let close: string;
  if (c0 === 0x7b /* { */) {
    if (c1 === 0x7b) close = '}}';
    else if (c1 === 0x25 /* % */) close = '%}';
    else if (c1 === 0x23 /* # */ && opts.statementStart) close = '#}';
    else return null;
  } else if (c0 === 0x3c /* < */ && c1 === 0x25) {
    close = '%>';
  } else {
    return null;
  }
  const limit = Math.min(text.length, i + MAX_SPAN);
  const at = text.indexOf(close, i + 2);
  if (at < 0 || at + close.length > limit) return null;
  if (opts.singleLine && text.lastIndexOf('\n', at) > i) return null;
  const end = at + close.length;
  const markup = text.slice(i, end);
  return { end, kind: kindOf(markup), text: markup };
}

function kindOf(markup: string): 'output' | 'control' {
  const open = markup.slice(0, 2);
  if (open === '{%' || open === '{#') return 'control';
  if (open === '<%') return markup[2] === '=' ? 'output' : 'control';
  // `{{`: strip Helm's whitespace trimming (`{{-`) and spaces, then look at the action.
  const inner = markup.slice(2, -2).replace(/^[-~]?\s*/, '');
  return GO_CONTROL.test(inner) || MUSTACHE_CONTROL.test(inner) ? 'control' : 'output';
}

/** Shorten markup for a note: one line, at most 60 characters. */
export function shortMarkup(markup: string): string {
  const one = markup.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

/*
 * The `${VAR}` rule. nginx itself reads `${name}` as a variable (ngx_http_script.c), so `${host}` in an arg is
 * nginx's own. envsubst (the official Docker image's /etc/nginx/templates) writes `${NGINX_PORT}`. We call
 * `${NAME}` template markup only when nginx would reject it:
 *   1. NAME is upper case (A-Z, 0-9, _; starting with a letter or _): every built-in nginx variable is lower
 *      case (`$http_*`, `$arg_*`, `$cookie_*` keep their prefix lower case), so an upper-case name can only be
 *      one the config declares itself;
 *   2. the config declares no variable of that name: no `set`, `map`, `geo`, `split_clients`, `*_set` or
 *      `set_*` directive (js_set, perl_set, auth_request_set, set_by_lua…) names `$NAME`, and no regex names a
 *      capture `(?<NAME>…)`, `(?P<NAME>…)` or `(?'NAME'…)`.
 * Then nginx fails with `unknown "NAME" variable` (or a bad value where variables are not allowed).
 * Quoted or not makes no difference: nginx resolves `${NAME}` inside quotes too, and envsubst ignores quotes.
 * Unbraced `$NAME` and lower-case `${name}` are always left to nginx (conservative: never take nginx's own
 * variables for markup). Not applied to `nginx -T` output: nginx accepted that text, so it holds no markup.
 */

const ENV_REF = /\$\{([A-Z_][A-Z0-9_]*)\}/g;
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
