/** reset-before-response: the upstream resets the connection (RST) after reading the request. */
import { httpTarget, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const resetBeforeResponse: Fault = {
  name: 'reset-before-response',
  title: 'the upstream resets the connection (RST) after reading the request, like a crashing worker',
  cause: 'upstream-closed-early',
  start: () => rawServer((s) => s.resetAndDestroy()).then(httpTarget),
};
