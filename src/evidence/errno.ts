/** One place that maps OS error numbers, strerror texts and Node error codes to why502's stable codes. */
import type { ErrnoCode } from './facts.js';

/** Linux errno numbers as nginx and Apache print them ("(111: Connection refused)"). */
const BY_NUMBER: Record<number, ErrnoCode> = {
  1: 'EPERM',
  2: 'ENOENT',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  23: 'ENFILE',
  24: 'EMFILE',
  32: 'EPIPE',
  99: 'EADDRNOTAVAIL',
  100: 'ENETDOWN',
  101: 'ENETUNREACH',
  103: 'ECONNABORTED',
  104: 'ECONNRESET',
  110: 'ETIMEDOUT',
  111: 'ECONNREFUSED',
  112: 'EHOSTDOWN',
  113: 'EHOSTUNREACH',
};

/** strerror() texts, for sources that print the text without the number (Go, Python, Apache). */
const BY_TEXT: [RegExp, ErrnoCode][] = [
  [/connection refused/i, 'ECONNREFUSED'],
  [/connection reset by peer/i, 'ECONNRESET'],
  [/broken pipe/i, 'EPIPE'],
  [/no route to host/i, 'EHOSTUNREACH'],
  [/network is unreachable/i, 'ENETUNREACH'],
  [/host is down/i, 'EHOSTDOWN'],
  [/network is down/i, 'ENETDOWN'],
  [/no such file or directory/i, 'ENOENT'],
  [/permission denied/i, 'EACCES'],
  [/operation not permitted/i, 'EPERM'],
  [/resource temporarily unavailable/i, 'EAGAIN'],
  [/cannot assign requested address/i, 'EADDRNOTAVAIL'],
  [/too many open files in system/i, 'ENFILE'],
  [/too many open files/i, 'EMFILE'],
  [/cannot allocate memory/i, 'ENOMEM'],
  [/(connection )?timed out/i, 'ETIMEDOUT'],
  [/software caused connection abort/i, 'ECONNABORTED'],
];

const NODE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN',
  'ENOENT', 'EACCES', 'EPERM', 'EAGAIN', 'EADDRNOTAVAIL', 'EMFILE', 'ENFILE', 'ENOMEM', 'ENOTFOUND', 'EAI_AGAIN',
  'ECONNABORTED',
]);

/** Map an errno number (as printed by C programs) to a stable code. */
export function errnoFromNumber(n: number): ErrnoCode {
  return BY_NUMBER[n] ?? 'EOTHER';
}

/** Map a strerror-like text to a stable code, or undefined when the text names no OS error. */
export function errnoFromText(text: string): ErrnoCode | undefined {
  for (const [re, code] of BY_TEXT) if (re.test(text)) return code;
  return undefined;
}

/** Map a Node.js `err.code` to a stable code. */
export function errnoFromNodeCode(code: string | undefined): ErrnoCode {
  if (code && NODE_CODES.has(code)) return code as ErrnoCode;
  return 'EOTHER';
}
