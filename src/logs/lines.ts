/** Turns byte chunks into chunks of whole lines, cutting over-long lines so memory stays constant. */

/** Lines longer than this are cut: the head is kept (recognisers only need the start), the rest skipped. */
export const MAX_LINE_BYTES = 256 * 1024;

const NL = 10;

/** A run of whole lines. `truncated` is set on a chunk holding a single over-long line. */
export interface LineChunk {
  buf: Buffer;
  truncated?: { originalBytes: number };
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
  void skippedBytes;
}

function* splitLongLines(buf: Buffer, maxLine: number): Generator<LineChunk> {
  // Fast exit: a chunk no longer than maxLine cannot hold an over-long line.
  if (buf.length <= maxLine) {
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
