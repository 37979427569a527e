/** Terminal renderer: the top cause, how sure, how many, where, 2-3 telling lines and what to do — in ten seconds. */
import pc from 'picocolors';
import type { Report, ReportCause, ReportEvidence } from './types.js';
import { hostLines } from './host-lines.js';
import { burstLine, whereLines, whereSummary } from './where.js';

export interface TextOptions {
  color: boolean;
  /** Terminal width for cutting long log lines. */
  width?: number;
  /** Causes shown in full (the rest get one line each). */
  detailed?: number;
}

type Colors = ReturnType<typeof pc.createColors>;

function where(e: ReportEvidence): string {
  if (e.file && e.line !== undefined) return `${e.file}:${e.line}`;
  if (e.file) return e.file;
  if (e.phase) return `probe ${e.phase}`;
  return e.source;
}

/** "a.log:1", "a.log:2", "b.log:7" → "a.log lines 1, 2; b.log line 7". */
function groupLines(refs: string[]): string {
  const byFile = new Map<string, string[]>();
  for (const r of refs) {
    const i = r.lastIndexOf(':');
    const file = i > 0 ? r.slice(0, i) : r;
    const list = byFile.get(file) ?? [];
    if (list.length < 12) list.push(i > 0 ? r.slice(i + 1) : '?');
    else if (list.length === 12) list.push('…');
    byFile.set(file, list);
  }
  return [...byFile].map(([f, l]) => `${f} line${l.length > 1 ? 's' : ''} ${l.join(', ')}`).join('; ');
}

