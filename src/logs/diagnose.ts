/**
 * `why502 logs`: reads log files (and stdin) as streams, merges their facts in time order, groups them into
 * failed requests, and asks the cause catalogue what explains them.
 */
import { compileLogFormat } from './formats/nginx-log-format.js';
import { compileApacheLogFormat, isApacheLogFormat } from './formats/apache-access.js';
import type { Readable } from 'node:stream';
import { causes as catalogue } from '../causes/index.js';
import type { Cause } from '../causes/types.js';
import { Attributor, DetectorErrors, indexCauses } from '../engine/attribute.js';
import { Correlator, JOIN_WINDOW_MS } from '../engine/correlate.js';
import { Tally } from '../engine/tally.js';
import type { Fact } from '../evidence/facts.js';
import type { Report } from '../report/types.js';
import { buildReport } from '../report/build.js';
import { isGatewayStatus } from './formats/nginx-access.js';
import { expandInputs, openInput, InputError } from './input.js';
import { planFor, readFacts, sniffInput, zoneFromHead, type FactBatch, type FileReadResult, type Plan, type ReadOptions, type SniffedInput } from './read.js';
import { AccessStats } from './stats.js';
import { hostZone, isValidZone, iso, type ZoneRule } from './time.js';

export interface DiagnoseLogsOptions extends ReadOptions {
  /** Zone for logs written without one (nginx error log), when no access log gives it: "+02:00" or an IANA name. */
  tz?: string;
  /** Stdin stream for "-" (tests pass their own). */
  stdin?: Readable;
  /** The cause catalogue to judge with (tests may narrow it). */
  causes?: readonly Cause[];
  /** Clock for relative --since/--until (tests). */
  now?: number;
  /** Inputs already in memory, read instead of `paths` (the tails `--follow` keeps), with the names to report. */
  buffers?: { name: string; data: Buffer }[];
}

function sameZone(a: ZoneRule, b: ZoneRule): boolean {
  return a.kind === 'offset' && b.kind === 'offset' ? a.minutes === b.minutes : JSON.stringify(a) === JSON.stringify(b);
}

