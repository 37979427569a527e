/** `why502 logs [PATH...|-]`: diagnose log files. */
import { diagnoseLogs, UsageError } from '../logs/diagnose.js';
import { parseTimeBound } from '../logs/time.js';
import { emitReport, exitCodeFor, type OutputFlags } from './output.js';

export interface LogsFlags extends OutputFlags {
  format?: string;
  logFormat?: string;
  since?: string;
  until?: string;
  tz?: string;
}

const FORMAT_IDS = ['nginx-error', 'nginx-access', 'json-access', 'mixed'];

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
  const report = await diagnoseLogs(paths, opts);
  emitReport(report, flags);
  const nothingRead = (report.stats.linesRead ?? 0) === 0 || (report.stats.linesRecognised ?? 0) === 0;
  return exitCodeFor(report, nothingRead);
}
