/**
 * nginx config parser: tokens of one file to crossplane-shaped statements, following ngx_conf_parse()
 * (src/core/ngx_conf_file.c): braces balance within each file, a "}" closes the innermost block.
 * Where nginx stops at the first error, this reports it and reads on, so one paste shows every problem.
 * Includes are not followed here (see load.ts).
 */
import { tokenize, type LexOptions, type Token } from './nginx-lexer.js';
import { LINE_START_DIRECTIVES } from './nginx-directives.js';
import type { ConfigError, ConfigNote, Statement } from './nginx-types.js';

export interface ParseResult {
  parsed: Statement[];
  errors: ConfigError[];
}

interface Frame {
  stmts: Statement[];
  opener: Statement | null;
}

/**
 * Build statements from one file's tokens. Errors are collected with the file and line they concern.
 * @example parseTokens(tokenize('events {}', 'a.conf').tokens, 'a.conf').parsed // [{ directive: 'events', line: 1, args: [], file: 'a.conf', block: [] }]
 */
export function parseTokens(tokens: readonly Token[], file: string, opts: { openQuoteAtEof?: boolean } = {}): ParseResult {
  const errors: ConfigError[] = [];
  const top: Statement[] = [];
  const stack: Frame[] = [{ stmts: top, opener: null }];
  let pending: Token[] = [];
  const err = (code: ConfigError['code'], line: number, error: string): void => {
    errors.push({ code, file, line, error });
  };
  const current = (): Frame => stack[stack.length - 1] ?? { stmts: top, opener: null };
  const flush = (block: Statement[] | undefined): Statement | null => {
    const stmt = makeStatement(pending, file, block);
    pending = [];
    if (stmt) current().stmts.push(stmt);
    return stmt;
  };

  for (const tok of tokens) {
    if (tok.kind === 'word') {
      const head = pending[0];
      if (head && startsDirective(tok, head)) {
        err('CONF_MISSING_SEMICOLON', head.line, `directive "${head.text}" is not terminated by ";": "${tok.text}" on line ${tok.line} starts the next directive`);
        flush(undefined);
      }
      pending.push(tok);
    } else if (tok.kind === ';') {
      if (pending.length === 0) err('CONF_UNEXPECTED_SEMICOLON', tok.line, 'unexpected ";"');
      else flush(undefined);
    } else if (tok.kind === '{') {
      if (pending.length === 0) {
        // nginx: `unexpected "{"`. Read the block anyway so its "}" does not close the enclosing one.
        err('CONF_UNEXPECTED_OPEN', tok.line, 'unexpected "{"');
        stack.push({ stmts: [], opener: null });
      } else {
        const block: Statement[] = [];
        const stmt = flush(block);
        stack.push({ stmts: block, opener: stmt });
      }
    } else {
      const head = pending[0];
      if (head) {
        err('CONF_MISSING_SEMICOLON', head.line, `directive "${head.text}" is not terminated by ";": unexpected "}" on line ${tok.line}`);
        flush(undefined);
      }
      if (stack.length === 1) err('CONF_UNEXPECTED_CLOSE', tok.line, 'unexpected "}"');
      else stack.pop();
    }
  }

  const head = pending[0];
  if (head) {
    if (!opts.openQuoteAtEof) err('CONF_UNEXPECTED_EOF', head.line, `unexpected end of file, expecting ";" or "}": directive "${head.text}" is not terminated`);
    flush(undefined);
  }
  // The lexer already reported an unclosed quote, which swallowed the rest of the file and its "}".
  while (stack.length > 1) {
    const frame = stack.pop();
    const opener = frame?.opener;
    if (opener && !opts.openQuoteAtEof) {
      err('CONF_UNCLOSED_BLOCK', opener.line, `unexpected end of file, expecting "}": the "${opener.directive}" block opened on line ${opener.line} is not closed`);
    }
  }
  return { parsed: top, errors };
}

/**
 * Tokenize and parse one file's text.
 * @example parseNginxText('http { server { listen 80; } }', 'nginx.conf').parsed[0]?.directive // 'http'
 */
export function parseNginxText(text: string, file: string, options: LexOptions = {}): ParseResult & { notes: ConfigNote[] } {
  const lexed = tokenize(text, file, options);
  const openQuoteAtEof = lexed.errors.some((e) => e.code === 'CONF_UNTERMINATED_QUOTE');
  const parsed = parseTokens(lexed.tokens, file, { openQuoteAtEof });
  return { parsed: parsed.parsed, errors: [...lexed.errors, ...parsed.errors], notes: lexed.notes };
}

/**
 * A word that begins a line and names a well-known directive, while the directive before it started on an
 * earlier line: the earlier one is missing its ";". Quoted or templated words never count.
 */
function startsDirective(tok: Token, head: Token): boolean {
  return tok.lineFirst && !tok.quoted && !tok.templated && head.line < tok.line && LINE_START_DIRECTIVES.has(tok.text);
}

function makeStatement(words: readonly Token[], file: string, block: Statement[] | undefined): Statement | null {
  const [name, ...rest] = words;
  if (!name) return null;
  const stmt: Statement = { directive: name.text, line: name.line, args: rest.map((t) => t.text), file };
  if (stmt.directive === 'if') stripIfParens(stmt.args);
  if (words.some((t) => t.templated)) stmt.templated = true;
  if (block) stmt.block = block;
  return stmt;
}

/** `if ($a = b)` is read by nginx as `($a`, `=`, `b)`: drop the outer parentheses as crossplane does. */
function stripIfParens(args: string[]): void {
  const first = args[0];
  const last = args[args.length - 1];
  if (first === undefined || last === undefined || !first.startsWith('(') || !last.endsWith(')')) return;
  args[0] = first.slice(1).trimStart();
  args[args.length - 1] = (args[args.length - 1] ?? '').slice(0, -1).trimEnd();
  if (args[args.length - 1] === '') args.pop();
  if (args[0] === '') args.shift();
}
