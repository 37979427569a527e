/**
 * Scans a chunk of access-log lines without touching every line: pass 1 finds candidate lines with a SIMD search
 * for the status needle (`" 5`, and `" 009` for nginx's HTTP/0.9 answers); bisection on line times (logs are
 * written in time order) splits the chunk into runs of one minute; pass 2 counts newlines once, between the
 * sorted offsets of both. Runs in a worker thread for large files (see access-scan-worker.ts) or in-thread.
 */
import type { Fact } from '../evidence/facts.js';
import type { ParseContext, ScanFormat, ScanRecipe } from './formats/types.js';
import type { LineChunk } from './lines.js';
import { recogniseAny } from './recognise.js';
import type { ZoneRule } from './time.js';
import { countWithIndexOf, type ByteCounter } from './wasm/byte-count.js';

const NL = 10;
const MINUTE = 60_000;

export interface TimeWindow {
  since?: number;
  until?: number;
}

/** What a chunk holds: its line count, the candidate lines (1-based line within the chunk), requests per minute run. */
export interface ChunkScan {
  lines: number;
  /** Candidate lines: 1-based line within the chunk, the text, and where the line starts in the chunk. */
  candidates: { line: number; text: string; start: number }[];
  runs: { time: number; last: number; n: number }[];
  lastTime: number | null;
}

/** A scanned chunk with its candidate lines parsed: everything the reader adds to its totals. */
export interface ParsedChunk {
  lines: number;
  /** Requests per upstream among the lines read: the candidates and the normal answers looked back at next to them. */
  upstreamRequests: Record<string, number>;
  unrecognised: number[];
  facts: Fact[];
  runs: { time: number; last: number; n: number }[];
  statuses: Record<string, number>;
  lastTime: number | null;
}

/**
 * Scan a chunk and parse its candidate lines into facts (file and absolute line numbers given), or null when the
 * chunk must be read line by line.
 */
export function scanAndParse(chunk: LineChunk, format: ScanFormat, window: TimeWindow, file: string, firstLine: number, zone: ZoneRule): ParsedChunk | null {
  const scan = scanAccessChunk(chunk, format, window);
  if (!scan) return null;
  const out: ParsedChunk = { lines: scan.lines, upstreamRequests: {}, unrecognised: [], facts: [], runs: scan.runs, statuses: {}, lastTime: scan.lastTime };
  const counted = new Set<number>();
  const onTime = (t: number): void => {
    if (out.lastTime === null || t > out.lastTime) out.lastTime = t;
  };
  for (const c of scan.candidates) {
    const ctx: ParseContext = {
      file,
      lineNo: firstLine + c.line,
      zone,
      emit(f) {
        if (f.time !== null) {
          if (!inWindow(f.time, window)) return;
          onTime(f.time);
        }
        out.facts.push(f);
      },
      // Candidate lines count their status only; request totals come from the runs.
      request(rec) {
        onTime(rec.time);
        if (!inWindow(rec.time, window)) return;
        out.statuses[rec.status] = (out.statuses[rec.status] ?? 0) + 1;
        const u = rec.upstream ?? '';
        out.upstreamRequests[u] = (out.upstreamRequests[u] ?? 0) + 1;
      },
      // How long the upstream was idle: look back over the lines before this one (unread by the scan) for the
      // previous request to the same upstream; count the normal answers met on the way.
      idleBefore(upstream, time) {
        const prev = previousRequest(chunk.buf, c.start, upstream, format, zone);
        for (const s of prev.successes) {
          if (counted.has(s)) continue;
          counted.add(s);
          out.upstreamRequests[upstream] = (out.upstreamRequests[upstream] ?? 0) + 1;
        }
        return prev.time === null ? null : Math.max(0, time - prev.time);
      },
    };
    if (!format.parse(c.text, ctx) && !recogniseAny(c.text, [format], ctx, {})) out.unrecognised.push(firstLine + c.line);
  }
  return out;
}

// How far back a failure looks for the previous request to its upstream (lines, bytes).
const LOOK_BACK_LINES = 64;
const LOOK_BACK_BYTES = 64 * 1024;

/** The previous request to `upstream` before the line at `start`: when it ended, and the normal answers passed. */
function previousRequest(buf: Buffer, start: number, upstream: string, format: ScanFormat, zone: ZoneRule): { time: number | null; successes: number[] } {
  const successes: number[] = [];
  let end = start - 1;
  for (let n = 0; n < LOOK_BACK_LINES && end > 0 && start - end < LOOK_BACK_BYTES; n++) {
    const ls = buf.lastIndexOf(NL, end - 1) + 1;
    let rec: { time: number; status: number; upstream?: string | undefined } | null = null;
    const ctx: ParseContext = {
      file: '',
      lineNo: 0,
      zone,
      emit: () => undefined,
      request: (r) => {
        rec = r;
      },
    };
    format.parse(lineText(buf, ls, end), ctx);
    const r = rec as { time: number; status: number; upstream?: string | undefined } | null;
    if (r && (r.upstream ?? '') === upstream) {
      if (r.status < 500) successes.push(ls);
      return { time: r.time, successes };
    }
    end = ls - 1;
  }
  return { time: null, successes };
}

