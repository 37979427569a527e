/**
 * `why502 config`: read a proxy's configuration (nginx; a PHP-FPM pool config beside it), run every check, and
 * report each finding as a ranked cause whose evidence is the directive at its file:line. Reading the host
 * (socket modes, the open-files limit, memory) happens here, once, so the checks stay pure.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { causeById, causes as catalogue } from '../causes/index.js';
import { Attributor, DetectorErrors, indexCauses } from '../engine/attribute.js';
import { Tally } from '../engine/tally.js';
import type { Fact } from '../evidence/facts.js';
import type { CauseId } from '../causes/types.js';
import type { Report, ReportCause } from '../report/types.js';
import { TOOL } from '../version.js';
import { CONFIG_CHECKS } from './checks/index.js';
import type { CheckEnv, ConfigCheck, ConfigFinding, ConfigSet, LiveTarget } from './checks/types.js';
import { readNginxConfig, type ConfigTree } from './nginx-load.js';
import { parseFpmConfig } from './php-fpm-config.js';

export interface AnalyzeConfigOptions {
  /** The nginx version to assume ("1.22.1"); else `nginx -v`, else Debian 12's. */
  nginxVersion?: string;
  /** A PHP-FPM config (php-fpm.conf or a pool file) to check beside nginx's. */
  fpmConfig?: string;
  /** Read the host (socket owners, limits, memory): default true for files on this host, false for stdin. */
  host?: boolean;
  /** Results of live upstream checks (`--live`), for the checks that compare with measurements. */
  live?: LiveTarget[];
  /** Failures the live checks saw, one group of facts per upstream target, judged by the causes. */
  liveIncidents?: Fact[][];
  /** What the live checks could not probe, or not fully (variables, `down` servers, gRPC connect-only). */
  liveNotes?: string[];
  stdin?: NodeJS.ReadableStream;
}

/** A finding as checks produce it, with the check that made it. */
export interface CheckedFinding extends ConfigFinding {
  check: ConfigCheck;
}

/** The assumed version when none is given and nginx is not installed: Debian 12's. */
export const ASSUMED_NGINX_VERSION = '1.22.1';

