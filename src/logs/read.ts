/**
 * Reads one input as a stream of fact batches: detects its format from the first lines, then parses line by line,
 * or for access logs scans bytes for candidate 5xx lines and counts the rest without parsing them.
 */
import type { Fact } from '../evidence/facts.js';
import { nginxAccessLog, pickAccessFormat } from './formats/nginx-access.js';
import { nginxErrorLog } from './formats/nginx-error.js';
import { haproxyLog } from './formats/haproxy.js';
import { apacheErrorLog } from './formats/apache-error.js';
import { caddyLog } from './formats/caddy.js';
import { envoyAccessLog } from './formats/envoy.js';
import { traefikLog } from './formats/traefik.js';
import { awsElbLog } from './formats/aws-elb.js';
import { cloudfrontLog } from './formats/cloudfront.js';
import { gcpLbLog } from './formats/gcp-lb.js';
import { cloudflareLogpush } from './formats/cloudflare-logpush.js';
import { varnishLog } from './formats/varnish.js';
import { ingressNginxController } from './formats/ingress-nginx.js';
import { apacheAccessLog, isApacheLogFormat, pickApacheAccessFormat } from './formats/apache-access.js';
import { phpFpmLog } from './formats/php-fpm.js';
import { gunicornLog } from './formats/gunicorn.js';
import { uwsgiLog } from './formats/uwsgi.js';
import { nodeAppLog } from './formats/node-app.js';
import { kernelLog } from './formats/kernel.js';
import { systemdLog } from './formats/systemd.js';
import { dbErrorLog } from './formats/db-errors.js';
import { jsonAccessLog } from './formats/json-access.js';
import type { AccessRecord, LogFormat, ParseContext, ScanFormat } from './formats/types.js';
import { InputError, type OpenedInput } from './input.js';
import { fileWholeLines, splitLines, wholeLines, type LineChunk } from './lines.js';
import { availableParallelism } from 'node:os';
import { scanAndParse, weightOf, type ParsedChunk, type WorkerInput, type WorkerMessage } from './access-scan.js';
import { recogniseAny, type PasteState } from './recognise.js';
import type { AccessStats } from './stats.js';
import type { ZoneRule } from './time.js';

/** Every format the reader knows, in detection order. */
// Order breaks ties in detection: more specific formats before the ones whose patterns also fit their lines
// (nginx's combined also matches Traefik's CLF; the JSON access reader also fits varnishncsa JSON).
export const LOG_FORMATS: readonly LogFormat[] = [
  nginxErrorLog,
  apacheErrorLog,
  envoyAccessLog,
  traefikLog,
  awsElbLog,
  cloudfrontLog,
  gcpLbLog,
  cloudflareLogpush,
  varnishLog,
  ingressNginxController,
  apacheAccessLog,
  nginxAccessLog,
  haproxyLog,
  caddyLog,
  jsonAccessLog,
  phpFpmLog,
  gunicornLog,
  uwsgiLog,
  nodeAppLog,
  kernelLog,
  systemdLog,
  dbErrorLog,
];

const HEAD_LINES = 200;
const MAX_NOTED_LINES = 50;

