/**
 * Reads one input as a stream of fact batches: detects its format from the first lines, then parses line by line,
 * or for access logs scans bytes for candidate 5xx lines and counts the rest without parsing them.
 */
import type { Fact } from '../evidence/facts.js';
import { nginxAccessLog, pickAccessFormat, type AccessLogFormat } from './formats/nginx-access.js';
import { nginxErrorLog } from './formats/nginx-error.js';
import type { AccessRecord, LogFormat, ParseContext } from './formats/types.js';
import { InputError, type OpenedInput } from './input.js';
import { splitLines, wholeLines, type LineChunk } from './lines.js';
import { recogniseAny, type PasteState } from './recognise.js';
import type { AccessStats } from './stats.js';
import type { ZoneRule } from './time.js';

/** Every format the reader knows, in detection order. */
export const LOG_FORMATS: readonly LogFormat[] = [nginxErrorLog, nginxAccessLog];

const HEAD_LINES = 200;
const MAX_NOTED_LINES = 50;

export interface ReadOptions {
  /** Force a format id for every file. */
  format?: string;
  /** An nginx log_format string for access logs. */
  logFormat?: string;
  since?: number;
  until?: number;
}

/** What reading one file found, for the report's stats and errors. */
export interface FileReadResult {
  file: string;
  format: string;
  linesRead: number;
  linesRecognised: number;
  /** Line numbers nothing recognised (first MAX_NOTED_LINES), for pasted input. */
  unrecognised: number[];
  notes: string[];
  firstTime: number | null;
  lastTime: number | null;
}

export interface FactBatch {
  facts: Fact[];
  /** No later fact of this source is older than this (minus the join slack). */
  watermark: number | null;
}

/** An input whose first lines were read for detection; `rest` continues after them. */
export interface SniffedInput {
  opened: OpenedInput;
  head: LineChunk[];
  headLines: string[];
  rest: AsyncGenerator<LineChunk>;
  /** Set when the input could not be read even for detection. */
  error?: string;
}

/** Read the first lines of an input for format detection. */
export async function sniffInput(opened: OpenedInput): Promise<SniffedInput> {
  const rest = wholeLines(opened.chunks());
  const head: LineChunk[] = [];
  const headLines: string[] = [];
  try {
    while (headLines.length < HEAD_LINES) {
      const n = await rest.next();
      if (n.done) break;
      head.push(n.value);
      for (const l of splitLines(n.value.buf)) {
        if (l.trim() !== '' && headLines.length < HEAD_LINES) headLines.push(l);
      }
    }
  } catch (e) {
    return { opened, head, headLines, rest: emptyGen(), error: e instanceof InputError ? e.message : `${opened.spec.name}: ${String(e)}` };
  }
  return { opened, head, headLines, rest };
}

async function* emptyGen(): AsyncGenerator<LineChunk> {
  /* nothing */
}

/** The format chosen for a file: one format for every line, or line-by-line recognition of mixed content. */
export type Plan = { mode: 'format'; format: LogFormat } | { mode: 'access'; format: AccessLogFormat } | { mode: 'mixed' };

/**
 * Choose how to read a file from its first lines.
 * @example planFor(['2026/12/01 12:00:00 [error] 1#1: *1 connect() failed ...'], {})
 */
export function planFor(headLines: string[], opts: ReadOptions): Plan {
  if (opts.format) {
    if (opts.format === 'nginx-access') {
      return { mode: 'access', format: pickAccessFormat(headLines, opts.logFormat) ?? nginxAccessLog };
    }
    const f = LOG_FORMATS.find((x) => x.id === opts.format);
    if (f) return { mode: 'format', format: f };
    return { mode: 'mixed' };
  }
  if (opts.logFormat && headLines.length > 0) {
    const custom = pickAccessFormat(headLines, opts.logFormat);
    if (custom && headLines.some((l) => custom.compiled.regex.test(l))) return { mode: 'access', format: custom };
  }
  if (headLines.length === 0) return { mode: 'mixed' };
  let best: { f: LogFormat; share: number } | null = null;
  for (const f of LOG_FORMATS) {
    let hits = 0;
    for (const l of headLines) if (f.sniff(l) > 0) hits++;
    const share = hits / headLines.length;
    if (!best || share > best.share) best = { f, share };
  }
  // A file is of one format when nearly all of its first lines are; anything else is read line by line.
  if (best && best.share >= 0.9) {
    if (best.f.role === 'access') {
      const picked = pickAccessFormat(headLines);
      if (picked) return { mode: 'access', format: picked };
    }
    return { mode: 'format', format: best.f };
  }
  return { mode: 'mixed' };
}

