/**
 * nginx config tokenizer, faithful to ngx_conf_read_token() (src/core/ngx_conf_file.c): words, "…" and '…'
 * quoting, backslash escapes, `#` comments only at the start of a word, `${var}` braces kept inside a word,
 * `;` `{` `}`. On top of nginx: template markup is skipped with a note, and `*_by_lua_block` bodies are kept raw.
 * Errors are collected; the lexer always reaches the end of the text.
 */
import { LUA_BLOCK, scanLuaBody } from './lua-block.js';
import { branchRole, shortMarkup, skipElseBranch, templateAt, type TemplateSpan } from './templates.js';
import { TEMPLATE_MARKER, type ConfigError, type ConfigNote } from './nginx-types.js';

/** One token. Words carry their unquoted, unescaped text. */
export interface Token {
  kind: 'word' | '{' | '}' | ';';
  text: string;
  /** Line the token starts on (1-based), as nginx counts it. */
  line: number;
  /** The word was written in quotes: a quoted "{" or ";" is a parameter, never punctuation. */
  quoted: boolean;
  /** First token on its line: the parser's missing-";" heuristic looks at these. */
  lineFirst: boolean;
  /** Some of the word was template markup (replaced by TEMPLATE_MARKER, or dropped when it was control flow). */
  templated: boolean;
}

export interface LexOptions {
  /** Recognise template markup (default true). Off for `nginx -T` output: nginx accepted that text as it is. */
  templates?: boolean;
}

export interface LexResult {
  tokens: Token[];
  errors: ConfigError[];
  notes: ConfigNote[];
}

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const HASH = 0x23;
const SEMI = 0x3b;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const DQ = 0x22;
const SQ = 0x27;
const BSL = 0x5c;
const DOLLAR = 0x24;
const LT = 0x3c;

/**
 * Split nginx config text into tokens.
 * @example tokenize('server { listen 80; }', 'a.conf').tokens.map((t) => t.text) // ['server', '{', 'listen', '80', ';', '}']
 */
export function tokenize(text: string, file: string, options: LexOptions = {}): LexResult {
  return new Lexer(text, file, options.templates ?? true).run();
}

/**
 * Undo nginx's escapes the way ngx_conf_read_token copies a word: `\"` `\'` `\\` give the character,
 * `\t` `\r` `\n` the control character; any other backslash stays as written.
 * @example unescapeWord('say \\"hi\\"\\n \\d+') // 'say "hi"' + LF + ' \\d+'
 */
