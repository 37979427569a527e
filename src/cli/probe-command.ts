/** `why502 URL` / `why502 probe URL` and `why502 probe --list FILE`: probe from outside. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../logs/diagnose.js';
import { probeUrl, type ProbeUrlOptions } from '../probe/probe-url.js';
import { redactReport } from '../report/redact-report.js';
import type { Report } from '../report/types.js';
import { emitReport, exitCodeFor, type OutputFlags } from './output.js';

export interface ProbeFlags extends OutputFlags {
  timeout?: string;
  attempts?: string;
  resolver?: string[];
  origin?: string;
  cookie?: string;
  header?: string[];
  insecure?: boolean;
  reference?: string;
  ca?: string;
  list?: string;
  concurrency?: string;
  jsonl?: boolean;
}

function num(v: string | undefined, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${name} ${v}: a number from ${min} to ${max}`);
  return n;
}

/** Read the probe flags into options; bad values are usage errors. */
export function probeOptions(flags: ProbeFlags): ProbeUrlOptions {
  const opts: ProbeUrlOptions = {
    timeoutMs: num(flags.timeout, '--timeout', 1, 600, 15) * 1000,
    attempts: num(flags.attempts, '--attempts', 1, 50, 5),
  };
  if (flags.resolver?.length) {
    for (const r of flags.resolver) if (!/^(?:\[[0-9a-f:.]+\]|[0-9a-f:.]+)(?::\d{1,5})?$/i.test(r)) throw new UsageError(`--resolver ${r}: an IP address, optionally with :PORT`);
    opts.resolvers = flags.resolver;
  }
  if (flags.origin !== undefined) opts.origin = flags.origin;
  if (flags.cookie !== undefined) opts.cookie = flags.cookie;
  if (flags.header?.length) {
    opts.headers = flags.header.map((h) => {
      const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):\s*([^\r\n\0]*)$/.exec(h);
      if (!m) throw new UsageError(`--header ${h}: use "Name: value"`);
      return [m[1] ?? '', m[2] ?? ''] as [string, string];
    });
  }
  if (flags.insecure) opts.insecure = true;
  if (flags.reference !== undefined) opts.reference = flags.reference;
  if (flags.ca !== undefined) {
    try {
      opts.ca = readFileSync(flags.ca);
    } catch (e) {
      throw new UsageError(`--ca ${flags.ca}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  return opts;
}

export async function runProbe(url: string | undefined, flags: ProbeFlags): Promise<number> {
  if (flags.json && flags.markdown) throw new UsageError('choose one of --json and --markdown');
  const opts = probeOptions(flags);
  if (flags.list !== undefined) return runList(flags, opts);
  if (!url) throw new UsageError('no URL given: why502 https://example.com/path (or --list FILE)');
  let report: Report;
  try {
    report = await probeUrl(url, opts);
  } catch (e) {
    if (e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
  emitReport(report, flags);
  return exitCodeFor(report, false);
}

/** Many URLs at once: one line each (or one JSON report per line), in the order given. */
async function runList(flags: ProbeFlags, opts: ProbeUrlOptions): Promise<number> {
  let text: string;
  try {
    text = flags.list === '-' ? readFileSync(0, 'utf8') : readFileSync(flags.list ?? '', 'utf8');
  } catch (e) {
    throw new UsageError(`--list ${flags.list ?? ''}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const urls = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (urls.length === 0) throw new UsageError(`--list ${flags.list ?? ''}: no URL in it`);
  const concurrency = num(flags.concurrency, '--concurrency', 1, 1000, 50);
  const results: (Report | string | undefined)[] = new Array<Report | string | undefined>(urls.length);
  let next = 0;
  let printed = 0;
  let worst = 0;
  const flush = (): void => {
    while (printed < urls.length && results[printed] !== undefined) {
      const r = results[printed];
      const url = urls[printed] ?? '';
      if (typeof r === 'string') process.stdout.write(flags.jsonl || flags.json ? `${JSON.stringify({ target: url, error: r })}\n` : `${url}\t!\t${r}\n`);
      else if (r) process.stdout.write(flags.jsonl || flags.json ? `${JSON.stringify(flags.redact === false ? r : redactReport(r))}\n` : `${lineOf(r)}\n`);
      results[printed] = '';
      printed++;
    }
  };
  const worker = async (): Promise<void> => {
    while (next < urls.length) {
      const i = next++;
      try {
        const r = await probeUrl(urls[i] ?? '', opts);
        results[i] = r;
        worst = Math.max(worst, exitCodeFor(r, false));
      } catch (e) {
        results[i] = e instanceof Error ? e.message : String(e);
        worst = Math.max(worst, 2);
      }
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, () => worker()));
  flush();
  return worst;
}

/** One line per URL: status or failure, the hop that emitted it, the top cause. */
function lineOf(r: Report): string {
  const first = r.stats.probe?.attempts[0];
  const status = first ? (first.status ?? first.failure ?? 'failed') : 'no attempt';
  const emitted = r.chain?.find((h) => h.emitted);
  const top = r.causes[0];
  return [r.target, String(status), emitted ? emitted.layer : '-', top ? `${top.id} (${Math.round(top.confidence * 100)}%)` : r.causes.length === 0 && (r.stats.unexplained ?? 0) === 0 ? 'ok' : 'unexplained', `${r.stats.durationMs} ms`].join('\t');
}
