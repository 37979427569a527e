/** `why502 logs [PATH...|-]`: diagnose log files. */
import { diagnoseLogs, UsageError, type DiagnoseLogsOptions } from '../logs/diagnose.js';
import { followLogs } from '../logs/follow.js';
import { LOG_FORMATS } from '../logs/read.js';
import { redactReport } from '../report/redact-report.js';
import { parseTimeBound } from '../logs/time.js';
import { emitReport, exitCodeFor, type OutputFlags } from './output.js';

export interface LogsFlags extends OutputFlags {
  format?: string;
  logFormat?: string;
  since?: string;
  until?: string;
  tz?: string;
  follow?: boolean;
  followInterval?: string;
}

/** Format ids `--format` accepts: every known format, and `mixed` (line by line, any format). */
export const FORMAT_IDS = [...LOG_FORMATS.map((f) => f.id), 'mixed'];

export async function runLogs(pathsIn: string[], flags: LogsFlags): Promise<number> {
  let paths = pathsIn;
  if (flags.format !== undefined && !FORMAT_IDS.includes(flags.format)) {
    throw new UsageError(`--format ${flags.format}: unknown format (known: ${FORMAT_IDS.join(', ')})`);
  }
  const now = Date.now();
  const since = flags.since !== undefined ? parseTimeBound(flags.since, now) : undefined;
  const until = flags.until !== undefined ? parseTimeBound(flags.until, now) : undefined;
  if (since === null) throw new UsageError(`--since ${flags.since}: use a duration like 15m / 2h or a time like 2026-12-01T10:00:00Z`);
  if (until === null) throw new UsageError(`--until ${flags.until}: use a duration like 15m / 2h or a time like 2026-12-01T10:00:00Z`);
  if (paths.length === 0 && process.stdin.isTTY) {
    throw new UsageError('no log given: name files or a directory, or pipe/paste lines on stdin with `-` (end with Ctrl-D)');
  }
  if (paths.length === 0) paths = ['-'];
  if (flags.json && flags.markdown) throw new UsageError('choose one of --json and --markdown');
  const opts: Parameters<typeof diagnoseLogs>[1] = {};
  if (flags.format !== undefined) opts.format = flags.format;
  if (flags.logFormat !== undefined) opts.logFormat = flags.logFormat;
  if (since !== undefined) opts.since = since;
  if (until !== undefined) opts.until = until;
  if (flags.tz !== undefined) opts.tz = flags.tz;
  if (flags.follow) return runFollow(paths, opts, flags);
  const report = await diagnoseLogs(paths, opts);
  emitReport(report, flags);
  const nothingRead = (report.stats.linesRead ?? 0) === 0 || (report.stats.linesRecognised ?? 0) === 0;
  return exitCodeFor(report, nothingRead);
}

/** --follow: print the first verdict, then a new one each time it changes, until Ctrl-C. */
async function runFollow(paths: string[], opts: DiagnoseLogsOptions, flags: LogsFlags): Promise<number> {
  const interval = Number(flags.followInterval ?? '1000');
  if (!Number.isFinite(interval) || interval < 50 || interval > 600_000) throw new UsageError('--follow-interval: milliseconds from 50 to 600000');
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const last = await followLogs(paths, { ...opts, intervalMs: interval, signal: ac.signal }, (report, initial) => {
      // JSON: one report per line (NDJSON), so a consumer can read verdicts as they come.
      if (flags.json && flags.output === undefined) {
        process.stdout.write(`${JSON.stringify(flags.redact === false ? report : redactReport(report))}\n`);
        return;
      }
      if (!initial && !flags.json && !flags.markdown && flags.output === undefined) process.stdout.write(`\n── ${new Date().toISOString()} · new verdict from the lines appended since ──\n`);
      emitReport(report, flags);
    });
    return exitCodeFor(last, (last.stats.linesRead ?? 0) === 0);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
