/** Shared by the probe tests: budgets, timing assertions and a connect-then-request shortcut on loopback. */
import { expect } from 'vitest';
import type { Fact, FactKind } from '../../src/evidence/facts.js';
import { contextFor } from '../../src/probe/budget.js';
import { probeHttp, type HttpOptions, type HttpPartial, type HttpResponse } from '../../src/probe/http.js';
import { probeTcp } from '../../src/probe/tcp.js';
import type { ProbeContext, ProbeResult } from '../../src/probe/types.js';

/** Split "127.0.0.1:port" as raw-server.ts reports it. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/** A context whose deadline is `ms` from now, and a check that the call ended well before `limit` ms. */
export function timed(ms: number): { ctx: ProbeContext; elapsed: () => number } {
  const started = Date.now();
  return { ctx: contextFor(ms), elapsed: () => Date.now() - started };
}

/** The one fact of `kind` in a result (fails the test when absent). */
export function factOf(r: { facts: Fact[] }, kind: FactKind): Fact {
  const f = r.facts.find((x) => x.kind === kind);
  expect(f, `expected a ${kind} fact, got ${JSON.stringify(r.facts.map((x) => [x.kind, x.detail]))}`).toBeDefined();
  return f as Fact;
}

/** Connect to a loopback raw server and send one request; the socket is the prober's to close. */
export async function httpTo(address: string, ctx: ProbeContext, opts: Omit<HttpOptions, 'socket'> = {}, path = '/'): Promise<ProbeResult<HttpResponse, HttpPartial>> {
  const port = portOf(address);
  const tcp = await probeTcp({ address: '127.0.0.1', port }, {}, ctx);
  if (!tcp.ok) throw new Error(`connect failed: ${JSON.stringify(tcp.facts)}`);
  return probeHttp({ host: '127.0.0.1', port, path, secure: false }, { ...opts, socket: tcp.value.socket }, ctx);
}