/** `nginx -v` prints "nginx version: nginx/1.22.1" on stderr. */
export function installedNginxVersion(): string | null {
  for (const bin of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) {
    try {
      statSync(bin);
    } catch {
      continue;
    }
    try {
      const out = execFileSync(bin, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
      const m = /nginx\/(\d+\.\d+\.\d+)/.exec(out);
      if (m?.[1]) return m[1];
    } catch (e) {
      const err = e as { stderr?: string };
      const m = /nginx\/(\d+\.\d+\.\d+)/.exec(err.stderr ?? '');
      if (m?.[1]) return m[1];
    }
  }
  return null;
}

/** What this host says, for the checks (only read when asked). */
function hostEnv(): Pick<CheckEnv, 'fdLimit' | 'memoryBytes' | 'stat' | 'userIds'> {
  return {
    memoryBytes: totalmem(),
    stat: (path) => {
      try {
        const st = statSync(path);
        return { uid: st.uid, gid: st.gid, mode: st.mode, ...namesOf(st.uid, st.gid) };
      } catch {
        return null;
      }
    },
    userIds: (user) => {
      try {
        const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8', timeout: 2000 }).trim());
        const gids = execFileSync('id', ['-G', user], { encoding: 'utf8', timeout: 2000 }).trim().split(/\s+/).map(Number);
        return Number.isFinite(uid) ? { uid, gids } : null;
      } catch {
        return null;
      }
    },
  };
}

function namesOf(uid: number, gid: number): { user?: string; group?: string } {
  const out: { user?: string; group?: string } = {};
  try {
    out.user = execFileSync('id', ['-nu', String(uid)], { encoding: 'utf8', timeout: 2000 }).trim();
  } catch {
    /* no name */
  }
  try {
    const line = execFileSync('getent', ['group', String(gid)], { encoding: 'utf8', timeout: 2000 }).trim();
    const name = line.split(':')[0];
    if (name) out.group = name;
  } catch {
    /* no name */
  }
  return out;
}

/** Run every check on the configs; findings in check order. */
export function runChecks(configs: ConfigSet, env: CheckEnv, checks: readonly ConfigCheck[] = CONFIG_CHECKS): { findings: CheckedFinding[]; errors: string[] } {
  const findings: CheckedFinding[] = [];
  const errors: string[] = [];
  for (const check of checks) {
    try {
      for (const f of check.check(configs, env)) findings.push({ ...f, check });
    } catch (e) {
      errors.push(`check ${check.meta.id} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { findings, errors };
}

/** Findings as report causes: one per cause, one evidence entry per place, the fix for each place first. */
export function findingsToCauses(findings: readonly CheckedFinding[]): ReportCause[] {
  const byCause = new Map<CauseId, CheckedFinding[]>();
  for (const f of findings) {
    const list = byCause.get(f.check.meta.cause) ?? [];
    list.push(f);
    byCause.set(f.check.meta.cause, list);
  }
  const out: ReportCause[] = [];
  for (const [id, list] of byCause) {
    const cause = causeById(id);
    if (!cause) continue;
    const placeFixes = list.map((f) => `${f.file}:${f.line}: ${f.message}${f.after ? ` Fix:\n${f.before ? `before:\n${f.before}\nafter:\n` : ''}${f.after}` : ''}`);
    out.push({
      id,
      title: cause.meta.title,
      seedCategory: cause.meta.seedCategory,
      confidence: 0.7,
      count: list.length,
      firstSeen: null,
      lastSeen: null,
      upstreams: [],
      evidence: list.map((f) => ({ source: 'config', file: f.file, line: f.line, text: f.text })),
      fixes: { owner: [...placeFixes, ...cause.meta.fixes.owner], visitor: [...cause.meta.fixes.visitor] },
      message: [...new Set(list.map((f) => `${f.check.meta.title}: ${f.message}`))].slice(0, 3).join(' '),
      messageId: list[0]?.check.meta.id ?? id,
    });
  }
  return out.sort((a, b) => b.count - a.count);
}

/** The live checks' failures as causes, judged like the probe's. */
function liveCauses(incidents: readonly Fact[][]): ReportCause[] {
  if (incidents.length === 0) return [];
  const tally = new Tally(catalogue);
  const attributor = new Attributor(indexCauses(catalogue), new DetectorErrors());
  for (const facts of incidents) {
    const a = attributor.attribute({ facts, context: [] });
    if (a) tally.add(a, facts, true);
  }
  return tally.result();
}

/** One list: a cause found both in the config and live keeps both kinds of evidence; ranked by count, then confidence. */
function mergeCauses(a: ReportCause[], b: ReportCause[]): ReportCause[] {
  const out = [...a];
  for (const c of b) {
    const same = out.find((x) => x.id === c.id);
    if (!same) {
      out.push(c);
      continue;
    }
    same.count += c.count;
    same.confidence = Math.max(same.confidence, c.confidence);
    same.evidence.push(...c.evidence);
    same.upstreams = [...new Set([...same.upstreams, ...c.upstreams])];
    if (c.message) same.message = `${same.message ?? ''} ${c.message}`.trim();
  }
  return out.sort((x, y) => y.count - x.count || y.confidence - x.confidence);
}

/**
 * Analyze a configuration: a file, a fragment, `nginx -T` output, or "-" for stdin.
 * @example const report = await analyzeConfig('/etc/nginx/nginx.conf')
 */
export async function analyzeConfig(path: string, options: AnalyzeConfigOptions = {}): Promise<Report> {
  return (await analyzeConfigWithTree(path, options)).report;
}

/** The same, with the parsed tree (for `--dump` and the live checks). */
export async function analyzeConfigWithTree(path: string, options: AnalyzeConfigOptions = {}): Promise<{ report: Report; tree: ConfigTree; findings: CheckedFinding[] }> {
  const started = Date.now();
  const tree = await readNginxConfig(path, options.stdin ? { stdin: options.stdin } : {});
  const configs: ConfigSet = { nginx: tree };
  const errors: string[] = tree.errors.map((e) => `${e.file}:${e.line}: ${e.error}`);
  if (options.fpmConfig) {
    const fpm = parseFpmConfig(options.fpmConfig);
    configs.fpm = fpm;
    errors.push(...fpm.errors.map((e) => `${e.file}:${e.line}: ${e.message}`));
  }
  const installed = options.nginxVersion ? null : installedNginxVersion();
  const version = options.nginxVersion ?? installed ?? ASSUMED_NGINX_VERSION;
  const env: CheckEnv = {
    nginxVersion: version,
    nginxVersionAssumed: !options.nginxVersion && !installed,
    ...(options.host ?? path !== '-' ? hostEnv() : {}),
    ...(options.live ? { live: options.live } : {}),
  };
  const { findings, errors: checkErrors } = runChecks(configs, env);
  errors.push(...checkErrors);
  const fromLive = liveCauses(options.liveIncidents ?? []);
  const causes = mergeCauses(findingsToCauses(findings), fromLive);
  const notes = [...tree.notes.map((n) => `${n.file}:${n.line}: ${n.note}`), ...(options.liveNotes ?? [])];
  const files = tree.files.length;
  const failedTargets = options.liveIncidents?.length ?? 0;
  const lead = causes[0] ? `${causes[0].title.charAt(0).toLowerCase()}${causes[0].title.slice(1)}` : '';
  const live = failedTargets > 0 ? `${failedTargets} upstream target(s) failed the live check (${fromLive.map((c) => c.id).join(', ')})` : '';
  const summary =
    findings.length > 0 || failedTargets > 0
      ? `${[findings.length > 0 ? `${findings.length} setting(s) that risk 502s in ${files} file(s)` : '', live].filter(Boolean).join('; ')}; first: ${lead}. Checked as nginx ${version}${env.nginxVersionAssumed ? ' (assumed: pass --nginx-version)' : ''}.`
      : tree.status === 'failed' && tree.files.length === 0
        ? `Nothing could be read from ${path}.`
        : `No 502-prone setting found in ${files} file(s)${options.live ? `, and every upstream probed answered` : ''} (checked as nginx ${version}${env.nginxVersionAssumed ? ', assumed' : ''}).`;
  const report: Report = {
    schemaVersion: 1,
    tool: { name: TOOL.name, version: TOOL.version },
    command: 'config',
    target: path,
    summary,
    causes,
    stats: { durationMs: Date.now() - started, config: { files, findings: findings.length, nginxVersion: version, nginxVersionAssumed: env.nginxVersionAssumed, notes } },
    notAssessed: options.live ? [] : [{ need: 'the upstreams themselves: `why502 config --live` probes each the way nginx reaches it (header sizes, latency, idle keep-alive close)' }],
    errors,
  };
  return { report, tree, findings };
}
