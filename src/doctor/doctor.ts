/**
 * `why502 doctor`: on the host itself, find the proxy running and its config, read the logs that config names
 * for the last minutes, run the live checks, read the host (listeners, workers' limits, memory, OOM kills,
 * PHP-FPM status) and the software, and give one ranked report; for a service that is down, the exact command
 * that starts it again the way it runs here. It only reads and probes; it changes nothing.
 */
import { causeById, causes as catalogue } from '../causes/index.js';
import type { CauseId } from '../causes/types.js';
import { ASSUMED_NGINX_VERSION, analyzeConfigWithTree, findingsToCauses, liveCauses, runChecks, type CheckedFinding } from '../config/analyze.js';
import { parseApacheConfig } from '../config/apache-config.js';
import { CONFIG_CHECKS } from '../config/checks/index.js';
import type { CheckEnv, ConfigSet, LiveTarget } from '../config/checks/types.js';
import workerConnectionsFd from '../config/checks/worker-connections-fd.js';
import { parseHaproxyConfig } from '../config/haproxy-config.js';
import { liveCheck } from '../config/live.js';
import { readNginxConfig, type ConfigTree } from '../config/nginx-load.js';
import { Attributor, DetectorErrors, indexCauses } from '../engine/attribute.js';
import { rankCauses, Tally } from '../engine/tally.js';
import type { Fact } from '../evidence/facts.js';
import { diagnoseLogs } from '../logs/diagnose.js';
import type { Report, ReportCause, ReportStats } from '../report/types.js';
import { TOOL } from '../version.js';
import { findFpmMasters, findProxies, listProcesses, type DoctorProxyKind, type FoundFpm, type FoundProxy, type ProcInfo } from './find.js';
import {
  fdFacts,
  fdUsage,
  fpmStatusFacts,
  fpmStatuses,
  groupName,
  memoryFacts,
  oomKills,
  readListeners,
  readMemory,
  targetFacts,
  targetStates,
  userName,
  workerIdentity,
  type FdUsage,
  type FpmStatus,
  type MemoryReading,
  type TargetState,
  type WorkerIdentity,
} from './host.js';
import { fpmCandidates, planRestart, poolFor, readInitScripts, readSystemd, type FpmCandidate, type RestartContext, type RestartPlan } from './restart.js';
import { describeSoftware, readSoftware, type SoftwareItem, type SoftwareName } from './software.js';
import { makeSys, type Exec, type Sys } from './sys.js';
import { apacheLogs, apacheTargets, caddyfileTargets, fpmLogs, haproxyLogs, haproxyTargets, nginxLogs, nginxTargets, type NamedLog, type NamedTarget } from './targets.js';

export interface DoctorOptions {
  /** Read logs from this time on (ms since the epoch; default: 15 minutes ago). */
  since?: number;
  /** Where /proc, /etc, /run and /var are (default '/'). */
  root?: string;
  /** Probe the upstreams live (default true). */
  live?: boolean;
  /** Overall budget for the live checks and each command's timeout (ms, default 20 000). */
  timeoutMs?: number;
  /** Only the proxies with these master pids. */
  pids?: readonly number[];
  /** Only the proxy started with this config file. */
  configPath?: string;
  /** Only proxies of this kind. */
  proxy?: DoctorProxyKind;
  /** Versions and pending updates of the proxy and PHP-FPM (default true). */
  software?: boolean;
  /** How commands are run (tests); default: the host's, when `root` is '/'. */
  exec?: Exec | null;
}

/** What the doctor saw, beside the causes (in `stats.doctor`). */
export interface DoctorStats {
  proxies: { kind: DoctorProxyKind; pid: number; workers: number[]; config: string | null; configFrom: string; workerUser: string | null }[];
  phpFpm: { pid: number; config: string | null }[];
  upstreams: { target: string; state: TargetState['state']; why: string; namedAt: string; listeners: string[] }[];
  restarts: { target: string; service: string; command: string; how: RestartPlan['how']; because: string[] }[];
  logs: { path: string; kind: NamedLog['kind']; from: string; read: boolean; why?: string }[];
  /** Open-files limits of the proxy's workers ('unlimited' where so). */
  fdLimits: { pid: number; soft: number | 'unlimited' | null; hard: number | 'unlimited' | null; open: number | null }[];
  memory: MemoryReading;
  oomSource: string | null;
  phpFpmStatus: FpmStatus[];
  software: (SoftwareItem & { summary: string })[];
  systemd: string;
  since: string;
  notes: string[];
}

