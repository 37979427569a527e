/**
 * For an upstream that is down: what should serve it (a PHP-FPM pool whose `listen` matches, a systemd unit
 * that owns the socket or port, a process), and the exact command to start it again the way it runs on this
 * host: `systemctl restart php8.2-fpm` under systemd, else its init script, else its own command line from
 * /proc, else the command line its last known config implies. Reads and asks only; runs nothing that changes.
 */
import { basename, dirname, join } from 'node:path';
import { upstreamTarget } from '../causes/util.js';
import { parseFpmConfig, type FpmListen, type FpmParse, type FpmPool } from '../config/php-fpm-config.js';
import type { FoundFpm, ProcInfo } from './find.js';
import type { TargetState } from './host.js';
import { commandLine, type Sys } from './sys.js';

/** A PHP-FPM config the doctor knows of, and why. */
export interface FpmCandidate {
  configPath: string;
  parse: FpmParse;
  /** "running (pid 812)", "Debian's default", "beside the socket", "systemd unit php8.2-fpm.service". */
  from: string;
  /** The master running it, when one is. */
  master?: FoundFpm;
}

/** A service unit or socket unit as systemd shows it. */
export interface SystemdUnit {
  id: string;
  activeState: string;
  /** argv of each ExecStart= line. */
  execStart: string[][];
  /** Socket units: their Listen= addresses (paths, ports). */
  listen: string[];
  /** Socket units: the services they start. */
  triggers: string[];
  environment: string;
}

export interface SystemdInfo {
  /** systemctl is installed and PID 1 is systemd (the system was booted with it). */
  available: boolean;
  /** Why not, in a few words (for the report). */
  why: string;
  units: SystemdUnit[];
}

/** How a down service is started again here. */
export interface RestartPlan {
  target: string;
  /** What serves the target, for people: "php8.2-fpm.service", "PHP-FPM pool www (/tmp/x/php-fpm.conf)". */
  service: string;
  /** The exact command. */
  command: string;
  how: 'systemd' | 'init.d' | 'process' | 'config';
  /** Why this is the service and the way it runs, one sentence each. */
  because: string[];
  fpm?: { configPath: string; pool: string; file: string; line: number };
  unit?: string;
}

/** What restart planning reads once per doctor run. */
export interface RestartContext {
  sys: Sys;
  procs: readonly ProcInfo[];
  fpm: FpmCandidate[];
  systemd: SystemdInfo;
  /** Init scripts: /etc/init.d/<name> with their text. */
  initScripts: { name: string; path: string; text: string }[];
  /** Whether this doctor runs as root (the command then needs no sudo; PHP-FPM as root needs -R for root pools). */
  asRoot: boolean;
}

const FPM_SYSTEM_CONFS = ['/usr/local/etc/php-fpm.conf', '/etc/php-fpm.conf'];

/**
 * Every PHP-FPM config to consider: the running masters', the distribution's, the ones systemd units and
 * init scripts start, and config files beside the unix sockets the proxy points at (how a PHP-FPM started by
 * hand from a directory of its own is found once it has stopped).
 */
