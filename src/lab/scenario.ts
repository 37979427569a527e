/**
 * A lab scenario is a proxy in front of a fault: start both on loopback, send the fault's traffic, stop both,
 * and diagnose the logs they wrote with why502's own log reader. Processes never outlive a run.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { CauseId } from '../causes/types.js';
import { diagnoseLogs } from '../logs/diagnose.js';
import { probeUrl } from '../probe/probe-url.js';
import type { Report } from '../report/types.js';
import { makeCa, type KeyPair } from './certs.js';
import { faults } from './faults/index.js';
import { expectedCause, type Fault, type FaultEnv, type Upstream } from './faults/types.js';
import { launchers, NotApplicable, PROXY_KINDS, type ProxyKind, type RunningProxy } from './launchers/index.js';
import { sendTraffic, type RequestResult } from './traffic.js';

const DEFAULT_TRAFFIC = {
  requests: [
    { method: 'GET' as const, path: '/' },
    { method: 'GET' as const, path: '/?page=2&token=s3cr3t' },
    { method: 'POST' as const, path: '/form', body: 'a=1' },
  ],
};

export interface Scenario {
  proxy: ProxyKind;
  fault: Fault;
  /** Why this proxy cannot produce this fault, when it cannot. */
  notApplicable?: string;
}

/** Every proxy × fault, with the reason where a combination is not applicable. */
export function scenarios(filter: { proxy?: string; fault?: string } = {}): Scenario[] {
  const out: Scenario[] = [];
  for (const proxy of PROXY_KINDS) {
    if (filter.proxy && filter.proxy !== proxy) continue;
    for (const fault of faults) {
      if (filter.fault && filter.fault !== fault.name) continue;
      const na = fault.notFor?.[proxy];
      out.push(na ? { proxy, fault, notApplicable: na } : { proxy, fault });
    }
  }
  return out;
}

export interface ScenarioResult {
  proxy: ProxyKind;
  fault: string;
  title: string;
  expected: CauseId;
  /** Why the expected cause differs from the fault's own for this proxy (its logs cannot tell them apart). */
  expectedWhy?: string;
  /** ok: the top cause is the expected one; wrong: it is not; the others did not get to a diagnosis. */
  outcome: 'ok' | 'wrong' | 'not-applicable' | 'missing-proxy' | 'error';
  reason?: string;
  diagnosed?: { cause: CauseId | null; count: number; confidence: number; evidence?: string };
  /** What the clients got: status codes, or the error for requests that got none. */
  responses: string[];
  /** The proxy refused to start (part of some faults). */
  startError?: string;
  /** What `why502 URL` saw from outside: the status, the hop it names as the emitter, its top cause. */
  probe?: { status: number | null; emitter: string | null; cause?: string };
  ms: number;
}

/** A started scenario, for `lab up`: running until stopped. */
export interface LiveScenario {
  proxy: RunningProxy;
  upstream: Upstream;
  dir: string;
  logs: string[];
  stop(): Promise<void>;
}

/**
 * Start a scenario's upstream and proxy and leave them running.
 * @example const live = await startScenario('nginx', faultByName('refuse')!); ...; await live.stop();
 */