function inWindow(t: number, w: TimeWindow): boolean {
  return !((w.since !== undefined && t < w.since) || (w.until !== undefined && t > w.until));
}

// One SIMD finder per (counter, needle): the needle is copied into the counter's memory once.
const finders = new WeakMap<ByteCounter, Map<string, (buf: Buffer, from: number, to: number) => number>>();

function finderFor(chunk: Pick<LineChunk, 'counter'>, needle: Buffer): (buf: Buffer, from: number, to: number) => number {
  const counter = chunk.counter;
  if (!counter) {
    return (buf, from, to) => {
      const i = buf.indexOf(needle, from);
      return i === -1 || i + needle.length > to ? -1 : i;
    };
  }
  let byNeedle = finders.get(counter);
  if (!byNeedle) finders.set(counter, (byNeedle = new Map<string, (buf: Buffer, from: number, to: number) => number>()));
  const key = needle.toString('latin1');
  let f = byNeedle.get(key);
  if (!f) byNeedle.set(key, (f = counter.finder(needle)));
  return f;
}

/** Whether the needle's first byte occurs less than once in 1,024 bytes of the chunk's first 64 KiB. */
function rareFirstByte(buf: Buffer, needle: Buffer): boolean {
  const sample = buf.subarray(0, Math.min(buf.length, 64 * 1024));
  const first = needle[0] ?? 0;
  let n = 0;
  for (let i = sample.indexOf(first); i !== -1 && n < 64; i = sample.indexOf(first, i + 1)) n++;
  return n < 64;
}

function nativeFinder(needle: Buffer): (buf: Buffer, from: number, to: number) => number {
  return (buf, from, to) => {
    const i = buf.indexOf(needle, from);
    return i === -1 || i + needle.length > to ? -1 : i;
  };
}

function lineText(buf: Buffer, ls: number, le: number): string {
  return buf.toString('utf8', ls, le > ls && buf[le - 1] === 13 ? le - 1 : le);
}

/**
 * Scan one chunk of whole lines. Null when a line that bisection reads does not parse (the chunk is not what
 * its file started as): the caller then reads it line by line.
 * @example scanAccessChunk(chunk, accessLogFor(compileLogFormat('c', KNOWN_NGINX_FORMATS.combined)), {})
 */
export function scanAccessChunk(chunk: LineChunk, format: ScanFormat, window: TimeWindow): ChunkScan | null {
  const { buf } = chunk;
  const len = buf.length;
  const [needle, ...extraNeedles] = format.needles;
  if (!needle || len === 0) return null;
  // Pass 1: candidates (and, in WebAssembly memory, newline counts in the same pass).
  const fused = chunk.counter?.scan?.(buf, needle) ?? null;
  let matches: number[];
  let newlinesAt: (offset: number) => number;
  let newlinesBefore: number[] | null = null;
  if (fused) {
    matches = fused.matches;
    newlinesBefore = fused.newlinesBefore;
    newlinesAt = (offset) => fused.newlinesAt(offset);
  } else {
    matches = [];
    const find = finderFor(chunk, needle);
    for (let c = find(buf, 0, len); c !== -1; c = find(buf, c + 1, len)) matches.push(c);
    const count = chunk.countNewlines ?? ((from: number, to: number): number => countWithIndexOf(buf, from, to));
    // Newlines before an offset, counted forward from the last offset asked (offsets come in order).
    let at = 0;
    let nl = 0;
    newlinesAt = (offset) => {
      if (offset < at) {
        at = 0;
        nl = 0;
      }
      nl += count(at, offset);
      at = offset;
      return nl;
    };
  }
  // Further needles (HAProxy's "SD-": a body cut short after a 200) are searched natively; their lines join the
  // candidates, each counted as a line once.
  // A needle whose first byte is rare in the chunk is found faster by native indexOf (memchr skips ahead) than by
  // the SIMD pass that tests every position: HAProxy's "D-" took 38 ms instead of 109 ms on the 500 MB bench log
  // (CPU profile); Envoy JSON's '"response_code":5' starts with a quote, on every few bytes, and stays SIMD.
  let extra: number[] = [];
  for (const n of extraNeedles) {
    const find = rareFirstByte(buf, n) ? nativeFinder(n) : finderFor(chunk, n);
    for (let c = find(buf, 0, len); c !== -1; c = find(buf, c + 1, len)) extra.push(c);
  }
  if (extra.length > 0) extra = extra.sort((a, b) => a - b);
  const runs = minuteRuns(buf, format, window);
  if (runs === null) return null;
  // Offsets are asked in ascending order (run starts, then the end), so the forward counter makes one pass;
  // candidates then count again from the start.
  const runStarts = runs.map((r) => newlinesAt(r.start));
  const lines = (fused ? fused.total : newlinesAt(len)) + (buf[len - 1] === NL ? 0 : 1);
  const out: ChunkScan = { lines, candidates: [], runs: [], lastTime: null };
  runs.forEach((r, i) => {
    const n = (i + 1 < runs.length ? (runStarts[i + 1] ?? 0) : lines) - (runStarts[i] ?? 0);
    if (n > 0) out.runs.push({ time: r.time, last: r.lastTime, n });
    out.lastTime = r.lastTime;
  });
  let lastEnd = -1;
  const candidate = format.candidate?.bind(format);
  matches.forEach((c, i) => {
    if (c <= lastEnd) return;
    if (candidate && !candidate(buf, c)) return;
    const ls = c === 0 ? 0 : buf.lastIndexOf(NL, c - 1) + 1;
    let le = buf.indexOf(NL, c);
    if (le === -1) le = len;
    lastEnd = le;
    const before = newlinesBefore ? (newlinesBefore[i] ?? 0) : newlinesAt(ls);
    out.candidates.push({ line: before + 1, text: lineText(buf, ls, le), start: ls });
  });
  if (extra.length > 0) {
    const seen = new Set(out.candidates.map((c) => c.line));
    let last = -1;
    for (const c of extra) {
      if (c <= last) continue;
      const ls = c === 0 ? 0 : buf.lastIndexOf(NL, c - 1) + 1;
      let le = buf.indexOf(NL, c);
      if (le === -1) le = len;
      last = le;
      const line = (fused ? fused.newlinesAt(ls) : countWithIndexOf(buf, 0, ls)) + 1;
      if (!seen.has(line)) out.candidates.push({ line, text: lineText(buf, ls, le), start: ls });
    }
    out.candidates.sort((a, b) => a.line - b.line);
  }
  return out;
}