const DEFAULT_WINDOW_MS = 15 * 60_000;
const RESTART_CAUSES: ReadonlySet<CauseId> = new Set(['upstream-refused']);

/** One proxy as examined. */
interface Examined {
  proxy: FoundProxy;
  tree?: ConfigTree;
  targets: NamedTarget[];
  logs: NamedLog[];
  findings: CheckedFinding[];
  liveIncidents: Fact[][];
  worker: WorkerIdentity | null;
}

/**
 * Examine this host: the proxy running, its config, logs, upstreams, the host and the software.
 * @example const report = await runDoctor({ since: Date.now() - 30 * 60_000 }); report.causes[0]?.fixes.owner[0]
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<Report> {
  const started = Date.now();
  const budget = options.timeoutMs ?? 20_000;
  const commandTimeout = Math.max(500, Math.min(5000, Math.floor(budget / 4)));
  const sys = makeSys({ root: options.root ?? '/', ...(options.exec !== undefined ? { exec: options.exec } : {}), commandTimeoutMs: commandTimeout });
  const since = options.since ?? sys.now() - DEFAULT_WINDOW_MS;
  const errors: string[] = [];
  const notes: string[] = [];
  const notAssessed: Report['notAssessed'] = [];

  const procs = listProcesses(sys);
  if (procs.length === 0) errors.push(`${sys.path('/proc')}: no processes could be read`);
  const proxies = findProxies(sys, procs, { ...(options.pids ? { pids: options.pids } : {}), ...(options.configPath !== undefined ? { configPath: options.configPath } : {}), ...(options.proxy ? { kind: options.proxy } : {}) });
  const masters = findFpmMasters(sys, procs);
  const stats: DoctorStats = {
    proxies: [],
    phpFpm: masters.map((m) => ({ pid: m.pid, config: m.configPath })),
    upstreams: [],
    restarts: [],
    logs: [],
    fdLimits: [],
    memory: { totalKb: null, availableKb: null },
    oomSource: null,
    phpFpmStatus: [],
    software: [],
    systemd: '',
    since: new Date(since).toISOString(),
    notes,
  };

  if (proxies.length === 0) {
    const filter = [options.proxy, options.configPath, options.pids?.join(',')].filter(Boolean).join(' ');
    errors.push(`no proxy found running${filter ? ` (looked for ${filter})` : ''}: no nginx, Apache, HAProxy or Caddy process in ${sys.path('/proc')}`);
    notAssessed.push({ need: 'a running proxy: start it, or point `why502 config` at its config file and `why502 logs` at its logs' });
    return finish({ started, causes: [], errors, notAssessed, stats, target: 'this host', summary: 'No proxy found running on this host (nginx, Apache, HAProxy or Caddy): nothing to examine.' });
  }

  // Systemd, init scripts and the host tables are read once for every proxy and target.
  const systemd = await readSystemd(sys, commandTimeout);
  stats.systemd = systemd.available ? 'systemd runs this system' : `no systemd: ${systemd.why}`;
  const initScripts = readInitScripts(sys);
  const listeners = readListeners(sys);
  if (!listeners.read.unix && !listeners.read.tcp) notes.push('/proc/net/unix and /proc/net/tcp cannot be read: listeners unknown');
  const memory = readMemory(sys);
  stats.memory = memory;
  const memoryBytes = memory.totalKb !== null ? memory.totalKb * 1024 : undefined;

  // Each proxy: its config, targets and logs.
  const examined: Examined[] = [];
  for (const proxy of proxies) {
    try {
      examined.push(await examine(sys, proxy, procs, masters, systemd, initScripts, { live: options.live ?? true, budget, memoryBytes }, errors, notes, notAssessed));
    } catch (e) {
      errors.push(`${proxy.kind} (pid ${proxy.pid}): ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  for (const x of examined) {
    stats.proxies.push({ kind: x.proxy.kind, pid: x.proxy.pid, workers: x.proxy.workers, config: x.proxy.configPath, configFrom: x.proxy.configFrom, workerUser: x.worker ? (x.worker.name ?? `uid ${x.worker.uid}`) : null });
  }
  const allTargets = examined.flatMap((x) => x.targets);
  const candidates = fpmCandidates(sys, masters, allTargets.map((t) => t.target), systemd, initScripts);
  const ctx: RestartContext = { sys, procs, fpm: candidates, systemd, initScripts, asRoot: process.getuid?.() === 0 && sys.root === '/' };

  // The host: each target's listener, the workers' limits.
  const hostIncidents: Fact[][] = [];
  const plans: RestartPlan[] = [];
  const deniedFixes = new Map<string, string>();
  const now = sys.now();
  for (const x of examined) {
    const states = targetStates(sys, x.targets.map((t) => t.target), x.worker, procs, listeners);
    for (const s of states) {
      const named = x.targets.find((t) => t.target === s.target);
      stats.upstreams.push({ target: s.target, state: s.state, why: s.why, namedAt: named ? `${named.file}:${named.line} ${named.text}` : '', listeners: s.owners.map((o) => `pid ${o.pid} ${o.cmdline}`) });
      if (s.state === 'down') {
        const plan = planRestart(ctx, s);
        if (plan) {
          if (!plans.some((p) => p.target === plan.target)) plans.push(plan);
        } else {
          notAssessed.push({ cause: 'upstream-refused', need: `what should serve ${s.target}: no PHP-FPM pool, systemd unit, init script or process on this host names it; start the application that listens there` });
        }
        hostIncidents.push(targetFacts(s, now, plan?.service));
      } else if (s.state === 'denied') {
        hostIncidents.push(targetFacts(s, now));
        deniedFixes.set(s.target, permissionFix(ctx, s, x));
      }
    }
    const usage = fdUsage(sys, x.proxy.workers.length > 0 ? x.proxy.workers : [x.proxy.pid]);
    const lim = (v: number | null): number | 'unlimited' | null => (v === Infinity ? 'unlimited' : v);
    stats.fdLimits.push(...usage.map((u: FdUsage) => ({ pid: u.pid, soft: lim(u.soft), hard: lim(u.hard), open: u.open })));
    const fd = fdFacts(usage, now, x.proxy.kind);
    notes.push(...fd.notes);
    for (const f of fd.facts) hostIncidents.push([f]);
    if (x.tree) {
      const softs = usage.map((u) => u.soft).filter((v): v is number => v !== null && v !== Infinity);
      if (softs.length > 0) {
        const env: CheckEnv = { nginxVersion: ASSUMED_NGINX_VERSION, nginxVersionAssumed: true, fdLimit: Math.min(...softs) };
        const r = runChecks({ nginx: x.tree }, env, [workerConnectionsFd]);
        // analyzeConfig ran this check without the workers' limit: only these findings can be new.
        for (const f of r.findings) if (!x.findings.some((g) => g.check.meta.id === f.check.meta.id && g.file === f.file && g.line === f.line)) x.findings.push(f);
      }
    }
  }
  for (const p of plans) stats.restarts.push({ target: p.target, service: p.service, command: p.command, how: p.how, because: p.because });

  const mem = memoryFacts(memory, now);
  notes.push(...mem.notes);
  for (const f of mem.facts) hostIncidents.push([f]);
  const oom = await oomKills(sys, since, commandTimeout);
  stats.oomSource = oom.source;
  notes.push(...oom.notes);
  if (!oom.source) notAssessed.push({ cause: 'upstream-closed-early', need: 'the kernel log, for OOM kills (journalctl -k, dmesg or /var/log/kern.log: run as root)' });
  for (const f of oom.facts) hostIncidents.push([f]);

  // PHP-FPM: the pools serving the proxy's targets (their status pages and logs).
  const serving = new Map<string, FpmCandidate>();
  for (const t of allTargets) {
    const hit = poolFor(candidates, t.target);
    if (hit) serving.set(hit.cand.configPath, hit.cand);
  }
  const servingPools = [...serving.values()].flatMap((c) => c.parse.model.pools.filter((p) => allTargets.some((t) => p.listen && poolFor([c], t.target)?.pool === p)));
  const upPools = servingPools.filter((p) => stats.upstreams.some((u) => u.state === 'up' && p.listen && poolFor([...serving.values()], u.target)?.pool === p));
  stats.phpFpmStatus = await fpmStatuses(upPools, Math.min(3000, commandTimeout));
  const st = fpmStatusFacts(stats.phpFpmStatus, now, (pool) => servingPools.find((p) => p.name === pool)?.maxChildren?.value);
  notes.push(...st.notes);
  for (const f of st.facts) hostIncidents.push([f]);
  if (servingPools.length > 0 && !servingPools.some((p) => p.statusPath)) notes.push('PHP-FPM: no serving pool sets pm.status_path: its status page was not read');

  // Logs: what the configs name, PHP-FPM's too; read for the window.
  const logs: NamedLog[] = [...examined.flatMap((x) => x.logs)];
  for (const c of serving.values()) for (const l of fpmLogs(c.parse.model)) if (!logs.some((k) => k.path === l.path)) logs.push(l);
  const logReport = await readLogs(sys, logs, since, stats, errors, notAssessed);

  // Software.
  if (options.software ?? true) {
    const programs: { name: SoftwareName; binary: string }[] = [];
    for (const p of proxies) if (p.binary) programs.push({ name: p.kind, binary: p.binary });
    for (const c of serving.values()) {
      const bin = c.master?.binary ?? masters.find((m) => m.configPath === c.configPath)?.binary ?? null;
      const guess = bin ?? fpmBinaryGuess(sys, c.configPath);
      if (guess) programs.push({ name: 'php-fpm', binary: guess });
    }
    if (sys.canExec) {
      const sw = await readSoftware(sys, programs, commandTimeout);
      stats.software = sw.items.map((i) => ({ ...i, summary: describeSoftware(i) }));
      notes.push(...sw.notes);
    } else {
      notAssessed.push({ need: 'the software versions and pending updates (commands are not run for this root)' });
    }
  }

  // The causes: logs, the host now, the live checks, the configs.
  const configFindings = examined.flatMap((x) => x.findings);
  const logCauses = logReport?.causes ?? [];
  const hostCauses = judge(hostIncidents).map((c) => hostMessage(c, hostIncidents));
  const fromLive = liveCauses(examined.flatMap((x) => x.liveIncidents));
  let causes = mergeCauses(mergeCauses(mergeCauses(logCauses, hostCauses), fromLive), findingsToCauses(configFindings));

  // The command that starts each down service again comes first among its cause's fixes.
  for (const c of causes) {
    if (RESTART_CAUSES.has(c.id)) {
      const mine = plans.filter((p) => c.upstreams.length === 0 || c.upstreams.includes(p.target) || hostIncidents.some((i) => i.some((f) => f.upstream === p.target)));
      c.fixes.owner = [...mine.map(restartFix), ...c.fixes.owner.filter((f) => !mine.some((p) => f === restartFix(p)))];
    }
    if (c.id === 'permission-denied' && deniedFixes.size > 0) c.fixes.owner = [...deniedFixes.values(), ...c.fixes.owner];
    const recovered = stats.upstreams.filter((u) => u.state === 'up' && c.upstreams.includes(u.target));
    if (recovered.length > 0 && (c.id === 'upstream-refused' || c.id === 'permission-denied')) {
      c.message = `${c.message ?? ''} Now ${recovered.map((u) => u.target).join(', ')} ${recovered.length > 1 ? 'are' : 'is'} listening again.`.trim();
    }
    // The catalogue's generic fixes speak of systemctl; on a host without systemd they only mislead.
    const withoutSystemctl = c.fixes.owner.filter((f) => !/\bsystemctl\b/.test(f) || plans.some((p) => f === restartFix(p)));
    if (!systemd.available && withoutSystemctl.length > 0) c.fixes.owner = withoutSystemctl;
  }
  causes = rankCauses(causes, catalogue);
  // A refusal whose every upstream listens again is history: what fails now ranks first.
  const past = (c: ReportCause): boolean =>
    (c.id === 'upstream-refused' || c.id === 'permission-denied') && c.upstreams.length > 0 && c.upstreams.every((u) => stats.upstreams.some((s) => s.target === u && s.state === 'up'));
  causes = [...causes.filter((c) => !past(c)), ...causes.filter(past)];

  const targetText = examined.map((x) => `${x.proxy.kind} (pid ${x.proxy.pid}${x.proxy.configPath ? `, ${x.proxy.configPath}` : ''})`).join(', ');
  return finish({ started, causes, errors, notAssessed, stats, target: targetText || 'this host', summary: summarize(examined, causes, plans, stats), logStats: logReport?.stats });
}

/** Read one proxy's config, targets and logs; run the live checks on nginx's. */
async function examine(
  sys: Sys,
  proxy: FoundProxy,
  procs: readonly ProcInfo[],
  masters: readonly FoundFpm[],
  systemd: RestartContext['systemd'],
  initScripts: RestartContext['initScripts'],
  opts: { live: boolean; budget: number; memoryBytes: number | undefined },
  errors: string[],
  notes: string[],
  notAssessed: Report['notAssessed'],
): Promise<Examined> {
  const worker = workerIdentity(sys, procs, proxy.workers.length > 0 ? proxy.workers : [proxy.pid]);
  const out: Examined = { proxy, targets: [], logs: [], findings: [], liveIncidents: [], worker };
  const conf = proxy.configPath;
  if (!conf) {
    notAssessed.push({ need: `${proxy.kind} (pid ${proxy.pid}): its config file (not on its command line, and none at the default places)` });
    return out;
  }
  const readable = sys.readWithError(conf, 1);
  if ('code' in readable) {
    if (readable.code === 'EACCES') notAssessed.push({ need: `${conf}: permission denied: run \`sudo why502 doctor\` to read ${proxy.kind}'s config` });
    else errors.push(`${conf}: cannot read ${proxy.kind}'s config (${readable.code})`);
    return out;
  }
  const path = sys.path(conf);
  if (proxy.kind === 'nginx') {
    const tree = await readNginxConfig(path);
    out.tree = tree;
    const t = nginxTargets(tree);
    out.targets = t.targets;
    notes.push(...t.notes);
    const l = nginxLogs(tree, proxy, sys);
    out.logs = l.logs;
    notes.push(...l.notes);
    // The PHP-FPM config beside nginx's: the one whose pool serves its first socket or port.
    const cands = fpmCandidates(sys, masters, t.targets.map((x) => x.target), systemd, initScripts);
    const fpm = t.targets.map((x) => poolFor(cands, x.target)).find((h) => h !== null) ?? null;
    let live: { targets: LiveTarget[]; incidents: Fact[][] } = { targets: [], incidents: [] };
    if (opts.live) {
      try {
        live = await withDeadline(liveCheck(tree, { timeoutMs: Math.min(15_000, opts.budget) }), opts.budget + 1000, 'live checks');
      } catch (e) {
        errors.push(`live checks: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else {
      notAssessed.push({ need: 'the upstreams probed live, the way nginx reaches them (run without live: false)' });
    }
    const analysis = await analyzeConfigWithTree(path, {
      host: true,
      ...(fpm ? { fpmConfig: sys.path(fpm.cand.configPath) } : {}),
      ...(live.targets.length > 0 ? { live: live.targets } : {}),
      ...(live.incidents.length > 0 ? { liveIncidents: live.incidents } : {}),
    });
    out.findings = analysis.findings;
    out.liveIncidents = live.incidents;
    errors.push(...analysis.report.errors);
    return out;
  }
  const fpmFor = (targets: NamedTarget[]): ConfigSet['fpm'] => {
    const cands = fpmCandidates(sys, masters, targets.map((x) => x.target), systemd, initScripts);
    return targets.map((x) => poolFor(cands, x.target)).find((h) => h !== null)?.cand.parse;
  };
  const env: CheckEnv = { nginxVersion: ASSUMED_NGINX_VERSION, nginxVersionAssumed: true, ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}) };
  if (proxy.kind === 'apache') {
    const parse = parseApacheConfig(path, { defines: proxy.defines, ...(proxy.prefix ? { serverRoot: sys.path(proxy.prefix) } : {}) });
    const t = apacheTargets(parse.model);
    const l = apacheLogs(parse.model);
    out.targets = t.targets;
    out.logs = l.logs;
    notes.push(...l.notes);
    errors.push(...parse.errors.map((e) => `${e.file}:${e.line}: ${e.message}`));
    const fpm = fpmFor(t.targets);
    const r = runChecks({ apache: parse, ...(fpm ? { fpm } : {}) }, env, CONFIG_CHECKS);
    out.findings = r.findings;
    errors.push(...r.errors);
  } else if (proxy.kind === 'haproxy') {
    const parse = parseHaproxyConfig(path);
    if (proxy.configPaths.length > 1) notes.push(`HAProxy runs with ${proxy.configPaths.length} -f files; only ${conf} was read`);
    const t = haproxyTargets(parse.model);
    const l = haproxyLogs(parse.model, sys);
    out.targets = t.targets;
    out.logs = l.logs;
    notes.push(...t.notes, ...l.notes);
    errors.push(...parse.errors.map((e) => `${e.file}:${e.line}: ${e.message}`));
    const fpm = fpmFor(t.targets);
    const r = runChecks({ haproxy: parse, ...(fpm ? { fpm } : {}) }, env, CONFIG_CHECKS);
    out.findings = r.findings;
    errors.push(...r.errors);
  } else {
    const text = sys.read(conf) ?? '';
    if (proxy.adapter && proxy.adapter !== 'caddyfile') notes.push(`Caddy runs with --adapter ${proxy.adapter}: its config was not read`);
    else if (/\.json$/.test(conf)) notes.push(`Caddy runs with a JSON config (${conf}): not read`);
    else {
      const t = caddyfileTargets(text, conf);
      out.targets = t.targets;
      out.logs = t.logs;
      notes.push(...t.notes);
    }
  }
  if (opts.live) notAssessed.push({ need: `live checks of ${proxy.kind}'s upstreams (the live checks read nginx configs only so far)` });
  return out;
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)))]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Read the logs the configs name, for the window; unreadable ones become what to collect. */
async function readLogs(sys: Sys, logs: readonly NamedLog[], since: number, stats: DoctorStats, errors: string[], notAssessed: Report['notAssessed']): Promise<Report | null> {
  const paths: string[] = [];
  for (const l of logs) {
    const r = sys.readWithError(l.path, 1);
    if ('text' in r) {
      paths.push(sys.path(l.path));
      stats.logs.push({ ...l, read: true });
      continue;
    }
    const why = r.code === 'ENOENT' ? 'does not exist' : r.code === 'EACCES' || r.code === 'EPERM' ? 'permission denied' : r.code;
    stats.logs.push({ ...l, read: false, why });
    if (why === 'permission denied') notAssessed.push({ need: `${l.path} (${l.from}): permission denied: run \`sudo why502 doctor\` (or add your user to the adm group) to read it` });
    else if (r.code !== 'ENOENT') errors.push(`${l.path}: cannot read (${r.code})`);
  }
  if (paths.length === 0) {
    notAssessed.push({ need: 'the proxy\'s logs: none of the log files its config names could be read' });
    return null;
  }
  try {
    const report = await diagnoseLogs(paths, { since });
    // An empty log, or one with nothing in the window, is not a failure on a quiet site.
    errors.push(...report.errors.filter((e) => !/empty, nothing to examine$|^nothing to read$/.test(e)));
    // The logs report asks for the upstream's own log and the kernel's: drop that when the doctor read both.
    const upstreamLogRead = stats.logs.some((l) => l.kind === 'php-fpm' && l.read);
    notAssessed.push(...report.notAssessed.filter((n) => !(upstreamLogRead && stats.oomSource !== null && /the upstream's own log/.test(n.need))));
    return report;
  } catch (e) {
    errors.push(`logs: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

/** The php-fpm binary for a config that has no master running (for its version). */
function fpmBinaryGuess(sys: Sys, configPath: string): string | null {
  const v = /\/php\/(\d+\.\d+)\//.exec(configPath)?.[1];
  if (v) return sys.which(`php-fpm${v}`);
  for (const d of ['/usr/local/sbin', '/usr/sbin']) {
    const f = sys
      .list(d)
      .filter((n) => /^php-fpm[\d.]*$/.test(n))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .pop();
    if (f) return `${d}/${f}`;
  }
  return null;
}

/** Incidents judged by the catalogue, like the live checks' in analyze.ts. */
function judge(incidents: readonly Fact[][]): ReportCause[] {
  if (incidents.length === 0) return [];
  const tally = new Tally(catalogue);
  const attributor = new Attributor(indexCauses(catalogue), new DetectorErrors());
  for (const facts of incidents) {
    if (facts.length === 0) continue;
    const a = attributor.attribute({ facts, context: [] });
    if (a) tally.add(a, facts, true);
  }
  return tally.result();
}

/** The host's readings are states, not failed requests: say what they show instead of "N request(s) failed". */
function hostMessage(c: ReportCause, incidents: readonly Fact[][]): ReportCause {
  const mine = incidents.filter((i) => i.some((f) => c.evidence.some((e) => e.text === f.ref.text)));
  const parts = mine.map((i) => {
    const f = i[0];
    if (!f) return '';
    if (f.kind === 'connect-failed') return `Now: ${f.ref.text}${f.errno === 'EACCES' ? ' (connect() fails with EACCES)' : ''}.`;
    return `Now: ${f.detail ?? f.kind}: ${f.ref.text}.`;
  });
  const message = [...new Set(parts.filter(Boolean))].join(' ');
  return message ? { ...c, message } : c;
}

/** One list: a cause found several ways keeps every kind of evidence; ranked by count, then confidence. */
function mergeCauses(a: ReportCause[], b: ReportCause[]): ReportCause[] {
  const out = a.map((c) => ({ ...c, evidence: [...c.evidence], upstreams: [...c.upstreams], fixes: { owner: [...c.fixes.owner], visitor: [...c.fixes.visitor] } }));
  for (const c of b) {
    const same = out.find((x) => x.id === c.id);
    if (!same) {
      out.push({ ...c, evidence: [...c.evidence], upstreams: [...c.upstreams], fixes: { owner: [...c.fixes.owner], visitor: [...c.fixes.visitor] } });
      continue;
    }
    same.count += c.count;
    same.confidence = Math.max(same.confidence, c.confidence);
    same.evidence.push(...c.evidence);
    same.upstreams = [...new Set([...same.upstreams, ...c.upstreams])];
    if (c.message && !(same.message ?? '').includes(c.message)) same.message = `${same.message ?? ''} ${c.message}`.trim();
    // As times, not strings: "…:28.568Z" sorts before "…:28Z".
    if (same.firstSeen === null || (c.firstSeen !== null && Date.parse(c.firstSeen) < Date.parse(same.firstSeen))) same.firstSeen = c.firstSeen;
    if (same.lastSeen === null || (c.lastSeen !== null && Date.parse(c.lastSeen) > Date.parse(same.lastSeen))) same.lastSeen = c.lastSeen;
    // Fixes specific to the evidence (file:line, commands for the upstream) before the generic ones, once each.
    same.fixes.owner = [...new Set([...same.fixes.owner.filter((f) => !isGeneric(same.id, f)), ...c.fixes.owner.filter((f) => !isGeneric(c.id, f)), ...(causeById(same.id)?.meta.fixes.owner ?? [])])];
  }
  return out.sort((x, y) => y.count - x.count || y.confidence - x.confidence);
}

function isGeneric(id: CauseId, fix: string): boolean {
  return causeById(id)?.meta.fixes.owner.includes(fix) ?? false;
}

/** The first owner fix of a down service's cause: the command, and why it is the right one here. */
function restartFix(p: RestartPlan): string {
  return `Start ${p.service} again (it serves ${p.target}): \`${p.command}\`. ${p.because.join(' ')}${p.how === 'systemd' && p.unit ? ` Then \`journalctl -u ${p.unit} -n 50\` says why it stopped.` : ''}`;
}

/** The first owner fix of a socket the workers may not open: who holds it, who must be let in, and how. */
function permissionFix(ctx: RestartContext, s: TargetState, x: Examined): string {
  const path = s.target.replace(/^unix:/, '');
  const user = x.worker ? (x.worker.name ?? userName(ctx.sys, x.worker.uid) ?? `uid ${x.worker.uid}`) : 'the workers\' user';
  const group = x.worker?.gids[0] !== undefined ? (groupName(ctx.sys, x.worker.gids[0]) ?? user) : user;
  const mode = s.socket ? s.socket.mode.toString(8).padStart(4, '0') : '?';
  const owner = s.socket ? `${userName(ctx.sys, s.socket.uid) ?? s.socket.uid}` : '?';
  const hit = poolFor(ctx.fpm, s.target);
  const holder = s.owners[0] ? ` (held by pid ${s.owners[0].pid}: ${s.owners[0].cmdline})` : '';
  if (hit) {
    const plan = planRestart(ctx, s);
    return `${path} is owned by ${owner} with mode ${mode}${holder}; ${x.proxy.kind}'s workers run as ${user}. In PHP-FPM pool [${hit.pool.name}] (${hit.pool.listen?.file ?? hit.pool.file}:${hit.pool.listen?.line ?? hit.pool.line}) set \`listen.owner = ${user}\`, \`listen.group = ${group}\`, \`listen.mode = 0660\`, then restart it${plan ? `: \`${plan.command}\`` : ''}.`;
  }
  return `${path} is owned by ${owner} with mode ${mode}${holder}; ${x.proxy.kind}'s workers run as ${user} and may not connect. Let them in where the socket is created (its owner or mode), or for now: \`setfacl -m u:${user}:rw ${path}\` (lost when the socket is created again).`;
}

function summarize(examined: readonly Examined[], causes: readonly ReportCause[], plans: readonly RestartPlan[], stats: DoctorStats): string {
  const who = examined.map((x) => `${x.proxy.kind} (pid ${x.proxy.pid})`).join(', ');
  const parts: string[] = [];
  const top = causes[0];
  if (top) parts.push(`${who}: ${top.title.charAt(0).toLowerCase()}${top.title.slice(1)}${top.upstreams[0] ? ` (${top.upstreams[0]})` : ''}${causes.length > 1 ? `; ${causes.length - 1} more cause(s)` : ''}.`);
  else parts.push(`${who}: no cause of 502/503/504 found in the config, the logs since ${stats.since} or on the host.`);
  for (const p of plans) parts.push(`${p.service} is down: \`${p.command}\` starts it again.`);
  const down = stats.upstreams.filter((u) => u.state === 'down' && !plans.some((p) => p.target === u.target));
  for (const u of down) parts.push(`${u.target} is down (${u.why}).`);
  const updates = stats.software.filter((s) => s.package?.upgradable);
  if (updates.length > 0) parts.push(`Updates pending: ${updates.map((s) => `${s.package?.name ?? s.name} ${s.package?.candidate ?? ''}`).join(', ')}.`);
  const ngx = stats.software.find((s) => s.name === 'nginx' && s.laterFixes && s.laterFixes.count > 0);
  if (ngx?.laterFixes) parts.push(`nginx ${ngx.version ?? ''}: later releases fixed ${ngx.laterFixes.count} proxy-related bug(s).`);
  return parts.join(' ');
}

function finish(input: { started: number; causes: ReportCause[]; errors: string[]; notAssessed: Report['notAssessed']; stats: DoctorStats; target: string; summary: string; logStats?: ReportStats | undefined }): Report {
  const seen = new Set<string>();
  const notAssessed = input.notAssessed.filter((n) => {
    const k = `${n.cause ?? ''}|${n.need}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const ls = input.logStats;
  const stats: ReportStats & { doctor: DoctorStats } = {
    ...(ls?.linesRead !== undefined ? { linesRead: ls.linesRead } : {}),
    ...(ls?.linesRecognised !== undefined ? { linesRecognised: ls.linesRecognised } : {}),
    ...(ls?.timeRange ? { timeRange: ls.timeRange } : {}),
    ...(ls?.files ? { files: ls.files } : {}),
    ...(ls?.statuses ? { statuses: ls.statuses } : {}),
    ...(ls?.failures ? { failures: ls.failures } : {}),
    durationMs: Date.now() - input.started,
    doctor: input.stats,
  };
  return {
    schemaVersion: 1,
    tool: { name: TOOL.name, version: TOOL.version },
    command: 'doctor',
    target: input.target,
    summary: input.summary,
    causes: input.causes,
    stats,
    notAssessed,
    errors: [...new Set(input.errors)],
  };
}
