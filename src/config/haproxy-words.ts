/**
 * HAProxy's line syntax: cutting a line into words (quotes, escapes, environment variables, comments) and the
 * `.if` conditions, as configuration.txt section 2.2-2.4 (HAProxy 2.6) describes them.
 */

export interface WordsResult {
  words: string[];
  /** Environment variables referenced in double quotes that `env` does not define (left as written). */
  unresolved: string[];
  error?: string;
}

/**
 * Cut one line into words. Outside quotes a backslash escapes the next character; double quotes keep spaces and
 * expand `$NAME` / `${NAME}`; single quotes keep everything; `#` outside quotes starts a comment.
 * @example haproxyWords('server s1 "${HOST}:80" check', { HOST: '10.0.0.1' }).words // ['server', 's1', '10.0.0.1:80', 'check']
 */
export function haproxyWords(line: string, env: Readonly<Record<string, string>> = {}): WordsResult {
  const words: string[] = [];
  const unresolved: string[] = [];
  let cur = '';
  let started = false;
  let quote: '"' | "'" | null = null;
  let quoteAt = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
      continue;
    }
    if (c === '\\' && i + 1 < line.length) {
      const { text, skip } = unescape(line, i + 1);
      cur += text;
      started = true;
      i += skip;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '$') {
        const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_.]*)(?:\[\*\])?\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(line.slice(i));
        if (m) {
          const name = m[1] ?? m[2] ?? '';
          const value = env[name];
          if (value === undefined) {
            unresolved.push(name);
            cur += m[0];
          } else cur += value;
          i += m[0].length - 1;
        } else cur += c;
      } else cur += c;
      continue;
    }
    if (c === '#') break;
    if (c === ' ' || c === '\t') {
      if (started) words.push(cur);
      cur = '';
      started = false;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      quoteAt = i;
      started = true;
      continue;
    }
    cur += c;
    started = true;
  }
  if (quote) return { words, unresolved, error: `unmatched quote at position ${quoteAt + 1}` };
  if (started) words.push(cur);
  return { words, unresolved };
}

function unescape(line: string, at: number): { text: string; skip: number } {
  const c = line[at] ?? '';
  if (c === 'n') return { text: '\n', skip: 1 };
  if (c === 'r') return { text: '\r', skip: 1 };
  if (c === 't') return { text: '\t', skip: 1 };
  if (c === 'x') {
    const hex = line.slice(at + 1, at + 3);
    if (/^[0-9a-fA-F]{2}$/.test(hex)) return { text: String.fromCharCode(parseInt(hex, 16)), skip: 3 };
  }
  return { text: c, skip: 1 };
}

/**
 * A HAProxy time value in milliseconds: a number with an optional unit (us, ms, s, m, h, d); no unit means ms.
 * @example haproxyTime('30s') // 30000
 */
export function haproxyTime(text: string): number | null {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return n * (factor[unit] ?? 1);
}

/** Result of a `.if` condition: true/false, or null when it names something we cannot know here. */
export type ConditionValue = boolean | null;

/**
 * Evaluate a `.if`/`.elif` condition: integers, defined(), streq(), strneq(), `!`, `&&`, `||` and parentheses.
 * feature() and version_*() depend on the binary, so they are unknown (null).
 */
export function haproxyCondition(words: string[], env: Readonly<Record<string, string>>): ConditionValue {
  const src = words.join(' ').trim();
  if (src === '') return false;
  const tokens = src.match(/&&|\|\||[()!]|[A-Za-z_][A-Za-z0-9_]*\([^()]*\)|[^\s()!&|]+/g) ?? [];
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const or = (): ConditionValue => {
    let v = and();
    while (peek() === '||') {
      pos++;
      const r = and();
      v = v === true || r === true ? true : v === null || r === null ? null : false;
    }
    return v;
  };
  const and = (): ConditionValue => {
    let v = unary();
    while (peek() === '&&') {
      pos++;
      const r = unary();
      v = v === false || r === false ? false : v === null || r === null ? null : true;
    }
    return v;
  };
  const unary = (): ConditionValue => {
    const t = tokens[pos++];
    if (t === '!') {
      const v = unary();
      return v === null ? null : !v;
    }
    if (t === '(') {
      const v = or();
      if (peek() === ')') pos++;
      return v;
    }
    return predicate(t ?? '', env);
  };
  return or();
}

function predicate(t: string, env: Readonly<Record<string, string>>): ConditionValue {
  if (/^-?\d+$/.test(t)) return Number(t) !== 0;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$/.exec(t);
  if (!m) return null;
  const args = (m[2] ?? '').split(',').map((a) => a.trim().replace(/^"(.*)"$/, '$1'));
  switch (m[1]) {
    case 'defined':
      return env[args[0] ?? ''] !== undefined;
    case 'streq':
      return args[0] === args[1];
    case 'strneq':
      return args[0] !== args[1];
    default:
      return null;
  }
}
