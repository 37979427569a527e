/** garbage-bytes: the upstream answers with bytes that are not HTTP at all. */
import { httpTarget, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const garbageBytes: Fault = {
  name: 'garbage-bytes',
  title: 'the upstream answers with binary garbage instead of HTTP',
  cause: 'upstream-invalid-response',
  start: () => rawServer((s) => s.end(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0xde, 0xad, 0xbe, 0xef, 0x0d, 0x0a, 0x0d, 0x0a]))).then(httpTarget),
};