/** Lines from an access log whose zone offset can be used for wall-clock logs read alongside. */
export function zoneFromHead(plan: Plan, headLines: string[]): ZoneRule | null {
  if (plan.mode !== 'access') return null;
  for (const l of headLines.slice(0, 20)) {
    const m = /\[(\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2}) ([+-])(\d{2})(\d{2})\]/.exec(l);
    if (m) return { kind: 'offset', minutes: (m[2] === '-' ? -1 : 1) * (Number(m[3]) * 60 + Number(m[4])) };
  }
  return null;
}

interface ReaderEnv {
  zone: ZoneRule;
  opts: ReadOptions;
  stats: AccessStats;
  result: FileReadResult;
}

function inWindow(t: number | null, opts: ReadOptions): boolean {
  if (t === null) return true;
  if (opts.since !== undefined && t < opts.since) return false;
  if (opts.until !== undefined && t > opts.until) return false;
  return true;
}

function noteTime(result: FileReadResult, t: number | null): void {
  if (t === null) return;
  if (result.firstTime === null || t < result.firstTime) result.firstTime = t;
  if (result.lastTime === null || t > result.lastTime) result.lastTime = t;
}

/**
 * Read an input as fact batches (one per chunk of lines).
 */
export async function* readFacts(input: SniffedInput, plan: Plan, env: ReaderEnv): AsyncGenerator<FactBatch> {
  const { result } = env;
  if (input.error) {
    result.notes.push(input.error);
    return;
  }
  const name = input.opened.spec.name;
  const mixedState = new MixedReader(name, env);
  let lineNo = 0;
  let record: { first: number; lines: string[] } | null = null;
  const chunks = async function* (): AsyncGenerator<LineChunk> {
    for (const c of input.head) yield c;
    yield* input.rest;
  };
  try {
    for await (const chunk of chunks()) {
      const facts: Fact[] = [];
      let watermark: number | null = null;
      if (chunk.truncated) {
        lineNo++;
        result.linesRead++;
        if (result.notes.length < MAX_NOTED_LINES) {
          result.notes.push(`${name}:${lineNo}: line longer than ${Math.round(chunk.buf.length / 1024)} KiB; only its start was read`);
        }
        const line = chunk.buf.toString('utf8', 0, chunk.buf.length - 1);
        watermark = parseOne(line, lineNo, plan, env, facts, mixedState);
      } else if (plan.mode === 'access') {
        const r = scanAccessChunk(chunk.buf, lineNo, plan.format, env, facts);
        lineNo = r.lineNo;
        watermark = r.lastTime;
      } else {
        for (const line of splitLines(chunk.buf)) {
          lineNo++;
          result.linesRead++;
          if (record && plan.mode === 'format') {
            // Inside a multi-line record: a new record's first line ends it; its closing line completes it.
            const opensNew = plan.format.sniff(line) > 0;
            if (!opensNew && record.lines.length < MAX_RECORD_LINES) {
              record.lines.push(line);
              if (!plan.format.endsRecord?.(line)) continue;
            }
            const t = parseOne(record.lines.join('\n'), record.first, plan, env, facts, mixedState, record.lines.length);
            if (t !== null) watermark = t;
            const consumed = !opensNew && record.lines[record.lines.length - 1] === line;
            record = null;
            if (consumed) continue;
          }
          if (line.length === 0) continue;
          if (plan.mode === 'format' && plan.format.opensRecord?.(line)) {
            record = { first: lineNo, lines: [line] };
            continue;
          }
          const t = parseOne(line, lineNo, plan, env, facts, mixedState);
          if (t !== null) watermark = t;
        }
      }
      if (plan.mode === 'mixed') mixedState.drain(facts);
      if (facts.length > 0 || watermark !== null) yield { facts, watermark };
    }
  } catch (e) {
    result.notes.push(e instanceof InputError ? e.message : `${name}: read failed (${e instanceof Error ? e.message : String(e)})`);
  }
  const tail: Fact[] = [];
  if (record) parseOne(record.lines.join('\n'), record.first, plan, env, tail, mixedState, record.lines.length);
  if (plan.mode === 'mixed') mixedState.finish(tail);
  if (tail.length > 0) yield { facts: tail, watermark: null };
}

