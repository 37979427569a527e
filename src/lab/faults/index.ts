/** The fault registry: every lab fault by name. */
import { allServersDown } from './all-servers-down.js';
import { closeBeforeResponse } from './close-before-response.js';
import { fewWorkerConnections } from './few-worker-connections.js';
import { httpToFastcgi } from './http-to-fastcgi.js';
import { hugeHeaders } from './huge-headers.js';
import { invalidHeader } from './invalid-header.js';
import { noResolver } from './no-resolver.js';
import { refuse } from './refuse.js';
import { resetBeforeResponse } from './reset-before-response.js';
import { slowHeaders } from './slow-headers.js';
import { socketMissing } from './socket-missing.js';
import { socketPermission } from './socket-permission.js';
import { tlsExpired } from './tls-expired.js';
import { tlsToPlain } from './tls-to-plain.js';
import { tlsUntrusted } from './tls-untrusted.js';
import { tlsWrongHost } from './tls-wrong-host.js';
import { closeMidBody } from './close-mid-body.js';
import { malformedStatusLine } from './malformed-status-line.js';
import { garbageBytes } from './garbage-bytes.js';
import { invalidChunked } from './invalid-chunked.js';
import { plainToTls } from './plain-to-tls.js';
import { tlsVersionMismatch } from './tls-version-mismatch.js';
import type { Fault } from './types.js';

export const faults: readonly Fault[] = [
  refuse,
  socketMissing,
  closeBeforeResponse,
  resetBeforeResponse,
  closeMidBody,
  malformedStatusLine,
  garbageBytes,
  invalidChunked,
  hugeHeaders,
  slowHeaders,
  invalidHeader,
  socketPermission,
  allServersDown,
  fewWorkerConnections,
  tlsExpired,
  tlsUntrusted,
  tlsWrongHost,
  tlsToPlain,
  plainToTls,
  tlsVersionMismatch,
  httpToFastcgi,
  noResolver,
];

export function faultByName(name: string): Fault | undefined {
  return faults.find((f) => f.name === name);
}

export type { Fault };
