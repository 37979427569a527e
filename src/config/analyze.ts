/**
 * `why502 config`: read a proxy's configuration (nginx by default; HAProxy and Apache httpd when the input is one
 * of theirs, or with `kind`; a PHP-FPM pool config beside it), run every check that reads it, and report each
 * finding as a ranked cause whose evidence is the directive at its file:line. Reading the host (socket modes, the
 * open-files limit, memory) happens here, once, so the checks stay pure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { causeById, causes as catalogue } from '../causes/index.js';
import { Attributor, DetectorErrors, indexCauses } from '../engine/attribute.js';
import { Tally } from '../engine/tally.js';
import type { Fact } from '../evidence/facts.js';
import type { CauseId } from '../causes/types.js';
import type { Report, ReportCause } from '../report/types.js';
import { TOOL } from '../version.js';
import { parseApacheConfig } from './apache-config.js';
import { CONFIG_CHECKS } from './checks/index.js';
import type { CheckEnv, ConfigCheck, ConfigFinding, ConfigSet, LiveTarget } from './checks/types.js';
import { parseHaproxyConfig } from './haproxy-config.js';
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
  /** Read the input as this kind of config; default: detected from its name and content, else nginx. */
  kind?: ConfigKind;
}

/** The configs `why502 config` reads. */
export const CONFIG_KINDS = ['nginx', 'haproxy', 'apache'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];

const HAPROXY_LABEL = 'HAProxy';
const KIND_LABEL: Record<ConfigKind, string> = { nginx: 'nginx', haproxy: HAPROXY_LABEL, apache: 'Apache httpd' };