export interface ReadOptions {
  /** Force a format id for every file. */
  format?: string;
  /** Plain access logs at least this big are scanned in worker threads (default 32 MiB). */
  workerMinBytes?: number;
  /** Byte ranges (one worker each) a large access log is split into (default: 1, or 2 on 4+ cores). */
  scanParts?: number;
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
  /** Time span of the access-log requests read (any format, pasted too): errors inside it without a 5xx recovered. */
  accessFirst: number | null;
  accessLast: number | null;
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

/** Bytes read from the start of a plain file for format detection. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Read the first lines of an input for format detection. A plain file is read again from its start by the
 * reader; a stream (stdin, gzip) keeps the chunks read here in `head` and goes on with `rest`.
 */
export async function sniffInput(opened: OpenedInput): Promise<SniffedInput> {
  if (opened.spec.path !== null && !opened.gzip && !opened.stream) {
    const path = opened.spec.path;
    try {
      const { open } = await import('node:fs/promises');
      const fh = await open(path, 'r');
      const buf = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
      await fh.close();
      if (looksBinary(buf.subarray(0, bytesRead))) return binary(opened);
      const lines = splitLines(buf.subarray(0, bytesRead));
      // The last line may be cut by the read size; leave it out unless the file is that short.
      if (bytesRead === SNIFF_BYTES) lines.pop();
      const headLines = lines.filter((l) => l.trim() !== '').slice(0, HEAD_LINES);
      return { opened, head: [], headLines, rest: fileWholeLines(path) };
    } catch (e) {
      return { opened, head: [], headLines: [], rest: emptyGen(), error: named(opened.spec.name, e) };
    }
  }
  const rest = wholeLines(opened.chunks());
  const head: LineChunk[] = [];
  const headLines: string[] = [];
  try {
    while (headLines.length < HEAD_LINES) {
      const n = await rest.next();
      if (n.done) break;
      if (head.length === 0 && looksBinary(n.value.buf)) return binary(opened);
      head.push(n.value);
      for (const l of splitLines(n.value.buf)) {
        if (l.trim() !== '' && headLines.length < HEAD_LINES) headLines.push(l);
      }
    }
  } catch (e) {
    return { opened, head, headLines, rest: emptyGen(), error: named(opened.spec.name, e) };
  }
  return { opened, head, headLines, rest };
}

/** An error message that starts with the input's name. */
function named(name: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith(`${name}:`) ? msg : `${name}: ${e instanceof InputError ? msg : `read failed (${msg})`}`;
}

function binary(opened: OpenedInput): SniffedInput {
  return { opened, head: [], headLines: [], rest: emptyGen(), error: `${opened.spec.name}: binary data, not a text log (skipped)` };
}

/**
 * True when a sample is mostly not text: more than 10% control bytes other than tab, line breaks and ESC
 * (colour codes). A few binary lines inside a text log do not make it binary; they are read and reported.
 */
export function looksBinary(sample: Buffer): boolean {
  const n = Math.min(sample.length, 8192);
  if (n < 64) return false;
  let ctl = 0;
  for (let i = 0; i < n; i++) {
    const b = sample[i] ?? 0;
    if ((b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) || b === 0x7f) ctl++;
  }
  return ctl * 10 > n;
}

async function* emptyGen(): AsyncGenerator<LineChunk> {
  /* nothing */
}

/** The format chosen for a file: one format for every line, or line-by-line recognition of mixed content. */
export type Plan = { mode: 'format'; format: LogFormat } | { mode: 'access'; format: ScanFormat } | { mode: 'mixed' };

/**
 * Choose how to read a file from its first lines.
 * @example planFor(['2026/12/01 12:00:00 [error] 1#1: *1 connect() failed ...'], {})
 */
export function planFor(headLines: string[], opts: ReadOptions, stream = false): Plan {
  if (opts.format) {
    if (opts.format === 'nginx-access') {
      return { mode: 'access', format: pickAccessFormat(headLines, opts.logFormat) ?? nginxAccessLog };
    }
    if (opts.format === 'apache-access') {
      return { mode: 'access', format: pickApacheAccessFormat(headLines, opts.logFormat) ?? apacheAccessLog };
    }
    const f = LOG_FORMATS.find((x) => x.id === opts.format);
    if (f) return { mode: 'format', format: f };
    return { mode: 'mixed' };
  }
  if (opts.logFormat && headLines.length > 0) {
    // `--log-format` is an nginx log_format or an Apache LogFormat string (the contract): its directives tell which.
    const custom = isApacheLogFormat(opts.logFormat) ? pickApacheAccessFormat(headLines, opts.logFormat) : pickAccessFormat(headLines, opts.logFormat);
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
  // The access-log scanner skips lines without a 5xx status unread, so it takes only files whose first lines
  // are all access lines, and never stdin (`docker logs` mixes access and error lines).
  if (best && best.share >= 0.9) {
    if (best.f === nginxAccessLog || best.f === apacheAccessLog) {
      const picked = best.f === apacheAccessLog ? pickApacheAccessFormat(headLines) : pickAccessFormat(headLines);
      if (picked && !stream && best.share === 1) return { mode: 'access', format: picked };
      return { mode: 'mixed' };
    }
    // Other request logs with a scanner (HAProxy): the fast path too, when every first line is of the format.
    if (best.f.scanner && !stream && best.share === 1) return { mode: 'access', format: best.f.scanner(headLines) };
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

function noteAccessTime(result: FileReadResult, t: number): void {
  if (result.accessFirst === null || t < result.accessFirst) result.accessFirst = t;
  if (result.accessLast === null || t > result.accessLast) result.accessLast = t;
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
  if (plan.mode === 'access' && useWorker(input, plan, env.opts)) {
    yield* readAccessWithWorker(input, plan.format.withZone(env.zone), env);
    return;
  }
  const mixedState = new MixedReader(env);
  const scanFormat = plan.mode === 'access' ? plan.format.withZone(env.zone) : null;
  let lineNo = 0;
  let record: { first: number; lines: string[]; format: LogFormat } | null = null;
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
        const r = scanChunkHere(chunk, lineNo, scanFormat ?? plan.format, env, facts);
        lineNo = r.lineNo;
        watermark = r.lastTime;
      } else {
        for (const line of splitLines(chunk.buf)) {
          lineNo++;
          result.linesRead++;
          if (record) {
            // Inside a multi-line record: a new record's first line ends it; its closing line completes it.
            const opensNew = startsAnyRecord(line);
            if (!opensNew && record.lines.length < MAX_RECORD_LINES) {
              record.lines.push(line);
              if (!record.format.endsRecord?.(line)) continue;
            }
            const t = parseOne(record.lines.join('\n'), record.first, plan, env, facts, mixedState, record.lines.length);
            if (t !== null) watermark = t;
            const consumed = !opensNew && record.lines[record.lines.length - 1] === line;
            record = null;
            if (consumed) continue;
          }
          if (line.length === 0) continue;
          const recordFormat = opensRecordOf(plan, line);
          if (recordFormat) {
            record = { first: lineNo, lines: [line], format: recordFormat };
            continue;
          }
          const t = parseOne(line, lineNo, plan, env, facts, mixedState);
          if (t !== null) watermark = t;
          // Hand facts on in small batches: a whole chunk's facts held at once outlive the young generation.
          if (facts.length >= BATCH_FACTS) {
            yield { facts: facts.splice(0), watermark };
          }
        }
      }
      if (plan.mode === 'mixed') mixedState.drain(facts);
      if (facts.length > 0 || watermark !== null) yield { facts, watermark };
    }
  } catch (e) {
    result.notes.push(named(name, e));
  }
  const tail: Fact[] = [];
  if (record) parseOne(record.lines.join('\n'), record.first, plan, env, tail, mixedState, record.lines.length);
  if (plan.mode === 'mixed') mixedState.finish(tail);
  if (result.linesRead > 0 && result.linesRecognised === 0) {
    result.notes.push(`${name}: none of its ${result.linesRead} line(s) is a log line why502 knows${plan.mode === 'mixed' ? ' (an access log in a custom format? pass its log_format with --log-format)' : ''}`);
  }
  if (tail.length > 0) yield { facts: tail, watermark: null };
}

const MAX_RECORD_LINES = 64;
const RECORD_FORMATS = LOG_FORMATS.filter((f) => f.opensRecord !== undefined);

/** The format whose multi-line record this line opens, if any. */
function opensRecordOf(plan: Plan, line: string): LogFormat | null {
  if (plan.mode === 'format') return plan.format.opensRecord?.(line) ? plan.format : null;
  for (const f of RECORD_FORMATS) if (f.opensRecord?.(line)) return f;
  return null;
}

/** True when the line is the first line of any known format's record (so it cannot continue another). */
function startsAnyRecord(line: string): boolean {
  for (const f of LOG_FORMATS) if (f.sniff(line) > 0) return true;
  return false;
}
const BATCH_FACTS = 256;

/** A parse context reused for every line of a reader: only lineNo, the output and the last time change. */
interface LineCtx {
  ctx: ParseContext;
  out: Fact[];
  last: number | null;
}

function lineCtx(env: ReaderEnv): LineCtx {
  const lc: LineCtx = { ctx: makeCtx(env, 0, [], (t) => (lc.last = t)), out: [], last: null };
  const { opts, result } = env;
  lc.ctx.emit = (f) => {
    if (!inWindow(f.time, opts)) return;
    if (f.time !== null) {
      lc.last = f.time;
      noteTime(result, f.time);
    }
    lc.out.push(f);
  };
  return lc;
}

const lineCtxs = new WeakMap<ReaderEnv, LineCtx>();

function parseOne(line: string, lineNo: number, plan: Plan, env: ReaderEnv, out: Fact[], mixed: MixedReader, physicalLines = 1): number | null {
  if (plan.mode === 'mixed') {
    mixed.line(line, lineNo, physicalLines);
    return null;
  }
  let lc = lineCtxs.get(env);
  if (!lc) lineCtxs.set(env, (lc = lineCtx(env)));
  lc.ctx.lineNo = lineNo;
  lc.out = out;
  lc.last = null;
  const ctx = lc.ctx;
  if (plan.format.parse(line, ctx)) {
    env.result.linesRecognised += physicalLines;
    return lc.last;
  }
  // A line of another kind inside a file of one format (a PHP warning in an error log): try everything.
  if (recogniseAny(line, LOG_FORMATS, ctx, {})) env.result.linesRecognised++;
  else if (env.result.unrecognised.length < MAX_NOTED_LINES) env.result.unrecognised.push(lineNo);
  return lc.last;
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
      noteAccessTime(result, rec.time);
      stats.requests++;
      stats.timeline.addRequests(rec.time);
      stats.addStatus(rec.status);
      stats.addUpstreamRequest(rec.upstream ?? '', rec.time);
    },
    idleBefore(upstream, time) {
      return stats.idleBefore(upstream, time);
    },
  };
}

