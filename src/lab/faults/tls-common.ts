/** Shared by the TLS faults: a TLS upstream with a given certificate, verified by the proxy against the lab CA. */
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';
import { makeLeaf, type LeafOptions } from '../certs.js';
import { okResponse, tlsServer } from './raw-server.js';
import type { FaultEnv, Upstream } from './types.js';

/** Start a TLS upstream whose certificate is made by `leaf`; the proxy verifies it as "localhost". */
export async function verifiedTlsUpstream(env: FaultEnv, name: string, leaf: LeafOptions, extra: TlsOptions = {}): Promise<Upstream> {
  const ca = await env.ca();
  const cert = await makeLeaf(join(env.dir, 'certs'), ca, name, leaf);
  const raw = await tlsServer((s) => s.end(okResponse()), cert, extra);
  return { target: { scheme: 'https', servers: [raw.address], verify: { ca: ca.cert, name: 'localhost' } }, stop: raw.stop };
}