function cut(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function confidenceWord(c: number): string {
  if (c >= 0.85) return 'high';
  if (c >= 0.6) return 'medium';
  return 'low';
}

/** The probe as seen: the chain, the attempts, the visitor checks and their outcomes. */
function probeSection(r: Report, k: Colors, width: number): string[] {
  const p = r.stats.probe;
  if (!p) return [];
  const out: string[] = [];
  const hops = (r.chain ?? []).map((h) => (h.emitted ? k.bold(k.red(`${h.layer} ✗ ${h.status ?? ''}`.trim())) : h.layer));
  const t = p.timings;
  const phases = t ? [t.dns !== undefined ? `dns ${t.dns} ms` : '', t.connect !== undefined ? `connect ${t.connect} ms` : '', t.tls !== undefined ? `tls ${t.tls} ms` : '', t.ttfb !== undefined ? `first byte ${t.ttfb} ms` : ''].filter(Boolean) : [];
  if (hops.length > 0) out.push(`${k.dim('chain:')} you → ${hops.join(' → ')}`);
  if (phases.length > 0) out.push(`${k.dim('timings:')} ${phases.join(' · ')}`);
  if (p.tls) out.push(`${k.dim('tls:')} ${[p.tls.protocol, p.tls.alpn ? `ALPN ${p.tls.alpn}` : '', p.tls.daysToExpiry !== undefined ? `certificate expires in ${p.tls.daysToExpiry} days` : ''].filter(Boolean).join(' · ')}`);
  const main = p.attempts.filter((a) => a.check === 'first' || a.check === 'retry');
  if (main.length > 1 || main.some((a) => a.failed)) {
    const cells = main.map((a) => `${a.failed ? k.red(String(a.status ?? '✗')) : k.green(String(a.status ?? '?'))}${a.reused ? k.dim('↺') : ''}`);
    out.push(`${k.dim('attempts:')} ${cells.join(' ')} ${k.dim('(↺ = reused connection)')}`);
  }
  for (const c of p.checks) out.push(`${k.dim('check:')} ${cut(`${c.check}: ${c.outcome}`, Math.max(40, width - 8))}`);
  return out;
}

/** What a cause's count counts, per command (contract: logs requests, probe attempts, config findings). */
export function nounFor(command: Report['command']): (n: number) => string {
  if (command === 'probe') return (n) => (n === 1 ? 'attempt' : 'attempts');
  if (command === 'config') return (n) => (n === 1 ? 'finding' : 'findings');
  // The doctor adds failed requests, readings of the host and config findings: signs, not requests.
  if (command === 'doctor') return (n) => (n === 1 ? 'sign' : 'signs');
  return (n) => (n === 1 ? 'request' : 'requests');
}

function causeBlock(c: ReportCause, k: Colors, width: number, full: boolean, noun: (n: number) => string): string[] {
  const out: string[] = [];
  const count = `${c.count} ${noun(c.count)}`;
  out.push(`${k.bold(k.red('●'))} ${k.bold(c.title)}`);
  out.push(`  ${k.dim(c.id)} · ${count} · confidence ${confidenceWord(c.confidence)} (${Math.round(c.confidence * 100)}%)${c.firstSeen ? k.dim(` · ${c.firstSeen}${c.lastSeen && c.lastSeen !== c.firstSeen ? ` → ${c.lastSeen}` : ''}`) : ''}`);
  if (c.message) out.push(`  ${c.message}`);
  // The causal chain, when it says more than the first/last times above: several bursts, or what caused one.
  const bursts = c.bursts ?? [];
  if (bursts.length > 1 || bursts.some((b) => b.because)) {
    for (const b of bursts.slice(0, full ? 3 : 1)) out.push(`  ${k.dim('↳')} ${burstLine(b, (s) => cut(s, Math.max(40, width - 60)))}`);
  }
  if (c.upstreams.length > 0) out.push(`  ${k.dim('upstream:')} ${c.upstreams.slice(0, 4).join(', ')}${c.upstreams.length > 4 ? ` (+${c.upstreams.length - 4})` : ''}`);
  const ev = c.evidence.slice(0, full ? 3 : 1);
  for (const e of ev) {
    out.push(`  ${k.dim('›')} ${cut(e.text, Math.max(40, width - 6))}`);
    out.push(`    ${k.dim(where(e))}`);
  }
  if (full && c.fixes.owner.length > 0) {
    out.push(`  ${k.bold('What to do')} (site owner):`);
    c.fixes.owner.slice(0, 3).forEach((f, i) => out.push(`   ${i + 1}. ${f.replace(/\n/g, '\n      ')}`));
    if (c.fixes.visitor[0]) out.push(`  ${k.bold('Visitors')}: ${c.fixes.visitor[0]}`);
  }
  return out;
}

/**
 * Render a report for a terminal.
 * @example process.stdout.write(renderText(report, { color: process.stdout.isTTY }))
 */
export function renderText(r: Report, opts: TextOptions): string {
  const k = pc.createColors(opts.color);
  const noun = nounFor(r.command);
  const width = opts.width ?? 120;
  const detailed = opts.detailed ?? 1;
  const out: string[] = [];
  out.push(k.bold(`why502 ${r.command}`) + k.dim(` — ${cut(r.target, 80)}`));
  out.push(r.summary);
  const st = r.stats;
  const facts: string[] = [];
  if (st.linesRead !== undefined) facts.push(`${st.linesRead} lines read, ${st.linesRecognised ?? 0} recognised`);
  if (st.timeRange) facts.push(`${st.timeRange.from} → ${st.timeRange.to}`);
  facts.push(`${st.durationMs} ms`);
  out.push(k.dim(facts.join(' · ')));
  out.push('');
  if (st.probe) out.push(...probeSection(r, k, width), '');
  if (st.doctor) {
    out.push(k.bold('This host'));
    for (const [label, value] of hostLines(st.doctor, (c) => k.cyan(c))) {
      // Commands and paths are printed whole (they get copied); only the software's long summaries are cut.
      const shown = label === 'software' ? cut(value, Math.max(60, width - label.length - 4)) : value;
      out.push(`  ${label.startsWith('upstream down') ? k.red(`${label}:`) : k.dim(`${label}:`)} ${shown}`);
    }
    out.push('');
  }
  r.causes.forEach((c, i) => {
    if (i < detailed + 2) {
      out.push(...causeBlock(c, k, width, i < detailed, noun));
      out.push('');
    }
  });
  if (r.causes.length > detailed + 2) {
    out.push(k.dim(`Also: ${r.causes.slice(detailed + 2).map((c) => (c.count > 0 ? `${c.id} (${c.count})` : `${c.id} (possible)`)).join(', ')}`));
    out.push('');
  }
  const w = whereSummary(st);
  if (w) {
    out.push(k.bold('Where the failures were'));
    for (const [label, value] of whereLines(w)) out.push(`  ${k.dim(`${label}:`)} ${cut(value, Math.max(40, width - label.length - 4))}`);
    out.push('');
  }
  if (st.unexplained) out.push(k.yellow(r.command === 'probe' ? `${st.unexplained} failed attempt(s): the answer does not say what failed behind the hop that sent it.` : `${st.unexplained} failed request(s) unexplained by the logs read.`));
  if (st.unrecognisedLines && st.unrecognisedLines.length > 0) out.push(k.yellow(`Not recognised: ${groupLines(st.unrecognisedLines)}`));
  const na = r.notAssessed.slice(0, 3);
  if (na.length > 0) {
    out.push(k.dim('To settle more:'));
    for (const n of na) out.push(k.dim(`  - ${n.need}`));
  }
  for (const e of r.errors.slice(0, 10)) out.push(k.yellow(`! ${e}`));
  if (r.errors.length > 10) out.push(k.yellow(`! … and ${r.errors.length - 10} more`));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