export function fpmCandidates(sys: Sys, masters: readonly FoundFpm[], socketTargets: readonly string[], systemd: SystemdInfo, initScripts: RestartContext['initScripts']): FpmCandidate[] {
  const out: FpmCandidate[] = [];
  const seen = new Set<string>();
  const add = (path: string | null, from: string, master?: FoundFpm): void => {
    if (!path || seen.has(path) || !sys.exists(path)) return;
    seen.add(path);
    const parse = parseFpmConfig(sys.path(path));
    out.push({ configPath: path, parse, from, ...(master ? { master } : {}) });
  };
  for (const m of masters) add(m.configPath, `running (pid ${m.pid})`, m);
  for (const u of systemd.units) for (const argv of u.execStart) if (isFpmBinary(argv[0] ?? '')) add(fpmConfArg(argv) ?? defaultFpmConf(argv[0] ?? ''), `systemd unit ${u.id}`);
  for (const s of initScripts) {
    const conf = initScriptConf(s.text);
    if (conf) add(conf, `init script ${s.path}`);
  }
  for (const v of sys.list('/etc/php').sort()) add(`/etc/php/${v}/fpm/php-fpm.conf`, "the distribution's config");
  for (const p of FPM_SYSTEM_CONFS) add(p, "the distribution's config");
  for (const t of socketTargets) {
    const u = upstreamTarget(t);
    if (u.kind !== 'unix') continue;
    for (const dir of [dirname(u.path), dirname(dirname(u.path))]) {
      if (dir === '/' || dir === '.') continue;
      for (const name of sys.list(dir).sort()) {
        if (!name.endsWith('.conf')) continue;
        const p = join(dir, name);
        const st = sys.stat(p);
        if (!st?.isFile() || st.size > 256 * 1024) continue;
        const text = sys.read(p, 256 * 1024) ?? '';
        if (!/^\s*listen\s*=/m.test(text) && !/^\s*include\s*=/m.test(text)) continue;
        add(p, 'beside the socket');
      }
    }
  }
  return out;
}

function isFpmBinary(p: string): boolean {
  return /(?:^|\/)php-fpm[\d.]*$/.test(p);
}

function fpmConfArg(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '-y' || a === '--fpm-config') return argv[i + 1] ?? null;
    if (a.startsWith('--fpm-config=')) return a.slice('--fpm-config='.length);
  }
  return null;
}

/** Debian builds php-fpmX.Y with --sysconfdir=/etc/php/X.Y/fpm: its default config. */
function defaultFpmConf(binary: string): string | null {
  const v = /php-fpm(\d+\.\d+)$/.exec(binary)?.[1];
  return v ? `/etc/php/${v}/fpm/php-fpm.conf` : null;
}