/** Line-by-line recognition with one line of look-ahead, to rejoin lines a terminal wrapped in two. */
class MixedReader {
  private pending: { line: string; lineNo: number; facts: Fact[]; ok: boolean; physical: number } | null = null;
  private ready: Fact[] = [];
  private state: PasteState = {};

  constructor(private readonly env: ReaderEnv) {}

  private attempt(line: string, lineNo: number): { facts: Fact[]; ok: boolean } {
    const facts: Fact[] = [];
    const ctx = makeCtx(this.env, lineNo, facts, () => undefined);
    const ok = recogniseAny(line, LOG_FORMATS, ctx, this.state);
    return { facts, ok };
  }

  line(line: string, lineNo: number, physical = 1): void {
    const cur = this.attempt(line, lineNo);
    const prev = this.pending;
    if (!cur.ok && prev && physical === 1) {
      for (const glue of ['', ' ']) {
        const joined = this.attempt(prev.line + glue + line, prev.lineNo);
        if (joined.ok && joined.facts.length > 0 && (!prev.ok || richness(joined.facts) > richness(prev.facts))) {
          this.pending = { line: prev.line + glue + line, lineNo: prev.lineNo, facts: joined.facts, ok: true, physical: prev.physical };
          this.env.result.linesRecognised++;
          return;
        }
      }
    }
    this.flush();
    this.pending = { line, lineNo, facts: cur.facts, ok: cur.ok, physical };
  }

