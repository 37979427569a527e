/** slow-headers: the upstream takes longer than the proxy's read timeout to send the response header. */
import { rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const slowHeaders: Fault = {
  name: 'slow-headers',
  title: 'the upstream needs 4 s to answer; the proxy waits 1 s for the response header',
  cause: 'upstream-timeout',
  async start() {
    const raw = await rawServer((s) => {
      const t = setTimeout(() => s.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n'), 4000);
      s.on('close', () => clearTimeout(t));
    });
    return { target: { scheme: 'http', servers: [raw.address], readTimeoutMs: 1000 }, stop: raw.stop };
  },
  traffic: { requests: [{ method: 'GET', path: '/report' }, { method: 'GET', path: '/report' }], timeoutMs: 8000 },
};
