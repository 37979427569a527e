/** Opens log inputs (files, .gz, directories, stdin) as streams of byte chunks, with clear errors for bad input. */
import { open, readdir, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

export const CHUNK_SIZE = 1 << 20;

/** One input to read: a file path, or stdin as "-". */
export interface InputSpec {
  /** As the user named it; "-" for stdin. */
  name: string;
  path: string | null;
  /** Lines already in memory (the tail `--follow` keeps of a file): read instead of the path. */
  data?: Buffer;
}

/** An error with a stable code and a one-line message meant for the user. */
export class InputError extends Error {
  constructor(
    readonly code: 'ENOENT' | 'EACCES' | 'EISDIR' | 'EEMPTY' | 'EGZIP' | 'EREAD',
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * Expand the user's paths: a directory means the regular files directly in it (sorted), "-" means stdin.
 * Unreadable entries become errors; the rest is still read.
 * @example await expandInputs(['/var/log/nginx']) // [{name: '/var/log/nginx/access.log', ...}, ...]
 */
export async function expandInputs(paths: string[]): Promise<{ inputs: InputSpec[]; errors: string[] }> {
  const inputs: InputSpec[] = [];
  const errors: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      inputs.push({ name: '-', path: null });
      continue;
    }
    try {
      const st = await stat(p);
      if (st.isDirectory()) {
        const names = (await readdir(p, { withFileTypes: true }))
          .filter((d) => d.isFile() || d.isSymbolicLink())
          .map((d) => d.name)
          .filter((n) => !n.startsWith('.'))
          .sort();
        if (names.length === 0) errors.push(`${p}: directory holds no files`);
        for (const n of names) {
          const full = p.endsWith('/') ? p + n : `${p}/${n}`;
          inputs.push({ name: full, path: full });
        }
      } else {
        inputs.push({ name: p, path: p });
      }
    } catch (e) {
      errors.push(describeFsError(p, e));
    }
  }
  return { inputs, errors };
}

export function describeFsError(p: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return `${p}: no such file or directory`;
  if (code === 'EACCES' || code === 'EPERM') return `${p}: permission denied (try sudo, or add your user to the adm group)`;
  if (code === 'EISDIR') return `${p}: is a directory`;
  return `${p}: cannot read (${code ?? (e instanceof Error ? e.message : String(e))})`;
}

/** Chunks of a buffer, in the async shape every reader takes. */
async function* memoryChunks(data: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += CHUNK_SIZE) {
    // Yield to the event loop between chunks, like a file read would.
    await Promise.resolve();
    yield data.subarray(i, i + CHUNK_SIZE);
  }
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** A readable input: an async iterator of chunks plus what is known about it. */
export interface OpenedInput {
  spec: InputSpec;
  gzip: boolean;
  /** Read once, front to back (stdin, a FIFO, process substitution): no re-reading, no seeking. */
  stream: boolean;
  /** Size in bytes for plain files (null for stdin and gzip). */
  size: number | null;
  chunks(): AsyncGenerator<Buffer>;
}

/**
 * Open an input. Throws InputError for a path that cannot be opened at all.
 * Truncated gzip surfaces as an InputError('EGZIP') thrown from the iterator after the data that did decode.
 */
export async function openInput(spec: InputSpec, stdin: Readable = process.stdin): Promise<OpenedInput> {
  const data = spec.data;
  if (data !== undefined) {
    return {
      spec,
      gzip: false,
      stream: true,
      size: null,
      chunks: () => memoryChunks(data),
    };
  }
  if (spec.path === null) {
    return { spec, gzip: false, stream: true, size: null, chunks: () => gunzipIfNeeded(streamChunks(stdin), spec.name) };
  }
  const path = spec.path;
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'EACCES' || code === 'EPERM' ? 'EACCES' : code === 'ENOENT' ? 'ENOENT' : 'EREAD', describeFsError(path, e));
  }
  const st = await fh.stat();
  if (st.isDirectory()) {
    await fh.close();
    throw new InputError('EISDIR', `${path}: is a directory`);
  }
  if (!st.isFile()) {
    // A FIFO, `<(command)`, a character device: read it once as a stream.
    await fh.close();
    return { spec, gzip: false, stream: true, size: null, chunks: () => gunzipIfNeeded(streamChunks(createReadStream(path)), spec.name) };
  }
  const head = Buffer.alloc(2);
  const { bytesRead } = await fh.read(head, 0, 2, 0);
  await fh.close();
  const gzip = bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  if (gzip) {
    return { spec, gzip, stream: false, size: null, chunks: () => gunzipChunks(createReadStream(path), path) };
  }
  return { spec, gzip, stream: false, size: st.size, chunks: () => fileChunks(path) };
}

async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    for (;;) {
      // A fresh buffer per chunk: consumers may keep slices of it across iterations.
      const buf = Buffer.allocUnsafe(CHUNK_SIZE);
      const { bytesRead } = await fh.read(buf, 0, CHUNK_SIZE, null);
      if (bytesRead === 0) return;
      yield bytesRead === CHUNK_SIZE ? buf : buf.subarray(0, bytesRead);
    }
  } catch (e) {
    throw new InputError('EREAD', describeFsError(path, e));
  } finally {
    await fh.close();
  }
}

async function* streamChunks(stream: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
  }
}

async function* gunzipChunks(raw: Readable, name: string): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  raw.on('error', (e) => gunzip.destroy(e));
  raw.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/unexpected end of file/i.test(msg)) throw new InputError('EGZIP', `${name}: truncated gzip (the data before the cut was read)`);
    throw new InputError('EGZIP', `${name}: not valid gzip data (${msg})`);
  } finally {
    raw.destroy();
  }
}

/** stdin may carry gzip too (`zcat` forgotten): sniff its first bytes. */
async function* gunzipIfNeeded(src: AsyncGenerator<Buffer>, name: string): AsyncGenerator<Buffer> {
  const first = await src.next();
  if (first.done) return;
  const head = first.value;
  if (head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    const { PassThrough } = await import('node:stream');
    const pass = new PassThrough();
    void (async () => {
      pass.write(head);
      for await (const c of { [Symbol.asyncIterator]: () => src }) pass.write(c);
      pass.end();
    })().catch((e: unknown) => pass.destroy(e instanceof Error ? e : new Error(String(e))));
    yield* gunzipChunks(pass, name);
    return;
  }
  yield head;
  for (;;) {
    const n = await src.next();
    if (n.done) return;
    yield n.value;
  }
}