/** The config an init script starts PHP-FPM with (Debian: CONFFILE=/etc/php/8.2/fpm/php-fpm.conf). */
function initScriptConf(text: string): string | null {
  const m = /^\s*CONFFILE=["']?([^"'\s]+)/m.exec(text) ?? /--fpm-config[ =]["']?([^"'\s$]+)/.exec(text);
  return m?.[1] ?? null;
}

/** Whether a pool's `listen` is this target. */
export function listenMatches(listen: FpmListen, target: string): boolean {
  const t = upstreamTarget(target);
  if (listen.kind === 'unix') return t.kind === 'unix' && t.path === listen.path;
  if (t.kind !== 'tcp' || t.port !== listen.port) return false;
  const h = listen.host;
  if (h === null || h === '0.0.0.0' || h === '::' || h === '*') return true;
  const local = (x: string): string => (x === 'localhost' || x === '::1' ? '127.0.0.1' : x);
  return local(h) === local(t.host);
}

/** The pool that serves a target, in the first config that has one. */
export function poolFor(cands: readonly FpmCandidate[], target: string): { cand: FpmCandidate; pool: FpmPool } | null {
  for (const cand of cands) {
    for (const pool of cand.parse.model.pools) if (pool.listen && listenMatches(pool.listen.value, target)) return { cand, pool };
  }
  return null;
}

/**
 * What systemd knows: whether it runs this system, and its service and socket units with their ExecStart and
 * Listen settings (two `systemctl` calls, each with a timeout).
 */
export async function readSystemd(sys: Sys, timeoutMs = 5000): Promise<SystemdInfo> {
  const systemctl = sys.which('systemctl');
  const pid1 = (sys.read('/proc/1/comm', 256) ?? '').trim();
  if (!systemctl) return { available: false, why: 'systemctl is not installed', units: [] };
  if (!(pid1 === 'systemd' || sys.exists('/run/systemd/system'))) return { available: false, why: `PID 1 is ${pid1 || 'unknown'}, not systemd`, units: [] };
  if (!sys.canExec) return { available: false, why: 'commands are not run for this root', units: [] };
  const list = await sys.exec(systemctl, ['list-units', '--type=service,socket', '--all', '--no-legend', '--plain', '--no-pager'], timeoutMs);
  if (!list || list.code !== 0) return { available: false, why: `systemctl list-units failed${list?.stderr ? `: ${list.stderr.trim().split('\n')[0] ?? ''}` : ''}`, units: [] };
  const ids = list.stdout
    .split('\n')
    .map((l) => l.trim().replace(/^●\s*/, '').split(/\s+/)[0] ?? '')
    .filter((id) => /\.(service|socket)$/.test(id));
  if (ids.length === 0) return { available: true, why: 'systemd runs this system', units: [] };
  const show = await sys.exec(systemctl, ['show', '--no-pager', '-p', 'Id', '-p', 'ActiveState', '-p', 'ExecStart', '-p', 'Listen', '-p', 'Triggers', '-p', 'Environment', '--', ...ids.slice(0, 2000)], timeoutMs);
  if (!show || show.code !== 0) return { available: true, why: 'systemd runs this system (systemctl show failed)', units: ids.map((id) => ({ id, activeState: 'unknown', execStart: [], listen: [], triggers: [], environment: '' })) };
  return { available: true, why: 'systemd runs this system', units: parseSystemctlShow(show.stdout) };
}

/** `systemctl show` output: blocks of Key=Value separated by blank lines. */
export function parseSystemctlShow(text: string): SystemdUnit[] {
  const units: SystemdUnit[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const u: SystemdUnit = { id: '', activeState: '', execStart: [], listen: [], triggers: [], environment: '' };
    for (const line of block.split('\n')) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const k = line.slice(0, eq);
      const v = line.slice(eq + 1);
      if (k === 'Id') u.id = v;
      else if (k === 'ActiveState') u.activeState = v;
      else if (k === 'ExecStart') {
        const m = /argv\[\]=([^;]*)/.exec(v);
        if (m?.[1]) u.execStart.push(m[1].trim().split(/\s+/));
      } else if (k === 'Listen') {
        // "Listen=/run/php/php-fpm.sock (Stream)"; several lines for several listeners.
        const addr = v.replace(/\s*\([^)]*\)\s*$/, '').trim();
        if (addr) u.listen.push(addr);
      } else if (k === 'Triggers') u.triggers.push(...v.split(/\s+/).filter(Boolean));
      else if (k === 'Environment') u.environment = v;
    }
    if (u.id) units.push(u);
  }
  return units;
}

/** Init scripts under /etc/init.d (their text, for the config or socket they name). */
export function readInitScripts(sys: Sys): RestartContext['initScripts'] {
  const out: RestartContext['initScripts'] = [];
  for (const name of sys.list('/etc/init.d').sort()) {
    const path = `/etc/init.d/${name}`;
    const st = sys.stat(path);
    if (!st?.isFile() || (st.mode & 0o111) === 0 || st.size > 256 * 1024) continue;
    out.push({ name, path, text: sys.read(path, 256 * 1024) ?? '' });
  }
  return out;
}

/** The unit name for `systemctl restart` ("php8.2-fpm", not "php8.2-fpm.service"). */
function shortUnit(id: string): string {
  return id.replace(/\.service$/, '');
}

/** A service unit whose ExecStart runs this PHP-FPM config. */
function unitForFpm(systemd: SystemdInfo, configPath: string): SystemdUnit | null {
  for (const u of systemd.units) {
    if (!u.id.endsWith('.service')) continue;
    for (const argv of u.execStart) {
      if (!isFpmBinary(argv[0] ?? '')) continue;
      if ((fpmConfArg(argv) ?? defaultFpmConf(argv[0] ?? '')) === configPath) return u;
    }
  }
  return null;
}

