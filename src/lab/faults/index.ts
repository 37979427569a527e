/** The fault registry: every lab fault by name. */
import { allServersDown } from './all-servers-down.js';
import { closeBeforeResponse } from './close-before-response.js';
import { closeMidBody } from './close-mid-body.js';
import { dnsNxdomain, dnsServfail, dnsSilent, dnsUnresolvable } from './dns.js';
import { fewWorkerConnections } from './few-worker-connections.js';
import { garbageBytes } from './garbage-bytes.js';
import { httpToFastcgi } from './http-to-fastcgi.js';
import { hugeHeaders } from './huge-headers.js';
import { invalidChunked } from './invalid-chunked.js';
import { invalidHeader } from './invalid-header.js';
import { keepaliveIdleClose } from './keepalive-idle-close.js';
import { malformedStatusLine } from './malformed-status-line.js';
import { noResolver } from './no-resolver.js';
import { overload } from './overload.js';
import { phpFatal } from './php-fatal.js';
import { plainToTls } from './plain-to-tls.js';
import { refuse } from './refuse.js';
import { resetBeforeResponse } from './reset-before-response.js';
import { slowHeaders } from './slow-headers.js';
import { socketMissing } from './socket-missing.js';
import { socketPermission } from './socket-permission.js';
import { tlsExpired } from './tls-expired.js';
import { tlsToPlain } from './tls-to-plain.js';
import { tlsUntrusted } from './tls-untrusted.js';
import { tlsVersionMismatch } from './tls-version-mismatch.js';
import { tlsWrongHost } from './tls-wrong-host.js';
import type { Fault } from './types.js';

export const faults: readonly Fault[] = [
  refuse,
  socketMissing,
  resetBeforeResponse,
  closeBeforeResponse,
  closeMidBody,
  malformedStatusLine,
  garbageBytes,
  invalidHeader,
  invalidChunked,
  hugeHeaders,
  slowHeaders,
  keepaliveIdleClose,
  tlsExpired,
  tlsUntrusted,
  tlsWrongHost,
  tlsVersionMismatch,
  tlsToPlain,
  plainToTls,
  httpToFastcgi,
  overload,
  socketPermission,
  dnsUnresolvable,
  dnsNxdomain,
  dnsServfail,
  dnsSilent,
  noResolver,
  phpFatal,
  allServersDown,
  fewWorkerConnections,
];

export function faultByName(name: string): Fault | undefined {
  return faults.find((f) => f.name === name);
}

export type { Fault };