function formatOffset(z: ZoneRule): string {
  if (z.kind === 'zone') return z.zone;
  const m = Math.abs(z.minutes);
  return `${z.minutes < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** A usage problem the CLI reports with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parse --tz: "UTC", "+02:00", "-0530" or an IANA zone name. */
export function parseZone(tz: string): ZoneRule {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(tz.trim());
  if (m) {
    const minutes = Number(m[2]) * 60 + Number(m[3]);
    // Real offsets run from -12:00 to +14:00.
    if (Number(m[3]) >= 60 || minutes > 14 * 60) throw new UsageError(`--tz ${tz}: not a time-zone offset (from -12:00 to +14:00)`);
    return { kind: 'offset', minutes: (m[1] === '-' ? -1 : 1) * minutes };
  }
  if (/^(?:utc|gmt|z)$/i.test(tz.trim())) return { kind: 'offset', minutes: 0 };
  if (!isValidZone(tz)) throw new UsageError(`--tz ${tz}: not a time zone (use an offset like +02:00 or a name like Europe/Berlin)`);
  return { kind: 'zone', zone: tz };
}

interface Source {
  gen: AsyncGenerator<FactBatch>;
  queue: Fact[];
  head: number;
  done: boolean;
  isAccess: boolean;
  result: FileReadResult;
}

/**
 * Diagnose log files. Paths may be files, .gz files, directories (their files) or "-" for stdin.
 * @example const report = await diagnoseLogs(['/var/log/nginx/error.log', '/var/log/nginx/access.log'])
 */
export async function diagnoseLogs(paths: string[], options: DiagnoseLogsOptions = {}): Promise<Report> {
  const started = performance.now();
  const causes = options.causes ?? catalogue;
  const errors: string[] = [];
  if (paths.length === 0 && !options.buffers) throw new UsageError('no input: name log files or directories, or "-" for stdin');
  if (options.since !== undefined && options.until !== undefined && options.since > options.until) throw new UsageError('--since is later than --until');
  const { inputs, errors: expandErrors } = options.buffers
    ? { inputs: options.buffers.map((b) => ({ name: b.name, path: null, data: b.data })), errors: [] }
    : await expandInputs(paths);
  errors.push(...expandErrors);

  const sniffed: SniffedInput[] = [];
  for (const spec of inputs) {
    try {
      sniffed.push(await sniffInput(await openInput(spec, options.stdin)));
    } catch (e) {
      errors.push(e instanceof InputError ? e.message : `${spec.name}: ${String(e)}`);
    }
  }

  const plans: Plan[] = sniffed.map((s) => planFor(s.headLines, options, s.opened.stream));
  if (options.logFormat) {
    const custom = isApacheLogFormat(options.logFormat) ? compileApacheLogFormat('custom', options.logFormat) : compileLogFormat('custom', options.logFormat);
    for (const s of sniffed) {
      if (s.headLines.length > 0 && !s.headLines.some((l) => custom.regex.test(l))) {
        errors.push(`${s.opened.spec.name}: the --log-format given matches none of its first ${s.headLines.length} line(s); check it against the log_format in nginx.conf (whitespace and quotes count)`);
      }
    }
  }
  // Contract: an access log read alongside gives the offset; then --tz; then the host's zone.
  let zone: ZoneRule | null = null;
  let zoneSource = '';
  for (let i = 0; i < sniffed.length && !zone; i++) {
    const z = zoneFromHead(plans[i] as Plan, sniffed[i]?.headLines ?? []);
    if (z) {
      zone = z;
      zoneSource = `the offset of the access log ${sniffed[i]?.opened.spec.name}`;
    }
  }
  if (zone && options.tz && !sameZone(zone, parseZone(options.tz))) {
    errors.push(`--tz ${options.tz} ignored for logs without a zone: the access log read with them says ${formatOffset(zone)}`);
  }
  if (!zone && options.tz) {
    zone = parseZone(options.tz);
    zoneSource = `--tz ${options.tz}`;
  }
  if (!zone) {
    const hz = hostZone();
    zone = hz === 'UTC' || hz === 'Etc/UTC' ? { kind: 'offset', minutes: 0 } : { kind: 'zone', zone: hz };
    zoneSource = `the host's zone (${hz})`;
  }

  const stats = new AccessStats();
  const tally = new Tally(causes);
  const detectorErrors = new DetectorErrors();
  const attributor = new Attributor(indexCauses(causes), detectorErrors);
  let unexplained = 0;
  const unexplainedSamples: Fact[] = [];
  let failedRequests = 0;

  const sources: Source[] = sniffed.map((s, i) => {
    const plan = plans[i] as Plan;
    const result: FileReadResult = {
      file: s.opened.spec.name,
      format: plan.mode === 'mixed' ? 'mixed' : plan.mode === 'access' && (plan.format.recipe.kind === 'nginx-access' || plan.format.recipe.kind === 'apache-access') ? `${plan.format.recipe.kind}:${plan.format.recipe.name}` : plan.format.id,
      linesRead: 0,
      linesRecognised: 0,
      unrecognised: [],
      notes: [],
      firstTime: null,
      lastTime: null,
      accessFirst: null,
      accessLast: null,
    };
    const env = { zone: zone, opts: options, stats, result };
    return { gen: readFacts(s, plan, env), queue: [], head: 0, done: false, isAccess: plan.mode === 'access', result };
  });

  const correlator = new Correlator({
    // Pasted input may mix error and access lines in one source: always join by request.
    joinRequests: true,
    // An access log must have been read past t (or to its end, and reach t) for a missing 5xx line to mean "recovered".
    accessCovers: (t) =>
      sources.some(
        (s) => s.result.accessFirst !== null && s.result.accessFirst <= t + JOIN_WINDOW_MS && (s.result.accessLast ?? -Infinity) >= t + (s.done ? -JOIN_WINDOW_MS : JOIN_WINDOW_MS),
      ),
    onIncident: (inc) => {
      // WHY502_DEBUG=incidents: each request as joined, for developers tracing a join.
      if (DEBUG_INCIDENTS) process.stderr.write(`incident failed=${inc.failed} recovered=${inc.recovered}${inc.continuation ? ' continuation' : ''}: ${inc.facts.map((f) => `${f.kind}@${f.ref.line ?? '?'}`).join(' ')}${inc.context.length > 0 ? ` | context ${inc.context.map((f) => `${f.kind}@${f.ref.line ?? '?'}`).join(' ')}` : ''}\n`);
      let access: Fact | undefined;
      let time: number | null = null;
      let path: string | undefined;
      let up: string | undefined;
      for (const f of inc.facts) {
        if (!access && (f.kind === 'gateway-status' || f.kind === 'app-status' || f.producer.endsWith('-access'))) access = f;
        if (time === null) time = f.time;
        path ??= f.request?.uri;
        up ??= f.upstream;
      }
      const a = attributor.attribute(inc);
      if (inc.failed) {
        failedRequests++;
        if (time !== null && access) stats.timeline.addFailure(time);
        if (path) {
          const q = path.indexOf('?');
          stats.failedByPath.add(q === -1 ? path : path.slice(0, q));
        }
        if (up) stats.failedByUpstream.add(up);
      }
      if (!a) {
        if (inc.failed && access && isGatewayStatus(access.status ?? 0)) {
          unexplained++;
          if (unexplainedSamples.length < 3) unexplainedSamples.push(access);
        }
        return [];
      }
      if (inc.continuation) tally.addEvidence(a, inc.facts);
      else tally.add(a, inc.facts, inc.failed);
      return a.claim.facts.filter((f) => inc.context.includes(f));
    },
  });

  await mergeSources(sources, correlator);
  correlator.end();

  for (const s of sources) errors.push(...s.result.notes);
  errors.push(...detectorErrors.list());
  const files = sources.map((s) => s.result);
  const linesRead = files.reduce((n, f) => n + f.linesRead, 0);
  const linesRecognised = files.reduce((n, f) => n + f.linesRecognised, 0);
  const readable = sniffed.filter((s) => !s.error);
  if (readable.length === 0 || (linesRead === 0 && errors.length === 0)) {
    if (readable.length > 0) errors.push(...readable.map((s) => `${s.opened.spec.name}: empty, nothing to examine`));
    if (errors.length === 0) errors.push('nothing to read');
  }

  if (sources.some((s) => s.result.accessFirst !== null)) tally.markAccessJoined();
  tally.setRequests(stats.requestsByUpstream);
  const causesOut = tally.result();
  const firstTimes = files.map((f) => f.firstTime).filter((t): t is number => t !== null);
  const lastTimes = files.map((f) => f.lastTime).filter((t): t is number => t !== null);
  const wallClockFiles = sources.filter((_s, i) => {
    const p = plans[i];
    return p !== undefined && p.mode === 'format' && p.format.wallClock === true;
  });

  const report = buildReport({
    command: 'logs',
    target: inputs.map((i) => i.name).join(' ') || paths.join(' '),
    causes: causesOut,
    failedRequests,
    unexplained,
    unexplainedSamples,
    stats: {
      linesRead,
      linesRecognised,
      ...(firstTimes.length > 0 && lastTimes.length > 0 ? { timeRange: { from: iso(Math.min(...firstTimes)), to: iso(Math.max(...lastTimes)) } } : {}),
      durationMs: Math.round(performance.now() - started),
      files: files.map((f) => ({ file: f.file, format: f.format, linesRead: f.linesRead, linesRecognised: f.linesRecognised })),
      ...(stats.statuses.size > 0 ? { statuses: Object.fromEntries([...stats.statuses.entries()].sort()) } : {}),
      unexplained,
      ...(failedRequests > 0
        ? {
            failures: {
              byUpstream: stats.failedByUpstream.top(10),
              byPath: stats.failedByPath.top(10),
              timeline: stats.timeline.failingBuckets(),
            },
          }
        : {}),
      ...(files.some((f) => f.unrecognised.length > 0) ? { unrecognisedLines: files.flatMap((f) => f.unrecognised.map((n) => `${f.file}:${n}`)).slice(0, 50) } : {}),
    },
    errors,
    context: {
      hadAccessLog: sources.some((s) => s.result.accessFirst !== null),
      hadErrorLog: sources.some((s) => !s.isAccess),
      zoneNote: wallClockFiles.length > 0 && !options.tz ? `times without a zone read in ${zoneSource}` : undefined,
      unrecognisedCount: files.reduce((n, f) => n + f.unrecognised.length, 0),
      pasted: sniffed.some((s) => s.opened.spec.path === null && s.opened.spec.data === undefined),
    },
  });
  // With a window, "nothing found" must say it was the window that held nothing, not the logs.
  if ((options.since !== undefined || options.until !== undefined) && report.causes.length === 0 && unexplained === 0 && linesRead > 0) {
    const window = [options.since !== undefined ? `since ${iso(options.since)}` : '', options.until !== undefined ? `until ${iso(options.until)}` : ''].filter(Boolean).join(' and ');
    report.summary = `No 502/503/504 evidence ${window} (${linesRead} line(s) read; lines outside the window are not examined).`;
  }
  return report;
}

const DEBUG_INCIDENTS = process.env.WHY502_DEBUG === 'incidents';

/** Pull facts from every source in time order (k-way merge) into the correlator. */
async function mergeSources(sources: Source[], correlator: Correlator): Promise<void> {
  const timeOf = (f: Fact): number => f.time ?? -Infinity;
  for (;;) {
    for (const s of sources) {
      while (!s.done && s.head >= s.queue.length) {
        const n = await s.gen.next();
        if (n.done) {
          s.done = true;
          break;
        }
        s.queue = n.value.facts.slice().sort((a, b) => timeOf(a) - timeOf(b));
        s.head = 0;
      }
    }
    let best: Source | null = null;
    for (const s of sources) {
      if (s.head >= s.queue.length) continue;
      if (!best || timeOf(s.queue[s.head] as Fact) < timeOf(best.queue[best.head] as Fact)) best = s;
    }
    if (!best) return;
    const fact = best.queue[best.head++] as Fact;
    correlator.add(fact);
  }
}
