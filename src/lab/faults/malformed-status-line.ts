/** malformed-status-line: the upstream's status line is not HTTP. */
import { httpTarget, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const malformedStatusLine: Fault = {
  name: 'malformed-status-line',
  title: 'the upstream answers "HTTP/1.1 OK" without a status code',
  cause: 'upstream-invalid-response',
  notFor: { apache: 'not applicable: Apache passes a status line without a code through and answers 200, logging nothing' },
  start: () => rawServer((s) => s.end('HTTP/1.1 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n')).then(httpTarget),
};
