/** Turns byte chunks into chunks of whole lines, cutting over-long lines so memory stays constant. */
import { InputError } from './input.js';
import { createByteCounter, type ByteCounter } from './wasm/byte-count.js';

/** Lines longer than this are cut: the head is kept (recognisers only need the start), the rest skipped. */
export const MAX_LINE_BYTES = 256 * 1024;

/** Input without a line break for this long is not a text log (/dev/zero, a binary): reading stops. */
export const MAX_SKIP_BYTES = 64 * 1024 * 1024;

function noLineBreaks(): Error {
  return new InputError('EREAD', `no line break in ${MAX_SKIP_BYTES / 1024 / 1024} MiB: not a text log (reading stopped)`);
}

const NL = 10;

/** A run of whole lines. `truncated` is set on a chunk holding a single over-long line. */
export interface LineChunk {
  buf: Buffer;
  truncated?: { originalBytes: number };
  /** Count newlines in buf[from, to) fast (set for file chunks that live in WebAssembly memory). */
  countNewlines?: (from: number, to: number) => number;
  /** The counter whose memory holds buf, for fast needle searches. */
  counter?: ByteCounter;
}

/**
 * Re-chunk a byte stream so every chunk ends at a line boundary. The final line may lack its newline.
 * @example for await (const c of wholeLines(chunks)) countLines(c.buf)
 */
export async function* wholeLines(chunks: AsyncIterable<Buffer>, maxLine = MAX_LINE_BYTES): AsyncGenerator<LineChunk> {
  let carry: Buffer | null = null;
  // Bytes of an over-long line still being skipped (its head was already emitted).
  let skipping = false;
  let skippedBytes = 0;
  for await (const raw of chunks) {
    let chunk = raw;
    if (skipping) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        skippedBytes += chunk.length;
        if (skippedBytes > MAX_SKIP_BYTES) throw noLineBreaks();
        continue;
      }
      skippedBytes += nl + 1;
      skipping = false;
      chunk = chunk.subarray(nl + 1);
      if (chunk.length === 0) continue;
    }
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = null;
    const last = buf.lastIndexOf(NL);
    if (last === -1) {
      if (buf.length > maxLine) {
        yield { buf: Buffer.concat([buf.subarray(0, maxLine), Buffer.from('\n')]), truncated: { originalBytes: buf.length } };
        skipping = true;
        skippedBytes = 0;
      } else {
        carry = buf;
      }
      continue;
    }
    if (last + 1 < buf.length) carry = buf.subarray(last + 1);
    // A long line fully inside this chunk: split around it so it can be cut.
    yield* splitLongLines(buf.subarray(0, last + 1), maxLine);
  }
  if (carry && carry.length > 0) {
    if (carry.length > maxLine) yield { buf: carry.subarray(0, maxLine), truncated: { originalBytes: carry.length } };
    else yield { buf: carry };
  }
}

/** True when some line of `buf` is longer than maxLine: jumps maxLine bytes at a time (memrchr), not line by line. */
function hasLongLine(buf: Buffer, maxLine: number): boolean {
  let p = 0;
  while (buf.length - p > maxLine) {
    const nl = buf.lastIndexOf(NL, p + maxLine);
    if (nl < p) return true;
    p = nl + 1;
  }
  return false;
}

function* splitLongLines(buf: Buffer, maxLine: number): Generator<LineChunk> {
  if (!hasLongLine(buf, maxLine)) {
    yield { buf };
    return;
  }
  let start = 0;
  let runStart = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(NL, start);
    const end = nl === -1 ? buf.length : nl + 1;
    if (end - start > maxLine + 1) {
      if (start > runStart) yield { buf: buf.subarray(runStart, start) };
      yield { buf: Buffer.concat([buf.subarray(start, start + maxLine), Buffer.from('\n')]), truncated: { originalBytes: end - start - 1 } };
      runStart = end;
    }
    start = end;
  }
  if (runStart < buf.length) yield { buf: buf.subarray(runStart) };
}

/**
 * Split a chunk of whole lines into strings (UTF-8; invalid bytes become U+FFFD). A trailing "\r" is dropped.
 */
export function splitLines(buf: Buffer): string[] {
  const out: string[] = [];
  let start = 0;
  const len = buf.length;
  while (start < len) {
    let nl = buf.indexOf(NL, start);
    if (nl === -1) nl = len;
    let end = nl;
    if (end > start && buf[end - 1] === 13) end--;
    out.push(buf.toString('utf8', start, end));
    start = nl + 1;
  }
  return out;
}

