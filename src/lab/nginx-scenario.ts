/** Runs one fault behind a real nginx: start the upstream and nginx, send the traffic, stop everything, keep the logs. */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCa, type KeyPair } from './certs.js';
import type { Fault, FaultEnv } from './faults/types.js';
import { launchNginx } from './launchers/nginx.js';
import type { RunningProxy } from './launchers/types.js';
import { sendTraffic, type RequestResult } from './traffic.js';

export interface ScenarioRun {
  fault: Fault;
  dir: string;
  proxy: RunningProxy | null;
  /** Why nginx cannot produce this fault, when it cannot. */
  notApplicable?: string;
  results: RequestResult[];
  /** Remove the scenario's directory (logs included). */
  cleanup(): Promise<void>;
}

const DEFAULT_TRAFFIC = { requests: [{ method: 'GET' as const, path: '/' }, { method: 'GET' as const, path: '/?page=2&token=s3cr3t' }, { method: 'POST' as const, path: '/form', body: 'a=1' }] };

/**
 * Run a fault behind nginx and return where its logs are. Processes are stopped before this returns.
 * @example const run = await runNginxScenario(faultByName('refuse')!); // then read run.proxy.logs.error
 */
export async function runNginxScenario(fault: Fault, opts: { baseDir?: string; sharedCa?: KeyPair } = {}): Promise<ScenarioRun> {
  const dir = await mkdtemp(join(opts.baseDir ?? tmpdir(), `why502-${fault.name}-`));
  // Like /run/php: the proxy's workers (nobody/www-data) may traverse it; faults set modes on what is inside.
  await chmod(dir, 0o755);
  let ca: KeyPair | undefined = opts.sharedCa;
  const env: FaultEnv = { dir, ca: async () => (ca ??= await makeCa(join(dir, 'ca'))) };
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const upstream = await fault.start(env);
  let proxy: RunningProxy | null = null;
  try {
    const piece = fault.nginx(upstream);
    if (typeof piece === 'string') return { fault, dir, proxy: null, notApplicable: piece, results: [], cleanup };
    const spec: Parameters<typeof launchNginx>[0] = { dir, server: `location / {\n    ${piece.location}\n  }`, allowStartFailure: true };
    if (piece.http) spec.http = piece.http;
    if (piece.workerConnections) spec.workerConnections = piece.workerConnections;
    proxy = await launchNginx(spec);
    const results = proxy.startError ? [] : await sendTraffic(proxy.url, fault.traffic ?? DEFAULT_TRAFFIC);
    // nginx writes the access-log line when the request ends; give the last ones a moment to land.
    await new Promise((r) => setTimeout(r, 100));
    return { fault, dir, proxy, results, cleanup };
  } finally {
    await proxy?.stop();
    await upstream.stop();
  }
}
