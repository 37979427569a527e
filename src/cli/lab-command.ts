/** `why502 lab list|up|run|demo`: the fault lab — real proxies in front of broken upstreams, diagnosed by why502. */
import { expectedCause } from '../lab/faults/types.js';
import pc from 'picocolors';
import { faultByName, faults } from '../lab/faults/index.js';
import { launchers, PROXY_KINDS, type ProxyKind } from '../lab/launchers/index.js';
import { liveProcessCount } from '../lab/processes.js';
import { runMatrix, runScenario, scenarios, startScenario, type ScenarioResult } from '../lab/scenario.js';
import { UsageError } from '../logs/diagnose.js';
import { redactReport } from '../report/redact-report.js';
import { renderText } from '../report/render-text.js';
import type { Report } from '../report/types.js';
import { useColor } from './output.js';

function parseScenario(s: string | undefined): { proxy?: string; fault?: string } {
  if (!s) return {};
  const [a, b] = s.split('/');
  if (b !== undefined) return { proxy: a ?? '', fault: b };
  return { fault: a ?? '' };
}

function checkNames(filter: { proxy?: string | undefined; fault?: string | undefined }): void {
  if (filter.proxy && !(PROXY_KINDS as readonly string[]).includes(filter.proxy)) throw new UsageError(`unknown proxy "${filter.proxy}" (known: ${PROXY_KINDS.join(', ')})`);
  if (filter.fault && !faultByName(filter.fault)) throw new UsageError(`unknown scenario "${filter.fault}" (see why502 lab list)`);
}

export function runLabList(flags: { json?: boolean; proxy?: string }): number {
  checkNames({ proxy: flags.proxy });
  const list = scenarios(flags.proxy ? { proxy: flags.proxy } : {});
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(list.map((s) => ({ scenario: `${s.proxy}/${s.fault.name}`, proxy: s.proxy, fault: s.fault.name, title: s.fault.title, expected: expectedCause(s.fault, s.proxy), ...(s.fault.expectFor?.[s.proxy] ? { expectedWhy: s.fault.expectFor[s.proxy]?.why } : {}), ...(s.notApplicable ? { notApplicable: s.notApplicable } : {}) })), null, 2)}\n`);
    return 0;
  }
  const k = pc.createColors(useColor(process.stdout));
  for (const f of faults) {
    process.stdout.write(`${k.bold(f.name.padEnd(24))} → ${f.cause.padEnd(26)} ${k.dim(f.title)}\n`);
    for (const p of PROXY_KINDS) {
      if (flags.proxy && p !== flags.proxy) continue;
      const na = f.notFor?.[p];
      if (na) process.stdout.write(k.dim(`    ${p}: ${na}\n`));
      const ex = f.expectFor?.[p];
      if (ex) process.stdout.write(k.dim(`    ${p}: expects ${ex.cause}: ${ex.why}\n`));
    }
  }
  const installed = PROXY_KINDS.filter((p) => launchers[p].binary() !== null);
  process.stdout.write(k.dim(`\n${faults.length} faults × ${PROXY_KINDS.length} proxies; installed here: ${installed.join(', ') || 'none'}. Run one with: why502 lab up nginx refuse\n`));
  return 0;
}

function resultLine(r: ScenarioResult, k: ReturnType<typeof pc.createColors>): string {
  const mark = r.outcome === 'ok' ? k.green('✓') : r.outcome === 'wrong' ? k.red('✗') : r.outcome === 'not-applicable' ? k.dim('–') : k.yellow('!');
  const got = r.diagnosed ? `${r.diagnosed.cause ?? 'nothing'}${r.diagnosed.count ? ` (${r.diagnosed.count})` : ''}` : (r.reason ?? '');
  const probe = r.probe && r.probe.status !== null ? k.dim(` · probe: ${r.probe.emitter ?? '?'} ${r.probe.status}`) : '';
  return `${mark} ${`${r.proxy}/${r.fault}`.padEnd(32)} expected ${r.expected.padEnd(26)} ${r.outcome === 'not-applicable' ? k.dim(got) : `diagnosed ${got}`}${probe} ${k.dim(`${r.ms} ms`)}`;
}

/** Summary counts of a matrix run. */
export function matrixSummary(results: ScenarioResult[]): Record<ScenarioResult['outcome'], number> {
  const s = { ok: 0, wrong: 0, 'not-applicable': 0, 'missing-proxy': 0, error: 0 };
  for (const r of results) s[r.outcome]++;
  return s;
}

/** The matrix as a Markdown table: faults down, proxies across. */
export function matrixMarkdown(results: ScenarioResult[]): string {
  const proxies = PROXY_KINDS.filter((p) => results.some((r) => r.proxy === p));
  const rows = [`| fault | expected | ${proxies.join(' | ')} |`, `|---|---|${proxies.map(() => '---').join('|')}|`];
  for (const f of faults) {
    const cells = proxies.map((p) => {
      const r = results.find((x) => x.proxy === p && x.fault === f.name);
      if (!r) return ' ';
      if (r.outcome === 'ok') return r.expectedWhy ? `✓ ${r.expected}¹` : '✓';
      if (r.outcome === 'wrong') return `✗ ${r.diagnosed?.cause ?? 'nothing'}`;
      if (r.outcome === 'not-applicable') return 'n/a';
      return r.outcome;
    });
    if (cells.every((c) => c === ' ')) continue;
    rows.push(`| ${f.name} | ${f.cause} | ${cells.join(' | ')} |`);
  }
  const notes = results.filter((r) => r.expectedWhy !== undefined);
  if (notes.length > 0) {
    rows.push('', "¹ This proxy's logs cannot tell the fault from a neighbour; the cause they support is expected instead:", '');
    for (const r of notes) rows.push(`- ${r.proxy}/${r.fault} → \`${r.expected}\`: ${r.expectedWhy ?? ''}`);
  }
  return `${rows.join('\n')}\n`;
}

