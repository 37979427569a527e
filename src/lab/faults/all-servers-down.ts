/** all-servers-down: every server of an upstream group fails, so the proxy marks them all down. */
import { freePort } from '../ports.js';
import { staticUpstream, type Fault } from './types.js';

export const allServersDown: Fault = {
  name: 'all-servers-down',
  title: 'both servers of the upstream group refuse connections; the proxy marks them down after one failure',
  cause: 'no-healthy-upstream',
  start: async () => staticUpstream({ scheme: 'http', servers: [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`], failFast: true }),
  // Once both are marked down every later request fails without trying: that is what a site whose group is down sees.
  traffic: { requests: Array.from({ length: 8 }, () => ({ method: 'GET' as const, path: '/' })) },
};
