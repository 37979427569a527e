/**
 * Counts one byte value (newlines) across a buffer without a JS call per line: a 16-byte SIMD WebAssembly loop
 * over buffers that live in the module's own memory. Buffers from elsewhere use the JS fallback.
 */
import { COUNT_BYTE_WASM } from './count-byte-wasm.js';

let compiled: WebAssembly.Module | null | undefined;

function module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(COUNT_BYTE_WASM, 'base64'));
    } catch {
      // No WebAssembly SIMD here: fall back to indexOf.
      compiled = null;
    }
  }
  return compiled;
}

/** Byte counting bound to one memory; `alloc` hands out buffers inside it. */
export interface ByteCounter {
  /** Count `byte` in buf[from, to). */
  count(buf: Buffer, from: number, to: number, byte?: number): number;
  /** A buffer of `size` bytes that `count` handles at SIMD speed (falls back to a plain buffer). */
  alloc(size: number): Buffer;
  /** A search for `needle` (up to 32 bytes): first index in buf[from, to) or -1. */
  finder(needle: Buffer): (buf: Buffer, from: number, to: number) => number;
  /**
   * One pass over a buffer in this counter's memory: every match of `needle` with the newlines before it, and
   * a newline counter for any offset. Null when the buffer is elsewhere or matches exceed the room.
   */
  scan?(buf: Buffer, needle: Buffer): NeedleScan | null;
}

/** The result of a single-pass scan. */
export interface NeedleScan {
  /** Offsets of the matches, in order. */
  matches: number[];
  /** Newlines before each match. */
  newlinesBefore: number[];
  /** Newlines in the whole buffer. */
  total: number;
  /** Newlines in buf[0, offset). */
  newlinesAt(offset: number): number;
}

function indexOfFinder(needle: Buffer): (buf: Buffer, from: number, to: number) => number {
  return (buf, from, to) => {
    const i = buf.indexOf(needle, from);
    return i === -1 || i + needle.length > to ? -1 : i;
  };
}

/** Count with indexOf (for buffers outside the module's memory). */
export function countWithIndexOf(buf: Buffer, from: number, to: number, byte = 10): number {
  let n = 0;
  let p = buf.indexOf(byte, from);
  while (p !== -1 && p < to) {
    n++;
    p = buf.indexOf(byte, p + 1);
  }
  return n;
}

/**
 * A counter with its own WebAssembly memory (5 MiB: room for two read buffers of 2 MiB + a cut line).
 * @example const c = createByteCounter(); const buf = c.alloc(1 << 20); c.count(buf, 0, n)
 */
export function createByteCounter(): ByteCounter {
  const mod = module();
  if (!mod) return { count: countWithIndexOf, alloc: (size) => Buffer.allocUnsafe(size), finder: indexOfFinder };
  const instance = new WebAssembly.Instance(mod, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const countByte = instance.exports.countByte as (p: number, end: number, b: number) => number;
  const find = instance.exports.find as (p: number, end: number, nd: number, nlen: number) => number;
  const scan = instance.exports.scan as (p: number, end: number, nd: number, nlen: number, out: number, cap: number, cps: number) => number;
  const total = instance.exports.total as { value: number };
  // Layout: needles (256 bytes: 32 each), scan output (MATCH_ROOM pairs of i32), block checkpoints, then buffers.
  const MATCH_ROOM = 16384;
  const OUT = 256;
  const CPS = OUT + MATCH_ROOM * 8;
  const CPS_BYTES = 4096;
  let nextNeedle = 0;
  let next = CPS + CPS_BYTES;
  const needleAt = new Map<string, number>();
  return {
    count(buf, from, to, byte = 10) {
      if (buf.buffer !== memory.buffer) return countWithIndexOf(buf, from, to, byte);
      return countByte(buf.byteOffset + from, buf.byteOffset + to, byte);
    },
    finder(needle) {
      if (needle.length === 0 || needle.length > 32 || nextNeedle + 32 > 256) return indexOfFinder(needle);
      const at = nextNeedle;
      nextNeedle += 32;
      needle.copy(Buffer.from(memory.buffer, at, 32));
      const fallback = indexOfFinder(needle);
      return (buf, from, to) => {
        if (buf.buffer !== memory.buffer) return fallback(buf, from, to);
        const i = find(buf.byteOffset + from, buf.byteOffset + to, at, needle.length);
        return i === -1 ? -1 : i - buf.byteOffset;
      };
    },
    scan(buf, needle) {
      if (buf.buffer !== memory.buffer || needle.length === 0 || needle.length > 32 || (buf.length >> 12) + 1 > CPS_BYTES / 4) return null;
      const key = needle.toString('latin1');
      let at = needleAt.get(key);
      if (at === undefined) {
        if (nextNeedle + 32 > 256) return null;
        at = nextNeedle;
        nextNeedle += 32;
        needle.copy(Buffer.from(memory.buffer, at, 32));
        needleAt.set(key, at);
      }
      const base = buf.byteOffset;
      const n = scan(base, base + buf.length, at, needle.length, OUT, MATCH_ROOM, CPS);
      if (n < 0) return null;
      const pairs = new Int32Array(memory.buffer, OUT, n * 2);
      const matches: number[] = new Array<number>(n);
      const newlinesBefore: number[] = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        matches[i] = pairs[i * 2] ?? 0;
        newlinesBefore[i] = pairs[i * 2 + 1] ?? 0;
      }
      const cps = new Int32Array(memory.buffer, CPS, (buf.length >> 12) + 1).slice();
      const all = total.value;
      return {
        matches,
        newlinesBefore,
        total: all,
        newlinesAt(offset) {
          if (offset >= buf.length) return all;
          const block = offset >> 12;
          return (cps[block] ?? 0) + countByte(base + (block << 12), base + offset, 10);
        },
      };
    },
    alloc(size) {
      // The memory never grows, so views stay valid.
      if (next + size > memory.buffer.byteLength) return Buffer.allocUnsafe(size);
      const b = Buffer.from(memory.buffer, next, size);
      next += size;
      return b;
    },
  };
}
