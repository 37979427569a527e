/** The nginx config reader: parse to a positioned tree, look directives up for checks, dump as crossplane JSON. */
export { loadNginxConfig, readNginxConfig, type ConfigTree, type ConfigInput, type LoadOptions } from './nginx-load.js';
export { tokenize, unescapeWord, type Token, type LexOptions, type LexResult } from './nginx-lexer.js';
export { parseTokens, parseNginxText, type ParseResult } from './nginx-parser.js';
export { ConfigNode } from './nginx-node.js';
export { directives, effective, contextOf, enclosing, walk, NOT_INHERITED, type Located } from './nginx-lookup.js';
export { toCrossplane, type CrossplanePayload, type CrossplaneConfig, type CrossplaneDirective } from './dump.js';
export { splitNginxT, type DumpedFile } from './nginx-t.js';
export { impliedContext } from './nginx-fragment.js';
export {
  CONFIG_ERROR_CODES,
  CONFIG_NOTE_CODES,
  TEMPLATE_MARKER,
  type ConfigError,
  type ConfigErrorCode,
  type ConfigNote,
  type ConfigNoteCode,
  type ContextChain,
  type ParsedFile,
  type Statement,
} from './nginx-types.js';
