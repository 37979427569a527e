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
      need: input.context.hadAccessLog
        ? `${input.unexplained} failed request(s) in the access log have no matching error-log line: read the proxy's error log for the same period too (e.g. \`why502 logs /var/log/nginx/access.log /var/log/nginx/error.log\`)`
        : `${input.unexplained} failed request(s) are known only by their status: the proxy's error log for the same period would say why`,
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
    const title = `${top.title.charAt(0).toLowerCase()}${top.title.slice(1)}`;
    const share = input.failedRequests > 0 && top.count > 0 ? ` (${top.count} of ${input.failedRequests} failed requests)` : '';
    if (input.unexplained > top.count) {
      // Most failures have no explanation in what was read: say that first, so the headline does not oversell.
      parts.push(`${input.unexplained} of ${input.failedRequests} failed requests are not explained by the logs read (the proxy's error log would say why)`);
      parts.push(`of the rest, most likely: ${title}${share}, confidence ${Math.round(top.confidence * 100)}%`);
    } else if (top.count === 0) {
      // Every failure of this kind was retried and recovered (or the cause is only possible): no request failed from it.
      parts.push(`Seen, without failed requests: ${title}, confidence ${Math.round(top.confidence * 100)}%`);
    } else {
      parts.push(`Most likely: ${title}${share}, confidence ${Math.round(top.confidence * 100)}%`);
    }
    const seen = causes.slice(1).filter((c) => c.count > 0).length;
    const possible = causes.slice(1).length - seen;
    if (seen > 0) parts.push(`${seen} other cause(s) also seen`);
    if (possible > 0) parts.push(`${possible} other cause(s) also possible`);
  }
  if (input.context.pasted && input.context.unrecognisedCount > 0) parts.push(`${input.context.unrecognisedCount} line(s) not recognised`);
  if (input.context.zoneNote) parts.push(input.context.zoneNote);
  return `${parts.join('; ')}.`;
}