/**
 * Split a chunk into runs of lines of one minute (and one side of the time window) by bisecting on byte offsets,
 * reading only the times of the lines it lands on. Null when such a line does not parse.
 */
function minuteRuns(buf: Buffer, format: ScanFormat, window: TimeWindow): { start: number; time: number; lastTime: number }[] | null {
  const len = buf.length;
  const end = buf[len - 1] === NL ? len - 1 : len;
  if (end <= 0) return [];
  const startOfLineAt = (p: number): number => (p <= 0 ? 0 : buf.lastIndexOf(NL, p - 1) + 1);
  const cache = new Map<number, number>();
  let broken = false;
  const timeAt = (ls: number): number => {
    let t = cache.get(ls);
    if (t === undefined) {
      let e = buf.indexOf(NL, ls);
      if (e === -1) e = len;
      t = format.timeOf(lineText(buf, ls, e));
      if (Number.isNaN(t)) broken = true;
      cache.set(ls, t);
    }
    return t;
  };
  const key = (t: number): number => Math.floor(t / MINUTE) * 2 + (inWindow(t, window) ? 1 : 0);
  const runs: { start: number; time: number; lastTime: number }[] = [];
  const push = (start: number, time: number, lastTime: number): void => {
    const prev = runs[runs.length - 1];
    if (prev && key(prev.time) === key(time)) prev.lastTime = lastTime;
    else runs.push({ start, time, lastTime });
  };
  // a and b are line starts; the range holds the lines from a to b inclusive.
  const split = (a: number, b: number, depth: number): void => {
    const ta = timeAt(a);
    const tb = timeAt(b);
    if (broken) return;
    if (a === b || key(ta) === key(tb) || depth > 48) {
      push(a, ta, tb);
      return;
    }
    let m = startOfLineAt((a + b) >> 1);
    if (m <= a) m = buf.indexOf(NL, a) + 1;
    if (m <= a || m >= b) {
      push(a, ta, ta);
      push(b, tb, tb);
      return;
    }
    split(a, startOfLineAt(m - 1), depth + 1);
    split(m, b, depth + 1);
  };
  split(0, startOfLineAt(end), 0);
  return broken ? null : runs;
}

// ---- messages between the worker (access-scan-worker.ts) and the reader ----

export type WorkerMessage =
  | ({ kind: 'scan' } & ParsedChunk)
  | { kind: 'lines'; text: string }
  | { kind: 'long'; text: string; bytes: number }
  | { kind: 'error'; message: string }
  | { kind: 'end' };

export interface WorkerInput {
  path: string;
  /** The lines starting in this byte range (the whole file when absent). */
  range?: { start: number; end: number };
  /** Display name for evidence. */
  file: string;
  format: ScanRecipe;
  window: TimeWindow;
  zone: ZoneRule;
}

export const BUDGET = 256;

/** The weight of a result: what it costs to hold in memory until the main thread uses it. */
export function weightOf(m: WorkerMessage): number {
  if (m.kind === 'scan') return 1 + Math.ceil(m.facts.length / 64);
  if (m.kind === 'lines' || m.kind === 'long') return 1 + Math.ceil(m.text.length / 65_536);
  return 0;
}
