/**
 * Raw bodies of OpenResty `*_by_lua_block { … }` directives. Their body is Lua, not nginx syntax (ngx_lua reads
 * it with its own lexer), so braces in Lua strings and comments must not count: scan it as Lua and keep it whole.
 */

/** Directives whose `{ … }` body is Lua code. */
export const LUA_BLOCK = /_by_lua_block$/;

/**
 * End of a Lua body opened just before `start`: index of the closing "}" and the lines it spans, or null at EOF.
 * @example scanLuaBody('{ ngx.say("}") }', 1) // { close: 15, newlines: 0 }
 */
export function scanLuaBody(text: string, start: number): { close: number; newlines: number } | null {
  let depth = 1;
  let newlines = 0;
  let i = start;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      newlines++;
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      // A comment: long (`--[[ … ]]`, `--[==[ … ]==]`) or to the end of the line.
      const long = longBracket(text, i + 2);
      if (long) {
        const end = text.indexOf(long.close, long.bodyStart);
        if (end < 0) return null;
        newlines += countNewlines(text, i, end);
        i = end + long.close.length;
      } else {
        const eol = text.indexOf('\n', i);
        i = eol < 0 ? n : eol;
      }
    } else if (c === '"' || c === "'") {
      i++;
      while (i < n && text[i] !== c) {
        if (text[i] === '\\') i++;
        if (text[i] === '\n') newlines++;
        i++;
      }
      i++;
    } else if (c === '[') {
      const long = longBracket(text, i);
      if (long) {
        const end = text.indexOf(long.close, long.bodyStart);
        if (end < 0) return null;
        newlines += countNewlines(text, i, end);
        i = end + long.close.length;
      } else {
        i++;
      }
    } else if (c === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return { close: i, newlines };
      i++;
    } else {
      i++;
    }
  }
  return null;
}

/** A Lua long bracket `[[` or `[==[` at `i`. */
function longBracket(text: string, i: number): { bodyStart: number; close: string } | null {
  if (text[i] !== '[') return null;
  let j = i + 1;
  while (text[j] === '=') j++;
  if (text[j] !== '[') return null;
  return { bodyStart: j + 1, close: `]${'='.repeat(j - i - 1)}]` };
}

function countNewlines(text: string, from: number, to: number): number {
  let k = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) k++;
  return k;
}