export function unescapeWord(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let k = 0; k < s.length; k++) {
    const ch = s[k];
    if (ch === '\\' && k + 1 < s.length) {
      const nx = s[k + 1];
      if (nx === '"' || nx === "'" || nx === '\\') {
        out += nx;
        k++;
        continue;
      }
      if (nx === 't' || nx === 'r' || nx === 'n') {
        out += nx === 't' ? '\t' : nx === 'r' ? '\r' : '\n';
        k++;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

class Lexer {
  private i = 0;
  private line = 1;
  /** Words in the statement being read (nginx's cf->args->nelts). */
  private nargs = 0;
  /** First word of the statement being read, to spot `*_by_lua_block`. */
  private first = '';
  private lastLine = 0;
  private readonly n: number;
  private readonly tokens: Token[] = [];
  private readonly errors: ConfigError[] = [];
  private readonly notes: ConfigNote[] = [];

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly templates: boolean,
  ) {
    this.n = text.length;
    // A UTF-8 byte order mark would become part of the first directive's name.
    if (text.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  run(): LexResult {
    const { text, n } = this;
    while (this.i < n) {
      const c = text.charCodeAt(this.i);
      if (c === SP || c === TAB || c === CR) {
        this.i++;
      } else if (c === LF) {
        this.line++;
        this.i++;
      } else if (c === HASH) {
        const eol = text.indexOf('\n', this.i);
        this.i = eol < 0 ? n : eol;
      } else if (this.templates && (c === LBRACE || c === LT) && this.statementMarkup()) {
        // handled: skipped, or read as the start of a word
      } else if (this.templates && c === DOLLAR && this.nargs === 0 && this.envLine()) {
        // handled: a whole line of envsubst markup skipped
      } else if (c === SEMI) {
        this.punct(';');
      } else if (c === LBRACE) {
        if (this.nargs > 0 && LUA_BLOCK.test(this.first)) this.luaBody();
        else this.punct('{');
      } else if (c === RBRACE) {
        this.punct('}');
      } else if (c === DQ || c === SQ) {
        this.quoted(c);
      } else {
        this.bare(null);
      }
    }
    return { tokens: this.tokens, errors: this.errors, notes: this.notes };
  }

  private push(kind: Token['kind'], text: string, line: number, quoted: boolean, templated: boolean): void {
    this.tokens.push({ kind, text, line, quoted, lineFirst: line > this.lastLine, templated });
    this.lastLine = this.line;
    if (kind === 'word') {
      if (this.nargs === 0) this.first = text;
      this.nargs++;
    } else {
      this.nargs = 0;
    }
  }

  private punct(kind: '{' | '}' | ';'): void {
    this.push(kind, kind, this.line, false, false);
    this.i++;
  }

  private note(line: number, markup: string): void {
    this.notes.push({ code: 'CONF_TEMPLATE_SKIPPED', file: this.file, line, note: `template markup skipped: ${shortMarkup(markup)}` });
  }

  /**
   * Markup where a word could start. At the start of a statement, control markup (`{% if %}`) and output markup
   * alone on its line (`{{ .Values.extra | nindent 4 }}`, which may expand to whole directives) are skipped like
   * comments; anything else begins a word. Returns false when there is no markup here.
   */
  private statementMarkup(): boolean {
    const atStart = this.nargs === 0;
    const span = templateAt(this.text, this.i, { statementStart: atStart, singleLine: !atStart });
    if (!span) return false;
    if (atStart && (span.kind === 'control' || this.aloneOnLine(span.end))) {
      this.skipMarkup(span);
      return true;
    }
    this.bare(span);
    return true;
  }

  /**
   * `${UPSTREAM_INCLUDE}` alone on a line where a directive would start: envsubst fills in whole directives
   * there. nginx never expands variables in a directive name, so this is markup whatever the config declares.
   */
  private envLine(): boolean {
    const m = /^\$\{_*[A-Z][A-Z0-9_]*\}/.exec(this.text.slice(this.i, this.i + 128));
    if (!m || !this.aloneOnLine(this.i + m[0].length)) return false;
    this.note(this.line, m[0]);
    this.i += m[0].length;
    return true;
  }

  /**
   * Step over markup, with a note. After an `else`/`elif`, the rest of the conditional is stepped over too:
   * reading both branches would duplicate directives and, when each branch opens a block, unbalance braces.
   */
  private skipMarkup(span: TemplateSpan): void {
    this.note(this.line, span.text);
    let end = span.end;
    if (span.kind === 'control' && branchRole(span.text) === 'else') {
      const after = skipElseBranch(this.text, span.end);
      if (after !== null) {
        const lines = newlinesIn(this.text.slice(span.end, after));
        this.notes.push({
          code: 'CONF_TEMPLATE_SKIPPED',
          file: this.file,
          line: this.line,
          note: `template markup skipped: the other branch of a conditional (to line ${this.line + newlinesIn(span.text) + lines})`,
        });
        end = after;
      }
    }
    this.line += newlinesIn(this.text.slice(this.i, end));
    this.i = end;
  }

  private aloneOnLine(from: number): boolean {
    let j = from;
    while (j < this.n) {
      const c = this.text.charCodeAt(j);
      if (c === SP || c === TAB || c === CR) j++;
      else return c === LF || c === HASH;
    }
    return true;
  }

  /** A word not in quotes: ends at whitespace, ";" or "{" (a "}" or quote inside it is an ordinary character). */
  private bare(initial: TemplateSpan | null): void {
    const { text, n } = this;
    const startLine = this.line;
    const parts: string[] = [];
    let seg = this.i;
    let content = false;
    let templated = false;
    let variable = false;
    let span = initial;
    while (this.i < n) {
      if (span) {
        parts.push(unescapeWord(text.slice(seg, this.i)));
        if (span.kind === 'output') {
          parts.push(TEMPLATE_MARKER);
          content = true;
        }
        templated = true;
        this.skipMarkup(span);
        seg = this.i;
        span = null;
        continue;
      }
      const ch = text.charCodeAt(this.i);
      if (ch === BSL) {
        // nginx skips the escaped character whatever it is, even a space or a newline.
        if (text.charCodeAt(this.i + 1) === LF) this.line++;
        this.i += 2;
        content = true;
        variable = false;
        continue;
      }
      if (ch === LBRACE && variable) {
        // `${name}`: the brace belongs to the variable, not a block.
        this.i++;
        continue;
      }
      variable = false;
      if (ch === DOLLAR) {
        variable = true;
        content = true;
        this.i++;
        continue;
      }
      if (this.templates && (ch === LBRACE || ch === LT)) {
        span = templateAt(text, this.i, { statementStart: false, singleLine: true });
        if (span) continue;
      }
      if (ch === SP || ch === TAB || ch === CR || ch === LF || ch === SEMI || ch === LBRACE) break;
      content = true;
      this.i++;
    }
    parts.push(unescapeWord(text.slice(seg, Math.min(this.i, n))));
    // A word made only of control markup (`{% if x %}`) stands for nothing.
    if (content) this.push('word', parts.join(''), startLine, false, templated);
  }

  /** A quoted word. After the closing quote nginx requires a space, ";", "{" or ")". */
  private quoted(quote: number): void {
    const { text, n } = this;
    const startLine = this.line;
    const parts: string[] = [];
    this.i++;
    let seg = this.i;
    let variable = false;
    let templated = false;
    for (;;) {
      if (this.i >= n) {
        parts.push(unescapeWord(text.slice(seg, n)));
        const q = String.fromCharCode(quote);
        this.errors.push({
          code: 'CONF_UNTERMINATED_QUOTE',
          file: this.file,
          line: startLine,
          error: `unexpected end of file, expecting ";" or "}": the ${q} opened on line ${startLine} is never closed`,
        });
        this.push('word', parts.join(''), startLine, true, templated);
        return;
      }
      const ch = text.charCodeAt(this.i);
      if (ch === BSL) {
        if (text.charCodeAt(this.i + 1) === LF) this.line++;
        this.i += 2;
        variable = false;
        continue;
      }
      if (ch === LBRACE && variable) {
        this.i++;
        continue;
      }
      variable = false;
      if (ch === DOLLAR) {
        variable = true;
        this.i++;
        continue;
      }
      if (ch === LF) this.line++;
      if (ch === quote) break;
      if (this.templates && (ch === LBRACE || ch === LT)) {
        const span = templateAt(text, this.i, { statementStart: false, singleLine: true });
        if (span) {
          parts.push(unescapeWord(text.slice(seg, this.i)));
          if (span.kind === 'output') parts.push(TEMPLATE_MARKER);
          templated = true;
          this.note(this.line, span.text);
          this.i = span.end;
          if (span.kind === 'control' && branchRole(span.text) === 'else') {
            // `"{% if a %}x{% else %}y{% endif %}"`: keep one branch, but never skip past this string's end.
            const after = skipElseBranch(text, span.end);
            const skipped = after === null ? '' : text.slice(span.end, after);
            if (after !== null && !skipped.includes('\n') && !skipped.includes(String.fromCharCode(quote))) this.i = after;
          }
          seg = this.i;
          continue;
        }
      }
      this.i++;
    }
    parts.push(unescapeWord(text.slice(seg, this.i)));
    this.i++;
    this.push('word', parts.join(''), startLine, true, templated);
    if (this.i >= n) return;
    const nx = text.charCodeAt(this.i);
    if (nx === SP || nx === TAB || nx === CR || nx === LF || nx === SEMI || nx === LBRACE || nx === 0x29 /* ) */) return;
    // `"<%- addr %>"<%- ssl ? " ssl" : "" %>`: the markup renders to its own word.
    if (this.templates && templateAt(text, this.i, { statementStart: false, singleLine: true })) return;
    // nginx stops here; we report it and read on as if a space were there.
    this.errors.push({ code: 'CONF_UNEXPECTED_CHAR', file: this.file, line: this.line, error: `unexpected "${text[this.i] ?? ''}"` });
  }

  /** `content_by_lua_block { … }`: the Lua body becomes one raw parameter, then the directive ends. */
  private luaBody(): void {
    const openLine = this.line;
    const body = scanLuaBody(this.text, this.i + 1);
    if (!body) {
      this.errors.push({
        code: 'CONF_UNCLOSED_BLOCK',
        file: this.file,
        line: openLine,
        error: `unexpected end of file, expecting "}": the "${this.first}" block opened on line ${openLine} is not closed`,
      });
      this.i = this.n;
      return;
    }
    this.notes.push({ code: 'CONF_LUA_RAW', file: this.file, line: openLine, note: `lua block kept as one raw parameter: ${this.first}` });
    const code = this.text.slice(this.i + 1, body.close);
    this.push('word', code, openLine, true, false);
    this.line += body.newlines;
    this.push(';', ';', this.line, false, false);
    this.i = body.close + 1;
  }
}

function newlinesIn(s: string): number {
  let k = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) k++;
  return k;
}