export async function runLabRun(flags: { json?: boolean; markdown?: boolean; proxy?: string; scenario?: string; concurrency?: string }): Promise<number> {
  const filter = { ...parseScenario(flags.scenario), ...(flags.proxy ? { proxy: flags.proxy } : {}) };
  checkNames(filter);
  const list = scenarios(filter);
  if (list.length === 0) throw new UsageError('no scenario matches');
  const k = pc.createColors(useColor(process.stdout));
  const started = Date.now();
  const concurrency = flags.concurrency ? Number(flags.concurrency) : 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');
  const results = await runMatrix(list, {
    concurrency,
    onResult: (r) => {
      if (!flags.json && !flags.markdown) process.stdout.write(`${resultLine(r, k)}\n`);
    },
  });
  const summary = matrixSummary(results);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ schemaVersion: 1, kind: 'lab-matrix', durationMs: Date.now() - started, summary, results }, null, 2)}\n`);
  } else if (flags.markdown) {
    process.stdout.write(matrixMarkdown(results));
  } else {
    process.stdout.write(`\n${summary.ok} as expected, ${summary.wrong} diagnosed wrongly, ${summary['not-applicable']} not applicable, ${summary['missing-proxy']} with the proxy not installed, ${summary.error} failed to run · ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  if (summary.ok + summary.wrong === 0) return 2;
  return summary.wrong > 0 || summary.error > 0 ? 1 : 0;
}

export async function runLabUp(proxy: string | undefined, fault: string | undefined): Promise<number> {
  if (!proxy || !fault) throw new UsageError('usage: why502 lab up <proxy> <scenario>, e.g. why502 lab up nginx refuse');
  checkNames({ proxy, fault });
  const f = faultByName(fault);
  const kind = proxy as ProxyKind;
  if (!f) return 2;
  const na = f.notFor?.[kind];
  if (na) throw new UsageError(`${proxy}/${fault}: ${na}`);
  if (!launchers[kind].binary()) throw new UsageError(`${proxy} is not installed (apt-get install ${launchers[kind].package})`);
  const live = await startScenario(kind, f);
  const out = process.stdout;
  out.write(`${pc.bold(`${proxy}/${fault}`)}: ${f.title}\n`);
  if (live.proxy.startError) out.write(`${proxy} refused to start: ${live.proxy.startError}\n`);
  out.write(`  URL      ${live.proxy.url}/\n  config   ${live.proxy.configPath}\n`);
  for (const l of live.logs) out.write(`  log      ${l}\n`);
  // The path the fault's own traffic uses: some faults show on one page only (php-fatal: /index.php).
  const path = f.traffic?.requests[0]?.path ?? '/';
  out.write(`\nTry: curl -i ${live.proxy.url}${path}   then: why502 logs ${live.logs.join(' ')}\nCtrl-C stops everything (the logs are kept).\n`);
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await live.stop();
  out.write(`\nstopped; ${liveProcessCount()} lab process(es) left; logs kept in ${live.dir}\n`);
  return 0;
}

export async function runLabDemo(flags: { scenario?: string }): Promise<number> {
  const { proxy = 'nginx', fault = 'keepalive-idle-close' } = parseScenario(flags.scenario ?? 'nginx/keepalive-idle-close');
  checkNames({ proxy, fault });
  const f = faultByName(fault);
  const kind = proxy as ProxyKind;
  if (!f) return 2;
  if (!launchers[kind].binary()) throw new UsageError(`${proxy} is not installed (apt-get install ${launchers[kind].package})`);
  const k = pc.createColors(useColor(process.stdout));
  const say = (s: string): boolean => process.stdout.write(`${s}\n`);
  say(k.bold(`The why502 lab: ${proxy} in front of a broken upstream`));
  say(`1. The fault: ${f.title}.`);
  say(`2. Starting a real ${proxy} on 127.0.0.1 in front of it, sending traffic, then stopping both…`);
  let report: Report | null = null;
  const r = await runScenario(kind, f, { onReport: (rep) => (report = rep) });
  if (r.outcome === 'not-applicable' || r.outcome === 'missing-proxy' || r.outcome === 'error') {
    say(`   could not run: ${r.reason ?? r.outcome}`);
    return 2;
  }
  say(`3. The clients got: ${r.responses.join(', ')}`);
  say(`4. why502 read the logs ${proxy} wrote. Its answer:\n`);
  if (report) process.stdout.write(renderText(redactReport(report), { color: useColor(process.stdout), width: process.stdout.columns ?? 120 }));
  say(`\n${r.outcome === 'ok' ? k.green('✓') : k.red('✗')} expected ${r.expected}, diagnosed ${r.diagnosed?.cause ?? 'nothing'}.`);
  return r.outcome === 'ok' ? 0 : 1;
}