export async function startScenario(kind: ProxyKind, fault: Fault, opts: { baseDir?: string; ca?: KeyPair } = {}): Promise<LiveScenario> {
  const dir = await mkdtemp(join(opts.baseDir ?? tmpdir(), `why502-lab-${kind}-${fault.name}-`));
  // Like /run/php: the proxy's workers may traverse it; faults set modes on what is inside.
  await chmod(dir, 0o755);
  let ca = opts.ca;
  const env: FaultEnv = { dir, proxy: kind, ca: async () => (ca ??= await makeCa(join(dir, 'ca'))) };
  const upstream = await fault.start(env);
  let proxy: RunningProxy;
  try {
    proxy = await launchers[kind].launch({ dir, target: upstream.target });
  } catch (e) {
    await upstream.stop();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const stop = async (): Promise<void> => {
    await proxy.stop();
    await upstream.stop();
  };
  return { proxy, upstream, dir, logs: [...proxy.logs, ...(upstream.logs ?? [])], stop };
}

/** Copies of the logs cut where the traffic's lines ended (same file names, in `dir`). */
async function logPrefixes(logs: string[], sizes: number[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (const [i, log] of logs.entries()) {
    const copy = join(dir, `${i}-${basename(log)}`);
    const data = await readFile(log).catch(() => Buffer.alloc(0));
    await writeFile(copy, data.subarray(0, sizes[i] ?? data.length));
    out.push(copy);
  }
  return out;
}

/**
 * Run one scenario: start, send traffic, stop, diagnose the logs, compare with the expected cause.
 * @example const r = await runScenario('nginx', faultByName('refuse')!); r.outcome === 'ok'
 */
export async function runScenario(kind: ProxyKind, fault: Fault, opts: { keep?: boolean; baseDir?: string; ca?: KeyPair; onReport?: (r: Report) => void } = {}): Promise<ScenarioResult> {
  const started = Date.now();
  const expected = expectedCause(fault, kind);
  const base = { proxy: kind, fault: fault.name, title: fault.title, expected, ...(fault.expectFor?.[kind] ? { expectedWhy: fault.expectFor[kind].why } : {}), responses: [] as string[] };
  const na = fault.notFor?.[kind];
  if (na) return { ...base, outcome: 'not-applicable', reason: na, ms: 0 };
  if (!launchers[kind].binary()) return { ...base, outcome: 'missing-proxy', reason: `${kind} is not installed (apt-get install ${launchers[kind].package})`, ms: 0 };
  let live: LiveScenario;
  try {
    live = await startScenario(kind, fault, opts);
  } catch (e) {
    if (e instanceof NotApplicable) return { ...base, outcome: 'not-applicable', reason: e.message, ms: Date.now() - started };
    return { ...base, outcome: 'error', reason: e instanceof Error ? e.message : String(e), ms: Date.now() - started };
  }
  let results: RequestResult[] = [];
  let probe: ScenarioResult['probe'];
  let logSizes: number[] | null = null;
  try {
    results = await sendTraffic(live.proxy.url, fault.traffic ?? DEFAULT_TRAFFIC);
    // Proxies write the log line when a request ends; give the last ones a moment to land, then note how far the
    // traffic's lines go: the probe below adds its own requests, which must not change what the logs show.
    await new Promise((r) => setTimeout(r, 150));
    logSizes = await Promise.all(live.logs.map(async (l) => (await stat(l).catch(() => null))?.size ?? 0));
    // The outside view as well: which hop the prober says answered, while the scenario still runs.
    if (!live.proxy.startError) {
      const p = await probeUrl(live.proxy.url, { attempts: 1, timeoutMs: 5000 });
      const emitted = p.chain?.find((h) => h.emitted);
      const status = p.stats.probe?.attempts[0]?.status ?? null;
      probe = { status, emitter: emitted?.layer ?? null, ...(p.causes[0] ? { cause: p.causes[0].id } : {}) };
    }
  } finally {
    await live.stop();
  }
  try {
    const report = await diagnoseLogs(logSizes ? await logPrefixes(live.logs, logSizes, join(live.dir, 'diagnosed')) : live.logs);
    opts.onReport?.(report);
    const top = report.causes[0];
    const ev = top?.evidence[0];
    const out: ScenarioResult = {
      ...base,
      responses: results.map((r) => (r.status !== null ? String(r.status) : `(${r.error ?? 'no answer'})`)),
      outcome: top?.id === expected ? 'ok' : 'wrong',
      diagnosed: { cause: top?.id ?? null, count: top?.count ?? 0, confidence: top?.confidence ?? 0, ...(ev ? { evidence: `${ev.file?.split('/').pop() ?? ''}:${ev.line ?? ''} ${ev.text.slice(0, 160)}` } : {}) },
      ms: Date.now() - started,
    };
    if (probe) out.probe = probe;
    if (live.proxy.startError) out.startError = live.proxy.startError;
    return out;
  } finally {
    if (!opts.keep) await rm(live.dir, { recursive: true, force: true });
  }
}

/** Run scenarios, `concurrency` at a time, keeping the list order in the results. */
export async function runMatrix(list: Scenario[], opts: { concurrency?: number; onResult?: (r: ScenarioResult) => void } = {}): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = new Array<ScenarioResult>(list.length);
  let next = 0;
  // One CA for the whole run: minting it per scenario costs openssl calls.
  const caDir = await mkdtemp(join(tmpdir(), 'why502-lab-ca-'));
  const ca = await makeCa(caDir);
  const worker = async (): Promise<void> => {
    for (let i = next++; i < list.length; i = next++) {
      const s = list[i] as Scenario;
      const r = await runScenario(s.proxy, s.fault, { ca });
      out[i] = r;
      opts.onResult?.(r);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
  } finally {
    await rm(caDir, { recursive: true, force: true });
  }
  return out;
}
