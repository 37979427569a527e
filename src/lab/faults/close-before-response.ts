/** close-before-response: the upstream reads the request and closes the connection without answering. */
import { httpTarget, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const closeBeforeResponse: Fault = {
  name: 'close-before-response',
  title: 'the upstream closes the connection (FIN) after reading the request, without a response',
  cause: 'upstream-closed-early',
  start: () => rawServer((s) => s.end()).then(httpTarget),
};