/** The service a socket unit listening on the target starts, or a service whose command line names it. */
function unitForTarget(systemd: SystemdInfo, target: string): { unit: SystemdUnit; why: string } | null {
  const t = upstreamTarget(target);
  const needle = t.kind === 'unix' ? t.path : t.kind === 'tcp' ? String(t.port) : t.name;
  for (const u of systemd.units) {
    if (!u.id.endsWith('.socket')) continue;
    const hit = u.listen.find((l) => (t.kind === 'unix' ? l === t.path : t.kind === 'tcp' ? new RegExp(`(^|:)${t.port}$`).test(l) : false));
    if (!hit) continue;
    const svc = systemd.units.find((s) => u.triggers.includes(s.id)) ?? null;
    return svc ? { unit: svc, why: `socket unit ${u.id} listens on ${hit} and starts ${svc.id}` } : { unit: u, why: `socket unit ${u.id} listens on ${hit}` };
  }
  const pattern = t.kind === 'unix' ? null : new RegExp(`(?:^|[^\\d])${needle}(?:$|[^\\d])`);
  for (const u of systemd.units) {
    if (!u.id.endsWith('.service')) continue;
    const text = `${u.execStart.map((a) => a.join(' ')).join(' ')} ${u.environment}`;
    if (t.kind === 'unix' ? text.includes(needle) : pattern?.test(text) && /port|listen|bind|:\d/i.test(text)) return { unit: u, why: `the unit's command line or environment names ${needle}` };
  }
  return null;
}

/** An init script for this PHP-FPM config (it names the config, or is Debian's for that version). */
function initScriptForFpm(scripts: RestartContext['initScripts'], configPath: string): RestartContext['initScripts'][number] | null {
  for (const s of scripts) {
    if (!/php.*fpm/.test(s.name)) continue;
    if (initScriptConf(s.text) === configPath) return s;
  }
  return null;
}

/** The php-fpm binary for a config: the version its path names (/etc/php/8.2/…), else the newest installed. */
function fpmBinaryFor(sys: Sys, configPath: string, cand?: FpmCandidate): string {
  if (cand?.master?.binary) return cand.master.binary;
  const v = /\/php\/(\d+\.\d+)\//.exec(configPath)?.[1];
  if (v) {
    const b = sys.which(`php-fpm${v}`);
    if (b) return b;
  }
  for (const d of ['/usr/local/sbin', '/usr/sbin']) {
    const found = sys
      .list(d)
      .filter((f) => /^php-fpm[\d.]*$/.test(f))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .pop();
    if (found) return join(d, found);
  }
  return 'php-fpm';
}

/** A process whose command line names the target (the socket path, or the port as a word). */
function processNaming(procs: readonly ProcInfo[], target: string): ProcInfo | null {
  const t = upstreamTarget(target);
  if (t.kind === 'name') return null;
  const needle = t.kind === 'unix' ? t.path : String(t.port);
  for (const p of procs) {
    if (p.pid === process.pid) continue;
    const text = p.argv.join(' ');
    if (t.kind === 'unix' ? text.includes(needle) : new RegExp(`(?:[:= ]|^)${needle}(?:\\s|$)`).test(text)) return p;
  }
  return null;
}

/** Stop a running process and start it again with its command line. */
function replaceProcess(pid: number, signal: string, start: string): string {
  return `kill -${signal} ${pid}; while kill -0 ${pid} 2>/dev/null; do sleep 0.2; done; ${start}`;
}

/**
 * The way to start what serves a target again here, or null when nothing on this host says what serves it.
 * `state` is what the host says about the target (down, or denied: then the plan applies a changed config).
 * @example (await planRestart(ctx, state))?.command // 'systemctl restart php8.2-fpm'
 */
