/** Shared CLI output: pick the renderer, write to stdout or --output, map the report to an exit code. */
import { writeFileSync } from 'node:fs';
import { redactReport } from '../report/redact-report.js';
import { renderJson } from '../report/render-json.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { renderText } from '../report/render-text.js';
import type { Report } from '../report/types.js';
import { UsageError } from '../logs/diagnose.js';

export interface OutputFlags {
  json?: boolean;
  markdown?: boolean;
  output?: string;
  redact?: boolean;
}

/**
 * Contract exit codes: 0 nothing wrong, 1 a cause or finding, 2 nothing could be read or examined.
 * Failed requests no evidence explains are a finding too: something is wrong even if the logs do not say what.
 */
export function exitCodeFor(r: Report, nothingRead: boolean): number {
  if (r.causes.length > 0 || (r.stats.unexplained ?? 0) > 0) return 1;
  return nothingRead ? 2 : 0;
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** Render and write a report the way the flags ask. */
export function emitReport(report: Report, flags: OutputFlags): void {
  const r = flags.redact === false ? report : redactReport(report);
  const toFile = flags.output !== undefined;
  let text: string;
  if (flags.json) text = renderJson(r);
  else if (flags.markdown) text = renderMarkdown(r);
  else text = renderText(r, { color: !toFile && useColor(process.stdout), width: process.stdout.columns ?? 120 });
  if (toFile) {
    try {
      writeFileSync(flags.output as string, text);
    } catch (e) {
      throw new UsageError(`--output ${flags.output ?? ''}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    if (process.stderr.isTTY) process.stderr.write(`report written to ${flags.output}\n`);
  } else {
    process.stdout.write(text);
  }
}
