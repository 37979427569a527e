/** `why502 doctor`: examine this host (the proxy running, its config, logs, upstreams, the host, the software). */
import { runDoctor, type DoctorOptions } from '../doctor/doctor.js';
import type { DoctorProxyKind } from '../doctor/find.js';
import { UsageError } from '../logs/diagnose.js';
import { parseTimeBound } from '../logs/time.js';
import { emitReport, exitCodeFor, type OutputFlags } from './output.js';

export interface DoctorFlags extends OutputFlags {
  since?: string;
  config?: string;
  proxy?: string;
  pid?: string[];
  live?: boolean;
  software?: boolean;
  timeout?: string;
}

const KINDS: readonly DoctorProxyKind[] = ['nginx', 'apache', 'haproxy', 'caddy'];

/** Read the doctor flags into options; bad values are usage errors. */
export function doctorOptions(flags: DoctorFlags, now = Date.now()): DoctorOptions {
  const since = parseTimeBound(flags.since ?? '15m', now);
  if (since === null) throw new UsageError(`--since ${flags.since ?? ''}: use a duration like 15m / 2h or a time like 2026-12-01T10:00:00Z`);
  const opts: DoctorOptions = { since, live: flags.live !== false, software: flags.software !== false };
  if (flags.timeout !== undefined) {
    const s = Number(flags.timeout);
    if (!Number.isFinite(s) || s < 1 || s > 600) throw new UsageError(`--timeout ${flags.timeout}: a number of seconds from 1 to 600`);
    opts.timeoutMs = s * 1000;
  }
  if (flags.proxy !== undefined) {
    if (!(KINDS as readonly string[]).includes(flags.proxy)) throw new UsageError(`--proxy ${flags.proxy}: one of ${KINDS.join(', ')}`);
    opts.proxy = flags.proxy as DoctorProxyKind;
  }
  if (flags.config !== undefined) opts.configPath = flags.config;
  if (flags.pid !== undefined && flags.pid.length > 0) {
    opts.pids = flags.pid.map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--pid ${p}: a process id`);
      return n;
    });
  }
  return opts;
}

export async function runDoctorCommand(flags: DoctorFlags): Promise<number> {
  const report = await runDoctor(doctorOptions(flags));
  emitReport(report, flags);
  // Nothing examined (no proxy running, or none matching the filters) is exit code 2, as a file nothing could be read from.
  const examined = report.errors.every((e) => !/^no proxy found running/.test(e));
  return exitCodeFor(report, !examined);
}