export function planRestart(ctx: RestartContext, state: Pick<TargetState, 'target' | 'owners'>): RestartPlan | null {
  const { sys, systemd } = ctx;
  const found = poolFor(ctx.fpm, state.target);
  if (found) {
    const { cand, pool } = found;
    const listen = pool.listen;
    const fpm = { configPath: cand.configPath, pool: pool.name, file: listen?.file ?? pool.file, line: listen?.line ?? pool.line };
    const because = [`PHP-FPM pool [${pool.name}] listens on ${listen?.raw ?? state.target} (${fpm.file}:${fpm.line}); its config is ${cand.configPath} (found: ${cand.from}).`];
    if (systemd.available) {
      const unit = unitForFpm(systemd, cand.configPath);
      if (unit) {
        return { target: state.target, service: unit.id, command: `systemctl restart ${shortUnit(unit.id)}`, how: 'systemd', because: [...because, `systemd runs it as ${unit.id} (${unit.activeState}).`], fpm, unit: unit.id };
      }
    }
    const script = initScriptForFpm(ctx.initScripts, cand.configPath);
    if (script) {
      return { target: state.target, service: script.name, command: `${script.path} restart`, how: 'init.d', because: [...because, `${script.path} starts PHP-FPM with that config${systemd.available ? '' : ` (no systemd here: ${systemd.why})`}.`], fpm };
    }
    const bin = fpmBinaryFor(sys, cand.configPath, cand);
    const foreground = cand.parse.model.global.daemonize?.value === false;
    const needsRoot = ctx.asRoot && cand.parse.model.pools.some((p) => !p.user);
    const start = commandLine([bin, ...(foreground ? ['--nodaemonize'] : []), '--fpm-config', cand.configPath, ...(needsRoot ? ['--allow-to-run-as-root'] : [])]);
    const why = systemd.available ? 'no systemd unit or init script starts that config' : `no systemd here (${systemd.why}) and no init script starts that config`;
    if (cand.master && sys.exists(`/proc/${cand.master.pid}`)) {
      return {
        target: state.target,
        service: `PHP-FPM pool ${pool.name} (${cand.configPath})`,
        command: replaceProcess(cand.master.pid, 'QUIT', start),
        how: 'process',
        because: [...because, `Its master still runs as pid ${cand.master.pid} but does not serve ${state.target}: stop it gracefully and start it again (${why}).`],
        fpm,
      };
    }
    return {
      target: state.target,
      service: `PHP-FPM pool ${pool.name} (${cand.configPath})`,
      command: start,
      how: 'config',
      because: [...because, `No PHP-FPM master runs that config now; ${why}: start it as that config says${foreground ? ' (daemonize = no: it stays in the foreground, as it ran here)' : ''}.`],
      fpm,
    };
  }
  if (systemd.available) {
    const hit = unitForTarget(systemd, state.target);
    if (hit) {
      const id = hit.unit.id.endsWith('.socket') ? hit.unit.id : shortUnit(hit.unit.id);
      return { target: state.target, service: hit.unit.id, command: `systemctl restart ${id}`, how: 'systemd', because: [`${hit.why}.`], unit: hit.unit.id };
    }
  }
  const t = upstreamTarget(state.target);
  const needle = t.kind === 'unix' ? t.path : t.kind === 'tcp' ? `:${t.port}` : null;
  if (needle) {
    const script = ctx.initScripts.find((s) => s.text.includes(needle));
    if (script) return { target: state.target, service: script.name, command: `${script.path} restart`, how: 'init.d', because: [`${script.path} names ${needle}.`] };
  }
  const owner = state.owners[0];
  const proc = owner ? (ctx.procs.find((p) => p.pid === owner.pid) ?? null) : processNaming(ctx.procs, state.target);
  if (proc && proc.argv.length > 0) {
    return {
      target: state.target,
      service: `${proc.comm} (pid ${proc.pid})`,
      command: replaceProcess(proc.pid, 'TERM', commandLine(proc.argv)),
      how: 'process',
      because: [`pid ${proc.pid} (${basename(proc.argv[0] ?? proc.comm)}) ${owner ? 'holds the socket' : `names ${state.target} on its command line`}: its own command line, read from /proc/${proc.pid}/cmdline.`],
    };
  }
  return null;
}
