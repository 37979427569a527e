/** Assembles the versioned report: summary sentence, what could not be assessed, and the fixed fields. */
import type { CauseId } from '../causes/types.js';
import type { Fact } from '../evidence/facts.js';
import { TOOL } from '../version.js';
import type { Report, ReportCause, ReportStats } from './types.js';

export interface BuildInput {
  command: Report['command'];
  target: string;
  causes: ReportCause[];
  failedRequests: number;
  unexplained: number;
  unexplainedSamples: Fact[];
  stats: ReportStats;
  errors: string[];
  context: {
    hadAccessLog: boolean;
    hadErrorLog: boolean;
    zoneNote?: string | undefined;
    unrecognisedCount: number;
    pasted: boolean;
  };
}

// Causes whose deeper reason sits in the upstream's own log.
const UPSTREAM_SIDE: ReadonlySet<CauseId> = new Set(['upstream-timeout', 'upstream-closed-early', 'upstream-refused', 'upstream-overloaded']);

/** Build a logs report. */
export function buildReport(input: BuildInput): Report {
  const { causes } = input;
  const notAssessed: Report['notAssessed'] = [];
  if (input.unexplained > 0) {
    notAssessed.push({
      need: `${input.unexplained} failed request(s) in the access log have no matching error-log line: read the proxy's error log for the same period too (e.g. \`why502 logs /var/log/nginx/access.log /var/log/nginx/error.log\`)`,
    });
  }
  if (input.context.hadErrorLog && !input.context.hadAccessLog && causes.length > 0) {
    notAssessed.push({ cause: 'keepalive-race', need: 'the access log of the same period, to tell failed requests from ones the proxy retried and recovered (intermittent keep-alive races)' });
  }
  const ids = new Set(causes.map((c) => c.id));
  const top = causes[0];
  if (top && UPSTREAM_SIDE.has(top.id) && !ids.has('app-error') && !ids.has('database-unavailable')) {
    notAssessed.push({
      cause: 'upstream-overloaded',
      need: "the upstream's own log for the same minutes (PHP-FPM: /var/log/php*-fpm.log; an app: journalctl -u <app>; the kernel: dmesg -T for OOM kills), read together with the proxy's logs",
    });
  }
  notAssessed.push({ need: 'the visitor side (site DNS, a visitor proxy or network): probe the URL with `why502 https://your.site/path`' });

  return {
    schemaVersion: 1,
    tool: { name: TOOL.name, version: TOOL.version },
    command: input.command,
    target: input.target,
    summary: summarise(input),
    causes,
    stats: input.stats,
    notAssessed,
    errors: input.errors,
  };
}

function summarise(input: BuildInput): string {
  const { causes, stats } = input;
  const lines = stats.linesRead ?? 0;
  const top = causes[0];
  const parts: string[] = [];
  if (!top) {
    if (input.unexplained > 0) {
      parts.push(`${input.unexplained} failed request(s) (502/503/504) found in ${lines} lines, but the logs read do not say why`);
    } else if (lines === 0) {
      parts.push('Nothing was read');
    } else {
      parts.push(`No 502/503/504 evidence found in ${lines} line(s)`);
    }
  } else {
    const share = input.failedRequests > 0 && top.count > 0 ? ` (${top.count} of ${input.failedRequests} failed requests)` : '';
    parts.push(`Most likely: ${top.title.charAt(0).toLowerCase()}${top.title.slice(1)}${share}, confidence ${Math.round(top.confidence * 100)}%`);
    if (causes.length > 1) parts.push(`${causes.length - 1} other cause(s) also seen`);
  }
  if (input.context.pasted && input.context.unrecognisedCount > 0) parts.push(`${input.context.unrecognisedCount} line(s) not recognised`);
  if (input.context.zoneNote) parts.push(input.context.zoneNote);
  return `${parts.join('; ')}.`;
}
