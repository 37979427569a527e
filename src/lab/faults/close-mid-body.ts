/** close-mid-body: the upstream sends the header and part of the body, then closes the connection. */
import { httpTarget, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const closeMidBody: Fault = {
  name: 'close-mid-body',
  title: 'the upstream promises 100000 bytes, sends 1000, then closes (a crash while streaming)',
  cause: 'upstream-closed-early',
  start: () => rawServer((s) => s.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`)).then(httpTarget),
};
