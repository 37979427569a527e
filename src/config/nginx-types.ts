/** Shapes shared by the nginx config reader: per-file statements (crossplane's shape), errors and notes. */

/**
 * Stable codes of config errors, with what each means. Checks and tests compare codes, never message text.
 * Messages follow nginx's own words where nginx has them, so users recognise what `nginx -t` would say.
 */
export const CONFIG_ERROR_CODES = {
  CONF_READ: 'the main input could not be read',
  CONF_UNEXPECTED_CLOSE: 'a "}" with no block open in this file',
  CONF_UNEXPECTED_OPEN: 'a "{" with no directive name before it',
  CONF_UNEXPECTED_SEMICOLON: 'a ";" with no directive before it',
  CONF_UNEXPECTED_CHAR: 'a character right after a closing quote (nginx needs a space, ";", "{" or ")")',
  CONF_UNTERMINATED_QUOTE: 'a quoted parameter that is never closed',
  CONF_MISSING_SEMICOLON: 'a directive that is not terminated by ";" before the next directive or "}"',
  CONF_UNEXPECTED_EOF: 'the file ends in the middle of a directive',
  CONF_UNCLOSED_BLOCK: 'the file ends inside a block: a "}" is missing',
  CONF_INCLUDE_ARGS: '"include" takes exactly one parameter',
  CONF_INCLUDE_NOT_FOUND: 'an included file does not exist',
  CONF_INCLUDE_UNREADABLE: 'an included file exists but cannot be read',
  CONF_INCLUDE_CYCLE: 'a file includes itself, directly or through other files',
  CONF_INCLUDE_LIMIT: 'more files (or included copies) than one read takes; the rest were not read',
} as const;

export type ConfigErrorCode = keyof typeof CONFIG_ERROR_CODES;

/** Codes of notes: things skipped or assumed, never fatal. */
export const CONFIG_NOTE_CODES = {
  CONF_TEMPLATE_SKIPPED: 'template markup (Jinja, Helm/Go, ERB, envsubst) was skipped; the value it stands for is unknown',
  CONF_LUA_RAW: 'a *_by_lua_block body was kept as one raw parameter, not parsed as nginx syntax',
  CONF_FRAGMENT: 'the input is a fragment; it was analysed in the context its top level implies',
  CONF_NGINX_T: 'the input is `nginx -T` output; it was split into the files it names',
  CONF_INCLUDE_TEMPLATED: 'an include whose path is template markup was not followed',
  CONF_INCLUDE_FALLBACK: "a fragment's relative include was found in a parent directory of the fragment",
} as const;

export type ConfigNoteCode = keyof typeof CONFIG_NOTE_CODES;

/** An error found while reading a config: collected, never thrown. `line` is null when no line applies. */
export interface ConfigError {
  code: ConfigErrorCode;
  file: string;
  line: number | null;
  error: string;
}

/** Something skipped or assumed while reading a config. */
export interface ConfigNote {
  code: ConfigNoteCode;
  file: string;
  line: number | null;
  note: string;
}

/**
 * One directive as written in one file (crossplane's statement shape, plus the file it is in).
 * Args are unquoted and unescaped the way nginx does it; `if` args lose their outer parentheses as in crossplane.
 */
export interface Statement {
  directive: string;
  line: number;
  args: string[];
  file: string;
  /** On `include`: indexes into the tree's `files` of the files it includes (crossplane's `includes`). */
  includes?: number[];
  /** Present on block directives (`server { … }`), possibly empty. */
  block?: Statement[];
  /** true when some of the directive's name or args was template markup, replaced by TEMPLATE_MARKER. */
  templated?: true;
}

/** One parsed file, in crossplane's per-file shape. */
export interface ParsedFile {
  file: string;
  status: 'ok' | 'failed';
  errors: ConfigError[];
  parsed: Statement[];
}

/** What a template expression is replaced with in args, so checks can see the value is unknown. */
export const TEMPLATE_MARKER = '{{template}}';

/** Block names that make up a context chain: `[]` is nginx's main context, `['http', 'server']` a server's body. */
export type ContextChain = readonly string[];
