/** few-worker-connections: the proxy's own connection limit is too small for the concurrent requests it gets. */
import { okResponse, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

const QUEUES = 'not applicable: it queues connections above its limit instead of failing them';

export const fewWorkerConnections: Fault = {
  name: 'few-worker-connections',
  title: 'worker_connections 6 with 8 concurrent slow requests: each proxied request needs two connections',
  cause: 'proxy-resource-exhausted',
  async start() {
    const raw = await rawServer((s) => {
      const t = setTimeout(() => s.end(okResponse()), 1500);
      s.on('close', () => clearTimeout(t));
    });
    return { target: { scheme: 'http', servers: [raw.address], maxConnections: 6 }, stop: raw.stop };
  },
  traffic: { requests: Array.from({ length: 8 }, () => ({ method: 'GET' as const, path: '/slow' })), concurrency: 8, timeoutMs: 5000 },
  notFor: { haproxy: `HAProxy (maxconn) is ${QUEUES}`, apache: `Apache (MaxRequestWorkers) is ${QUEUES}`, caddy: 'not applicable: Caddy has no connection limit of this kind' },
};
