/** invalid-header: the upstream sends a header line the proxy must reject. */
import { httpTarget, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const invalidHeader: Fault = {
  name: 'invalid-header',
  title: 'the upstream sends a header name with a space and a control character',
  cause: 'upstream-invalid-response',
  notFor: { caddy: "not applicable: Caddy (Go's HTTP client) accepts this header name and answers 200" },
  start: () => rawServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Bad\x01Header: yes\r\nContent-Length: 3\r\n\r\nok\n')).then(httpTarget),
};