const MAX_RECORD_LINES = 64;

function parseOne(line: string, lineNo: number, plan: Plan, env: ReaderEnv, out: Fact[], mixed: MixedReader, physicalLines = 1): number | null {
  if (plan.mode === 'mixed') {
    mixed.line(line, lineNo);
    return null;
  }
  let last: number | null = null;
  const ctx = makeCtx(env, lineNo, out, (t) => (last = t));
  if (plan.format.parse(line, ctx)) {
    env.result.linesRecognised += physicalLines;
    return last;
  }
  // A line of another kind inside a file of one format (a PHP warning in an error log): try everything.
  if (recogniseAny(line, LOG_FORMATS, ctx, {})) env.result.linesRecognised++;
  else if (env.result.unrecognised.length < MAX_NOTED_LINES) env.result.unrecognised.push(lineNo);
  return last;
}

function makeCtx(env: ReaderEnv, lineNo: number, out: Fact[], onTime: (t: number) => void): ParseContext {
  const { stats, opts, result } = env;
  return {
    file: result.file,
    lineNo,
    zone: env.zone,
    emit(f) {
      if (!inWindow(f.time, opts)) return;
      if (f.time !== null) {
        onTime(f.time);
        noteTime(result, f.time);
      }
      out.push(f);
    },
    request(rec: AccessRecord) {
      onTime(rec.time);
      if (!inWindow(rec.time, opts)) return;
      noteTime(result, rec.time);
      stats.requests++;
      stats.timeline.addRequests(rec.time);
      stats.addStatus(rec.status);
    },
  };
}

/** Line-by-line recognition with one line of look-ahead, to rejoin lines a terminal wrapped in two. */
class MixedReader {
  private pending: { line: string; lineNo: number; facts: Fact[]; ok: boolean } | null = null;
  private ready: Fact[] = [];
  private state: PasteState = {};

  constructor(
    private readonly name: string,
    private readonly env: ReaderEnv,
  ) {}

  private attempt(line: string, lineNo: number): { facts: Fact[]; ok: boolean } {
    const facts: Fact[] = [];
    const ctx = makeCtx(this.env, lineNo, facts, () => undefined);
    const ok = recogniseAny(line, LOG_FORMATS, ctx, this.state);
    return { facts, ok };
  }

  line(line: string, lineNo: number): void {
    const cur = this.attempt(line, lineNo);
    const prev = this.pending;
    if (!cur.ok && prev) {
      for (const glue of ['', ' ']) {
        const joined = this.attempt(prev.line + glue + line, prev.lineNo);
        if (joined.ok && joined.facts.length > 0 && (!prev.ok || richness(joined.facts) > richness(prev.facts))) {
          this.pending = { line: prev.line + glue + line, lineNo: prev.lineNo, facts: joined.facts, ok: true };
          this.env.result.linesRecognised++;
          return;
        }
      }
    }
    this.flush();
    this.pending = { line, lineNo, facts: cur.facts, ok: cur.ok };
  }

  private flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (p.ok) this.env.result.linesRecognised++;
    else if (this.env.result.unrecognised.length < MAX_NOTED_LINES) this.env.result.unrecognised.push(p.lineNo);
    this.ready.push(...p.facts);
  }

  drain(out: Fact[]): void {
    out.push(...this.ready);
    this.ready = [];
  }

  finish(out: Fact[]): void {
    this.flush();
    this.drain(out);
    void this.name;
  }
}

function richness(facts: Fact[]): number {
  let n = 0;
  for (const f of facts) {
    if (f.upstream) n++;
    if (f.request?.uri) n++;
    if (f.request?.client) n++;
    if (f.request?.host) n++;
    if (f.errno) n++;
  }
  return n;
}

// ---- access logs: the byte scanner ----

const NL = 10;