// HAProxy: a section keyword at column 0 with its name and no nginx-style ";" or "{" ("listen 80;" is nginx's).
const HAPROXY_SECTION = /^(?:(?:global|defaults)(?:[ \t]+[^\s;{]+)*|(?:frontend|backend|listen)[ \t]+[^\s;{]+(?:[ \t]+[^\s;{]+)*)[ \t]*(?:#.*)?$/m;
// Apache: its section tags and the directives that only httpd has (nginx writes load_module, proxy_pass).
const APACHE_MARKERS = /^[ \t]*(?:<(?:VirtualHost|Directory|Location|LocationMatch|IfModule|Proxy|FilesMatch|Files)\b|(?:ProxyPass|ProxyPassMatch|ProxyPassReverse|ServerRoot|LoadModule|DocumentRoot|BalancerMember)[ \t])/im;

/**
 * Which kind of config a text is, and why; nginx unless HAProxy sections or Apache directives show.
 * @example detectConfigKind('backend app\n    server a 10.0.0.1:80\n', 'haproxy.cfg').kind // 'haproxy'
 */
export function detectConfigKind(text: string, name: string): { kind: ConfigKind; why: string } {
  const base = basename(name).toLowerCase();
  if (/^(?:apache2|httpd)\.conf$/.test(base)) return { kind: 'apache', why: `its name, ${base}` };
  // `nginx -T` output names its files; it is nginx's whatever else it holds.
  if (/^# configuration file \S+:$/m.test(text) || /^nginx: the configuration file /m.test(text)) return { kind: 'nginx', why: 'nginx -T output' };
  const marker = APACHE_MARKERS.exec(text);
  if (marker) return { kind: 'apache', why: `the directive ${marker[0].trim()}` };
  const section = HAPROXY_SECTION.exec(text);
  if (section) return { kind: 'haproxy', why: `a "${section[0].trim().split(/\s+/).slice(0, 2).join(' ')}" section at column 0` };
  if (base.endsWith('.cfg')) return { kind: 'haproxy', why: 'its .cfg extension' };
  return { kind: 'nginx', why: 'the default' };
}

/** The first 64 KiB of a file (or of the first *.cfg / *.conf of a directory), for detection; null when unreadable. */
function head(path: string): { text: string; name: string } | null {
  let file = path;
  try {
    if (statSync(path).isDirectory()) {
      const names = readdirSync(path).sort();
      // `haproxy -f dir` reads the directory's *.cfg files; nginx and httpd take a file.
      const cfg = names.find((n) => n.endsWith('.cfg'));
      if (!cfg) return null;
      file = `${path}/${cfg}`;
    }
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, 0);
      return { text: buf.subarray(0, n).toString('utf8'), name: file };
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/**
 * Why the input cannot be a config at all (missing, a directory nginx or httpd cannot read, empty, binary), or null.
 * Said before parsing, so that nothing is reported as "no 502-prone setting found".
 */
function inputProblem(path: string, stdinText: string | null, sample: { text: string } | null, kind: ConfigKind): string | null {
  const text = stdinText ?? sample?.text ?? null;
  if (stdinText === null && path !== '-') {
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
      return code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied (run with sudo)' : `cannot be read (${code})`;
    }
    if (st.isDirectory() && (kind !== 'haproxy' || sample === null)) return 'a directory: give the main config file (nginx.conf, apache2.conf, haproxy.cfg); a directory of *.cfg files is read as HAProxy\'s';
    if (st.isFile() && st.size === 0) return 'empty: nothing to check';
    if (st.isFile() && sample === null) return 'cannot be read';
  }
  if (text === null) return null;
  if (text.includes('\u0000')) return 'binary data, not a config';
  if (stdinText !== null && stdinText.trim() === '') return 'empty: nothing to check';
  return null;
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
    // nginx -v prints "nginx version: nginx/1.22.1" on stderr and exits 0: read both streams.
    const r = spawnSync(bin, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    const m = /nginx\/(\d+\.\d+\.\d+)/.exec(`${r.stdout ?? ''}\n${r.stderr ?? ''}`);
    if (m?.[1]) return m[1];
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
    const id = f.cause ?? f.check.meta.cause;
    const list = byCause.get(id) ?? [];
    list.push(f);
    byCause.set(id, list);
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
      // A setting that fails every request (a plain port spoken TLS to, a socket nobody may open) before one that
      // risks failures under some condition (a reload, an idle race).
      confidence: list.some((f) => f.check.meta.certain === true) ? 0.9 : 0.7,
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

/** Failures the live checks saw, judged by the catalogue; messages count live checks, not requests. */
export function liveCauses(incidents: readonly Fact[][]): ReportCause[] {
  if (incidents.length === 0) return [];
  const tally = new Tally(catalogue);
  const attributor = new Attributor(indexCauses(catalogue), new DetectorErrors());
  for (const facts of incidents) {
    const a = attributor.attribute({ facts, context: [] });
    if (a) tally.add(a, facts, true);
  }
  // The causes' messages count failed requests; here each is a probe of one upstream target.
  return tally.result().map((c) => (c.message ? { ...c, message: c.message.replace(/\b(\d+) request\(s\) failed\b/g, '$1 live check(s) failed') } : c));
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
  // Config findings: certain failures first (confidence), then how many places.
  return out.sort((x, y) => y.confidence - x.confidence || y.count - x.count);
}

/**
 * Analyze a configuration: a file, a fragment, `nginx -T` output, or "-" for stdin.
 * @example const report = await analyzeConfig('/etc/nginx/nginx.conf')
 */
export async function analyzeConfig(path: string, options: AnalyzeConfigOptions = {}): Promise<Report> {
  return (await analyzeConfigWithTree(path, options)).report;
}

/** What analyzeConfigWithTree returns: the report, nginx's tree (null for the other kinds), the findings, the kind. */
export interface ConfigAnalysis {
  report: Report;
  tree: ConfigTree | null;
  findings: CheckedFinding[];
  kind: ConfigKind;
  /** Files read; 0 when nothing could be. */
  files: number;
}

/** The same, with the parsed tree (for `--dump` and the live checks). */
export async function analyzeConfigWithTree(path: string, options: AnalyzeConfigOptions = {}): Promise<ConfigAnalysis> {
  const started = Date.now();
  let stdin = options.stdin;
  let stdinText: string | null = null;
  if (path === '-' && (options.kind === undefined || options.kind !== 'nginx')) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin ?? process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    stdinText = Buffer.concat(chunks).toString('utf8');
    stdin = Readable.from([stdinText]);
  }
  const sample = stdinText !== null ? { text: stdinText, name: '-' } : head(path);
  const detected = options.kind ? { kind: options.kind, why: '--kind' } : sample ? detectConfigKind(sample.text, sample.name) : { kind: 'nginx' as const, why: 'the default' };
  const kind = detected.kind;
  const problem = inputProblem(path, stdinText, sample, kind);
  if (problem !== null) {
    const report: Report = {
      schemaVersion: 1,
      tool: { name: TOOL.name, version: TOOL.version },
      command: 'config',
      target: path === '-' ? 'standard input' : path,
      summary: `Nothing could be read from ${path === '-' ? 'standard input' : path}: ${problem}.`,
      causes: [],
      stats: { durationMs: Date.now() - started, config: { kind, files: 0, findings: 0, nginxVersion: options.nginxVersion ?? ASSUMED_NGINX_VERSION, nginxVersionAssumed: options.nginxVersion === undefined, notes: [] } },
      notAssessed: [],
      errors: [`${path === '-' ? 'standard input' : path}: ${problem}`],
    };
    return { report, tree: null, findings: [], kind, files: 0 };
  }
  const configs: ConfigSet = {};
  const errors: string[] = [];
  const notes: string[] = [];
  let tree: ConfigTree | null = null;
  let files = 0;
  if (kind === 'nginx') {
    tree = await readNginxConfig(path, stdin ? { stdin } : {});
    configs.nginx = tree;
    errors.push(...tree.errors.map((e) => `${e.file}:${e.line}: ${e.error}`));
    notes.push(...tree.notes.map((n) => `${n.file}:${n.line}: ${n.note}`));
    files = tree.files.length;
  } else {
    const input = stdinText !== null ? { name: '-', text: stdinText } : path;
    const parse = kind === 'haproxy' ? parseHaproxyConfig(input) : parseApacheConfig(input);
    if (parse.model.files.length > 0 || stdinText !== null) notes.push(`read as ${KIND_LABEL[kind]} config (${detected.why}); pass --kind nginx|haproxy|apache to choose`);
    if (kind === 'haproxy') configs.haproxy = parse as ReturnType<typeof parseHaproxyConfig>;
    else configs.apache = parse as ReturnType<typeof parseApacheConfig>;
    errors.push(...parse.errors.map((e) => `${e.file}:${e.line}: ${e.message}`));
    notes.push(...parse.notes.map((n) => `${n.file}:${n.line}: ${n.message}`));
    files = parse.model.files.length;
  }
  if (options.fpmConfig) {
    const fpm = parseFpmConfig(options.fpmConfig);
    configs.fpm = fpm;
    errors.push(...fpm.errors.map((e) => `${e.file}:${e.line}: ${e.message}`));
  }
  // The nginx version matters to nginx's checks only; for the other kinds it is reported as assumed.
  const installed = options.nginxVersion || kind !== 'nginx' ? null : installedNginxVersion();
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
  notes.push(...(options.liveNotes ?? []));
  const failedTargets = options.liveIncidents?.length ?? 0;
  const lead = causes[0] ? `${causes[0].title.charAt(0).toLowerCase()}${causes[0].title.slice(1)}` : '';
  const live = failedTargets > 0 ? `${failedTargets} upstream target(s) failed the live check (${fromLive.map((c) => c.id).join(', ')})` : '';
  const checkedAs = kind === 'nginx' ? `nginx ${version}${env.nginxVersionAssumed ? ' (assumed: pass --nginx-version)' : ''}` : `${KIND_LABEL[kind]} config (${detected.why})`;
  const unread = kind === 'nginx' ? tree?.status === 'failed' && files === 0 : files === 0;
  const summary =
    findings.length > 0 || failedTargets > 0
      ? `${[findings.length > 0 ? `${findings.length} setting(s) that risk 502s in ${files} file(s)` : '', live].filter(Boolean).join('; ')}; first: ${lead}. Checked as ${checkedAs}.`
      : unread
        ? `Nothing could be read from ${path}.`
        : kind === 'nginx'
          ? `No 502-prone setting found in ${files} file(s)${options.live ? `, and every upstream probed answered` : ''} (checked as nginx ${version}${env.nginxVersionAssumed ? ', assumed' : ''}).`
          : `No 502-prone setting found in ${files} file(s) (read as ${KIND_LABEL[kind]} config, by ${detected.why}).`;
  const report: Report = {
    schemaVersion: 1,
    tool: { name: TOOL.name, version: TOOL.version },
    command: 'config',
    target: path,
    summary,
    causes,
    stats: { durationMs: Date.now() - started, config: { kind, files, findings: findings.length, nginxVersion: version, nginxVersionAssumed: env.nginxVersionAssumed, notes } },
    notAssessed: options.live
      ? []
      : kind === 'nginx'
        ? [{ need: 'the upstreams themselves: `why502 config --live` probes each the way nginx reaches it (header sizes, latency, idle keep-alive close)' }]
        : [{ need: `the upstreams themselves: --live probes nginx's upstreams only so far; \`why502 doctor\` on the ${KIND_LABEL[kind]} host reads its config and listeners` }],
    errors,
  };
  return { report, tree, findings, kind, files };
}
