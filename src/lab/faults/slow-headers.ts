/** slow-headers: the upstream takes longer than the proxy's read timeout to send the response header. */
import { rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const slowHeaders: Fault = {
  name: 'slow-headers',
  title: 'the upstream needs 4 s to answer; the proxy waits 1 s (proxy_read_timeout 1s)',
  cause: 'upstream-timeout',
  start: () =>
    rawServer((s) => {
      const t = setTimeout(() => s.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n'), 4000);
      s.on('close', () => clearTimeout(t));
    }),
  nginx: (u) => ({ location: `proxy_read_timeout 1s;\n    proxy_pass http://${u.address};` }),
  traffic: { requests: [{ method: 'GET', path: '/report' }, { method: 'GET', path: '/report' }], timeoutMs: 8000 },
};