function charClassAt(format: AccessLogFormat, which: 'first' | 'last'): ((c: number) => boolean) | null {
  const src = format.compiled.source.trim();
  if (which === 'first') {
    if (src.startsWith('$remote_addr')) return (c) => (c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
    return null;
  }
  const last = src[src.length - 1];
  if (last === '"') return (c) => c === 34;
  if (last === ']') return (c) => c === 93;
  if (/\$(?:body_bytes_sent|bytes_sent|status|request_length)$/.test(src)) return (c) => (c >= 48 && c <= 57) || c === 45;
  return null;
}

/**
 * Scan a chunk of whole access-log lines. Only lines that contain the status needle (`" 5`) or that fail a
 * cheap shape check are parsed; the others are counted, and their request totals are assigned to time buckets
 * by bisecting the chunk on line times (logs are written in time order).
 */
function scanAccessChunk(buf: Buffer, startLine: number, format: AccessLogFormat, env: ReaderEnv, out: Fact[]): { lineNo: number; lastTime: number | null } {
  const { result } = env;
  const needle = format.compiled.statusNeedle;
  const needle09 = format.compiled.http09Needle;
  const firstOk = charClassAt(format, 'first');
  const lastOk = charClassAt(format, 'last');
  const len = buf.length;
  let lineNo = startLine;
  let ls = 0;
  // Candidate lines: a 5xx status, or nginx's 009 for answers passed through as HTTP/0.9 (rare).
  let cand = needle ? buf.indexOf(needle, 0) : -1;
  let cand09 = needle09 ? buf.indexOf(needle09, 0) : -1;
  // Starts and ends of lines that were counted without parsing.
  const starts: number[] = [];
  const ends: number[] = [];
  let lastTime: number | null = null;
  const onTime = (t: number): void => {
    lastTime = t;
  };
  while (ls < len) {
    let nl = buf.indexOf(NL, ls);
    if (nl === -1) nl = len;
    lineNo++;
    result.linesRead++;
    let end = nl;
    if (end > ls && buf[end - 1] === 13) end--;
    if (end > ls) {
      let parse = needle === null;
      if (cand !== -1 && cand < nl) {
        parse = true;
        cand = needle ? buf.indexOf(needle, nl + 1) : -1;
      }
      if (cand09 !== -1 && cand09 < nl) {
        parse = true;
        cand09 = needle09 ? buf.indexOf(needle09, nl + 1) : -1;
      }
      if (!parse && ((firstOk && !firstOk(buf[ls] ?? 0)) || (lastOk && !lastOk(buf[end - 1] ?? 0)))) parse = true;
      if (parse) {
        const line = buf.toString('utf8', ls, end);
        const ctx = makeCtx(env, lineNo, out, onTime);
        if (format.parse(line, ctx)) result.linesRecognised++;
        else if (recogniseAny(line, LOG_FORMATS, ctx, {})) result.linesRecognised++;
        else if (result.unrecognised.length < MAX_NOTED_LINES) result.unrecognised.push(lineNo);
      } else {
        starts.push(ls);
        ends.push(end);
        result.linesRecognised++;
      }
    }
    ls = nl + 1;
  }
  if (starts.length > 0) {
    const t = countRequests(buf, starts, ends, format, env);
    if (t !== null && (lastTime === null || t > lastTime)) lastTime = t;
  }
  return { lineNo, lastTime };
}

/** Assign the unparsed lines of a chunk to time buckets; returns the time of the last line. */
function countRequests(buf: Buffer, starts: number[], ends: number[], format: AccessLogFormat, env: ReaderEnv): number | null {
  const { stats, opts, result } = env;
  const cache = new Map<number, number>();
  const timeAt = (i: number): number => {
    let t = cache.get(i);
    if (t === undefined) {
      t = format.timeOf(buf.toString('utf8', starts[i] ?? 0, ends[i] ?? 0));
      cache.set(i, t);
    }
    return t;
  };
  // The state of a time: its bucket and whether it is inside --since/--until.
  const key = (t: number): string => (Number.isNaN(t) ? 'nan' : `${stats.timeline.bucketBounds(t)[0]}|${inWindow(t, opts) ? 1 : 0}`);
  const add = (t: number, n: number): void => {
    if (Number.isNaN(t) || !inWindow(t, opts)) return;
    stats.requests += n;
    stats.timeline.addRequests(t, n);
    noteTime(result, t);
  };
  const assign = (a: number, b: number, depth: number): void => {
    const ta = timeAt(a);
    const tb = timeAt(b);
    if (key(ta) === key(tb) || b - a <= 1 || depth > 40) {
      if (b - a <= 1 && key(ta) !== key(tb)) {
        add(ta, 1);
        add(tb, 1);
        return;
      }
      add(Number.isNaN(ta) ? tb : ta, b - a + 1);
      return;
    }
    const mid = (a + b) >> 1;
    assign(a, mid, depth + 1);
    assign(mid + 1, b, depth + 1);
  };
  assign(0, starts.length - 1, 0);
  const last = timeAt(starts.length - 1);
  return Number.isNaN(last) ? null : last;
}
