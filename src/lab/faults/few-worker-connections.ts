/** few-worker-connections: nginx's worker_connections is too small for the concurrent requests it gets. */
import { okResponse, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const fewWorkerConnections: Fault = {
  name: 'few-worker-connections',
  title: 'worker_connections 6 with 8 concurrent slow requests: each proxied request needs two connections',
  cause: 'proxy-resource-exhausted',
  start: () =>
    rawServer((s) => {
      const t = setTimeout(() => s.end(okResponse()), 1500);
      s.on('close', () => clearTimeout(t));
    }),
  nginx: (u) => ({ location: `proxy_pass http://${u.address};`, workerConnections: 6 }),
  traffic: { requests: Array.from({ length: 8 }, () => ({ method: 'GET' as const, path: '/slow' })), concurrency: 8, timeoutMs: 5000 },
};
