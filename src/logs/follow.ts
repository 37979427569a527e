/**
 * `--follow`: tail log files like `tail -F` (appended lines; a file truncated or replaced by rotation is read
 * again from its start) and diagnose what arrived, in a window of the most recent lines. A new verdict is handed
 * on only when it changes (another top cause, or a cause appears or goes), so a quiet terminal means nothing new.
 */
import { open, stat } from 'node:fs/promises';
import type { Report } from '../report/types.js';
import { diagnoseLogs, UsageError, type DiagnoseLogsOptions } from './diagnose.js';
import { expandInputs } from './input.js';

export interface FollowOptions extends DiagnoseLogsOptions {
  /** How often to look for new lines (ms). */
  intervalMs?: number;
  /** Keep at most this many bytes of recent lines per file (the window judged). */
  windowBytes?: number;
  /** Stop following (Ctrl-C). */
  signal?: AbortSignal;
}

const DEFAULT_INTERVAL_MS = 1000;
const DEFAULT_WINDOW_BYTES = 32 << 20;
// At most this much is read from one file per look, so a file growing very fast cannot stall the loop.
const MAX_READ_PER_TICK = 16 << 20;

interface Tail {
  name: string;
  path: string;
  offset: number;
  ino: number;
  /** Whole lines kept (oldest dropped past the window). */
  lines: Buffer[];
  bytes: number;
  /** A last line not yet ended by a newline. */
  partial: Buffer;
}

/** The verdict a report gives: its causes in order, and whether failures went unexplained. Equal verdicts are not re-printed. */
export function verdictOf(r: Report): string {
  return r.causes.map((c) => `${c.id}`).join(',') + (r.stats.unexplained ? `|unexplained` : '');
}

async function readNew(t: Tail, windowBytes: number): Promise<boolean> {
  let st;
  try {
    st = await stat(t.path);
  } catch {
    return false; // Rotated away and not yet re-created: wait.
  }
  if (st.ino !== t.ino || st.size < t.offset) {
    // Replaced (rotation) or truncated: start over at the beginning of the new file.
    t.ino = st.ino;
    t.offset = 0;
    t.partial = Buffer.alloc(0);
  }
  if (st.size === t.offset) return false;
  const want = Math.min(st.size - t.offset, MAX_READ_PER_TICK);
  const buf = Buffer.alloc(want);
  const fh = await open(t.path, 'r');
  let got = 0;
  try {
    got = (await fh.read(buf, 0, want, t.offset)).bytesRead;
  } finally {
    await fh.close();
  }
  t.offset += got;
  const data = Buffer.concat([t.partial, buf.subarray(0, got)]);
  const end = data.lastIndexOf(0x0a);
  if (end === -1) {
    t.partial = data;
    return false;
  }
  t.partial = Buffer.from(data.subarray(end + 1));
  const whole = data.subarray(0, end + 1);
  t.lines.push(whole);
  t.bytes += whole.length;
  while (t.bytes > windowBytes && t.lines.length > 1) t.bytes -= t.lines.shift()?.length ?? 0;
  return true;
}

/**
 * Follow files until the signal aborts: call `onReport` with the first diagnosis of the files as they are, then
 * with a diagnosis of the lines appended since, each time its verdict changes.
 * @example await followLogs(['/var/log/nginx/error.log'], { signal }, (r) => print(r))
 */
export async function followLogs(paths: string[], options: FollowOptions, onReport: (r: Report, initial: boolean) => void): Promise<Report> {
  if (paths.includes('-')) throw new UsageError('--follow reads files; for a stream, pipe it without --follow (`kubectl logs -f … | why502 logs -` ends when the stream does)');
  const { inputs, errors } = await expandInputs(paths);
  if (inputs.length === 0) throw new UsageError(errors[0] ?? 'no file to follow');
  const tails: Tail[] = [];
  for (const i of inputs) {
    if (i.path === null) continue;
    const st = await stat(i.path);
    tails.push({ name: i.name, path: i.path, offset: st.size, ino: st.ino, lines: [], bytes: 0, partial: Buffer.alloc(0) });
  }
  const { intervalMs = DEFAULT_INTERVAL_MS, windowBytes = DEFAULT_WINDOW_BYTES, signal, ...diagnose } = options;
  let last = await diagnoseLogs(paths, diagnose);
  onReport(last, true);
  let verdict = verdictOf(last);
  while (!signal?.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    if (signal?.aborted) break;
    let changed = false;
    for (const t of tails) if (await readNew(t, windowBytes)) changed = true;
    if (!changed) continue;
    const buffers = tails.filter((t) => t.lines.length > 0).map((t) => ({ name: t.name, data: Buffer.concat(t.lines) }));
    const report = await diagnoseLogs([], { ...diagnose, buffers });
    report.target = `${paths.join(' ')} (lines appended since following began)`;
    last = report;
    const v = verdictOf(report);
    if (v !== verdict) {
      verdict = v;
      onReport(report, false);
    }
  }
  return last;
}