  private flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (p.ok) this.env.result.linesRecognised += p.physical;
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

/** Add a parsed chunk to the file's totals and the statistics. */
function applyParsed(p: ParsedChunk, startLine: number, env: ReaderEnv, out: Fact[]): { lineNo: number; lastTime: number | null } {
  const { result, stats, opts } = env;
  for (const r of p.runs) {
    if (!inWindow(r.time, opts)) continue;
    stats.requests += r.n;
    stats.timeline.addRequests(r.time, r.n);
    noteTime(result, r.time);
    noteTime(result, r.last);
    noteAccessTime(result, r.time);
    noteAccessTime(result, r.last);
  }
  for (const [status, n] of Object.entries(p.statuses)) stats.addStatus(Number(status), n);
  for (const [upstream, n] of Object.entries(p.upstreamRequests)) stats.addUpstreamRequests(upstream, n);
  for (const f of p.facts) {
    if (f.time !== null) noteTime(result, f.time);
    out.push(f);
  }
  for (const l of p.unrecognised) if (result.unrecognised.length < MAX_NOTED_LINES) result.unrecognised.push(l);
  result.linesRead += p.lines;
  result.linesRecognised += p.lines - p.unrecognised.length;
  return { lineNo: startLine + p.lines, lastTime: p.lastTime };
}

/** Scan a chunk in this thread. */
function scanChunkHere(chunk: LineChunk, startLine: number, format: ScanFormat, env: ReaderEnv, out: Fact[]): { lineNo: number; lastTime: number | null } {
  const p = scanAndParse(chunk, format, env.opts, env.result.file, startLine, env.zone);
  return p ? applyParsed(p, startLine, env, out) : scanAccessLines(chunk.buf, startLine, format, env, out);
}

// Below this size a worker thread costs more to start than it saves.
const WORKER_MIN_BYTES = 32 * 1024 * 1024;

/** Large plain access logs are read and scanned by a worker thread; parsing and correlation stay here. */
function useWorker(input: SniffedInput, plan: Plan, opts: ReadOptions): boolean {
  const min = opts.workerMinBytes ?? WORKER_MIN_BYTES;
  return plan.mode === 'access' && input.opened.size !== null && input.opened.size >= min && !input.opened.gzip && import.meta.url.endsWith('.js');
}

/**
 * Read a large access log with worker threads: the file is split into byte ranges (two when large enough to
 * keep both cores busy), each scanned by its own worker; results are used in file order. A later range's line
 * numbers are offset by the lines of the ranges before it once those are known.
 */
async function* readAccessWithWorker(input: SniffedInput, format: ScanFormat, env: ReaderEnv): AsyncGenerator<FactBatch> {
  const { Worker } = await import('node:worker_threads');
  const { result } = env;
  const name = input.opened.spec.name;
  await input.rest.return(undefined);
  const size = input.opened.size ?? 0;
  // Two ranges only where cores are plenty: on two cores the scan is memory-bound and a second worker
  // measured slower (bench/logs). `scanParts` lets tests exercise the split.
  const parts = env.opts.scanParts ?? (size >= 2 * WORKER_MIN_BYTES && availableParallelism() >= 4 ? 2 : 1);
  const window = { ...(env.opts.since !== undefined ? { since: env.opts.since } : {}), ...(env.opts.until !== undefined ? { until: env.opts.until } : {}) };
  const workers = Array.from({ length: parts }, (_v, i) => {
    const range = { start: Math.floor((size * i) / parts), end: i === parts - 1 ? Infinity : Math.floor((size * (i + 1)) / parts) };
    const workerData: WorkerInput = { path: input.opened.spec.path ?? '', file: result.file, format: format.recipe, window, zone: env.zone, ...(parts > 1 ? { range } : {}) };
    // Workers hold one chunk and its facts at a time: small heaps keep the process's peak memory low.
    const worker = new Worker(new URL('./access-scan-worker.js', import.meta.url), { workerData, resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 } });
    const state = { worker, queue: [] as WorkerMessage[], wake: null as (() => void) | null, failed: null as string | null };
    worker.on('message', (m: WorkerMessage) => {
      state.queue.push(m);
      state.wake?.();
    });
    worker.on('error', (e) => {
      state.failed = e.message;
      state.wake?.();
    });
    worker.on('exit', (code) => {
      // A worker that stops without saying `end` or `error` (killed, out of memory) must not leave the reader waiting.
      state.failed ??= `scan worker exited (code ${code}) before the end of the file`;
      state.wake?.();
    });
    return state;
  });
  let lineNo = 0;
  try {
    for (const w of workers) {
      // Facts of this range carry line numbers counted from its own start.
      const base = lineNo;
      let own = 0;
      for (;;) {
        while (w.queue.length === 0 && w.failed === null) await new Promise<void>((r) => (w.wake = r));
        const m = w.queue.shift();
        if (!m) {
          result.notes.push(`${name}: read failed (${w.failed ?? 'worker stopped'})`);
          return;
        }
        if (m.kind === 'end') break;
        if (m.kind === 'error') {
          result.notes.push(`${name}: read failed (${m.message})`);
          return;
        }
        w.worker.postMessage(weightOf(m));
        const facts: Fact[] = [];
        let watermark: number | null = null;
        if (m.kind === 'scan') {
          if (base > 0) {
            for (const f of m.facts) if (f.ref.line !== undefined) f.ref.line += base;
            m.unrecognised = m.unrecognised.map((l) => l + base);
          }
          const r = applyParsed(m, base + own, env, facts);
          own = r.lineNo - base;
          watermark = r.lastTime;
        } else if (m.kind === 'lines') {
          const r = scanAccessLines(Buffer.from(m.text), base + own, format, env, facts);
          own = r.lineNo - base;
          watermark = r.lastTime;
        } else {
          own++;
          result.linesRead++;
          if (result.notes.length < MAX_NOTED_LINES) result.notes.push(`${name}:${base + own}: line longer than ${Math.round(m.text.length / 1024)} KiB; only its start was read`);
        }
        if (facts.length > 0 || watermark !== null) yield { facts, watermark };
      }
      lineNo = base + own;
    }
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

/** The slow path: parse every line (formats without a status needle, or chunks that are not of the format). */
function scanAccessLines(buf: Buffer, startLine: number, format: ScanFormat, env: ReaderEnv, out: Fact[]): { lineNo: number; lastTime: number | null } {
  const { result } = env;
  let lineNo = startLine;
  let lastTime: number | null = null;
  const onTime = (t: number): void => {
    lastTime = t;
  };
  for (const line of splitLines(buf)) {
    lineNo++;
    result.linesRead++;
    if (line.length === 0) continue;
    const ctx = makeCtx(env, lineNo, out, onTime);
    if (format.parse(line, ctx) || recogniseAny(line, LOG_FORMATS, ctx, {})) result.linesRecognised++;
    else if (result.unrecognised.length < MAX_NOTED_LINES) result.unrecognised.push(lineNo);
  }
  return { lineNo, lastTime };
}