/** A byte range of a file: its lines are those that start inside [start, end). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Whole-line chunks of a plain file (or of the lines starting in one byte range of it). Two buffers alternate:
 * the next read runs while the current chunk is processed. A chunk is only valid until the next one is
 * requested: consumers turn what they keep into strings first.
 */
export async function* fileWholeLines(path: string, range?: ByteRange, chunkSize = 1 << 21, maxLine = MAX_LINE_BYTES): AsyncGenerator<LineChunk> {
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  const counter = createByteCounter();
  const bufA = counter.alloc(chunkSize + maxLine + 2);
  const bufB = counter.alloc(chunkSize + maxLine + 2);
  const stopAt = range?.end ?? Infinity;
  // A range that starts mid-file begins after the first newline at or after start - 1: the line that holds
  // byte start - 1 belongs to the range before.
  let filePos = range && range.start > 0 ? range.start - 1 : 0;
  let skipping = range !== undefined && range.start > 0;
  let cur = 0;
  let carry = 0;
  let skipped = 0;
  // File offset of buf[0] in the current buffer.
  let bufPos = filePos;
  let pending = fh.read(bufA, 0, chunkSize, filePos);
  const wrap = (b: Buffer): LineChunk => ({ buf: b, countNewlines: (from, to) => counter.count(b, from, to), counter });
  try {
    for (;;) {
      const { bytesRead } = await pending;
      filePos += bytesRead;
      const buf = cur === 0 ? bufA : bufB;
      const next = cur === 0 ? bufB : bufA;
      if (bytesRead === 0) {
        if (carry > 0 && !skipping) yield carry > maxLine ? { buf: buf.subarray(0, maxLine), truncated: { originalBytes: carry } } : wrap(buf.subarray(0, carry));
        return;
      }
      const end = carry + bytesRead;
      let start = 0;
      if (skipping) {
        const nl = buf.indexOf(NL, 0);
        if (nl === -1 || nl >= end) {
          skipped += end;
          if (skipped > MAX_SKIP_BYTES) throw noLineBreaks();
          carry = 0;
          bufPos = filePos;
          pending = fh.read(next, 0, chunkSize, filePos);
          cur = 1 - cur;
          continue;
        }
        skipping = false;
        skipped = 0;
        start = nl + 1;
      }
      // The first line starting at or after stopAt ends this range.
      let limit = end;
      let done = false;
      if (bufPos + start >= stopAt) return;
      if (bufPos + end > stopAt) {
        const r = stopAt - bufPos;
        const cut = r <= start || buf[r - 1] === NL ? r : buf.indexOf(NL, r) + 1;
        if (cut > 0 && cut <= end) {
          limit = cut;
          done = true;
        }
      }
      const last = buf.lastIndexOf(NL, limit - 1);
      if (last < start) {
        if (limit - start > maxLine) {
          // No newline within maxLine: keep the head of this over-long line, skip to its end.
          const head = Buffer.concat([buf.subarray(start, start + maxLine), Buffer.from('\n')]);
          skipping = true;
          carry = 0;
          bufPos = filePos;
          pending = fh.read(next, 0, chunkSize, filePos);
          cur = 1 - cur;
          yield { buf: head, truncated: { originalBytes: limit - start } };
        } else {
          buf.copy(next, 0, start, end);
          carry = end - start;
          bufPos += start;
          pending = fh.read(next, carry, chunkSize, filePos);
          cur = 1 - cur;
        }
        continue;
      }
      if (done) {
        for (const c of splitLongLines(buf.subarray(start, last + 1), maxLine)) yield c.truncated ? c : wrap(c.buf);
        return;
      }
      // Start the next read (after this chunk's unfinished last line) before handing out this chunk.
      carry = end - (last + 1);
      let longHead: LineChunk | null = null;
      if (carry > maxLine) {
        // The unfinished line is already too long: keep its head, skip the rest of it.
        longHead = { buf: Buffer.concat([buf.subarray(last + 1, last + 1 + maxLine), Buffer.from('\n')]), truncated: { originalBytes: carry } };
        carry = 0;
        skipping = true;
        bufPos = filePos;
      } else {
        buf.copy(next, 0, last + 1, end);
        bufPos += last + 1;
      }
      pending = fh.read(next, carry, chunkSize, filePos);
      cur = 1 - cur;
      for (const c of splitLongLines(buf.subarray(start, last + 1), maxLine)) yield c.truncated ? c : wrap(c.buf);
      if (longHead) yield longHead;
    }
  } finally {
    await pending.catch(() => undefined);
    await fh.close();
  }
}
