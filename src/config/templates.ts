/**
 * Template markup in nginx configs that are shipped as templates: Jinja/Ansible `{{ }}` `{% %}` `{# #}`,
 * Helm/Go `{{- … -}}`, mustache `{{#x}}`, ERB `<% %>` `<%= %>`. The lexer asks `templateAt` at each place
 * markup can start. envsubst `${VAR}` needs the whole config to judge and is in envsubst.ts.
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
// ERB (Ruby) and EJS (JavaScript) code that produces no value: keywords, blocks opened or closed.
const EMBEDDED_CONTROL = /^(?:if|else|elsif|end|unless|case|when|for|while|until|begin|rescue|ensure)\b|^[{}]|[{}]$|\bdo(?:\s*\|[^|]*\|)?$/;

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
  if (open === '<%') {
    // `<%=` outputs in ERB and EJS; `<%-` outputs in EJS but trims in ERB; `<%#` is a comment. When unsure,
    // call it output: an unknown value is safe, a dropped one would let checks trust a half-rendered arg.
    if (markup[2] === '=') return 'output';
    if (markup[2] === '#') return 'control';
    const inner = markup.slice(2, -2).replace(/^[-_]?\s*/, '').replace(/\s*[-_]?$/, '');
    return EMBEDDED_CONTROL.test(inner) ? 'control' : 'output';
  }
  // `{{`: strip Helm's whitespace trimming (`{{-`) and spaces, then look at the action.
  const inner = markup.slice(2, -2).replace(/^[-~]?\s*/, '');
  return GO_CONTROL.test(inner) || MUSTACHE_CONTROL.test(inner) ? 'control' : 'output';
}

/**
 * Shorten markup for a note: one line, at most 60 characters.
 * @example shortMarkup('{{ a\n b }}') // '{{ a b }}'
 */
export function shortMarkup(markup: string): string {
  const one = markup.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

/** Where control markup stands in an if/else/end structure, or null for markup that opens or closes nothing. */
export type BranchRole = 'open' | 'else' | 'end';

const JINJA_OPEN = /^(?:if|for|block|macro|call|filter|with|raw|autoescape)\b/;
const JINJA_ELSE = /^(?:else|elif)\b/;
const JINJA_END = /^end(?:if|for|block|macro|call|filter|with|raw|autoescape)\b/;
const GO_OPEN = /^(?:if|range|with|define|block)\b/;
const EMBEDDED_OPEN = /^(?:if|unless|case|while|until|for|begin)\b|\bdo(?:\s*\|[^|]*\|)?$|^[^}].*\{$/;
const EMBEDDED_ELSE = /^(?:else|elsif|when)\b|^\}\s*else\b/;
const EMBEDDED_END = /^(?:end\b|\}\)?;?$)/;

/**
 * The role of a piece of control markup in a conditional.
 * @example branchRole('{% elif x %}') // 'else'
 */
export function branchRole(markup: string): BranchRole | null {
  const open = markup.slice(0, 2);
  const inner = markup
    .slice(2, -2)
    .replace(/^[-~_]?\s*/, '')
    .replace(/\s*[-~_]?$/, '');
  if (open === '{%') return JINJA_ELSE.test(inner) ? 'else' : JINJA_END.test(inner) ? 'end' : JINJA_OPEN.test(inner) ? 'open' : null;
  if (open === '{{') {
    if (/^else\b/.test(inner)) return 'else';
    if (/^end\b/.test(inner) || inner.startsWith('/')) return 'end';
    return GO_OPEN.test(inner) || /^[#^]/.test(inner) ? 'open' : null;
  }
  if (open === '<%') return EMBEDDED_ELSE.test(inner) ? 'else' : EMBEDDED_END.test(inner) ? 'end' : EMBEDDED_OPEN.test(inner) ? 'open' : null;
  return null;
}

/**
 * After an `else` (or `elif`) at `from`, the index just past the markup that ends the conditional, so the
 * lexer reads one branch only: both branches of `{% if ssl %}server {{% else %}server {{% endif %}` would
 * open two blocks. Null when no end is found (then nothing is skipped).
 * @example skipElseBranch('{% else %}listen 81;{% endif %}', 10) // 31
 */
export function skipElseBranch(text: string, from: number): number | null {
  let depth = 0;
  let i = from;
  for (;;) {
    const next = nextOpener(text, i);
    if (next < 0) return null;
    const span = templateAt(text, next, { statementStart: true, singleLine: false });
    if (!span) {
      i = next + 1;
      continue;
    }
    const role = branchRole(span.text);
    if (role === 'open') depth++;
    else if (role === 'end') {
      if (depth === 0) return span.end;
      depth--;
    }
    i = span.end;
  }
}

/** The next place template markup could start. */
function nextOpener(text: string, from: number): number {
  const a = text.indexOf('{{', from);
  const b = text.indexOf('{%', from);
  const c = text.indexOf('<%', from);
  let best = -1;
  for (const k of [a, b, c]) if (k >= 0 && (best < 0 || k < best)) best = k;
  return best;
}
