/** all-servers-down: every server of an upstream group fails, so the proxy marks them all down. */
import { freePort } from '../ports.js';
import type { Fault } from './types.js';

export const allServersDown: Fault = {
  name: 'all-servers-down',
  title: 'both servers of the upstream group refuse connections; nginx marks them down (max_fails=1)',
  cause: 'no-healthy-upstream',
  async start() {
    const a = await freePort();
    const b = await freePort();
    return { address: `127.0.0.1:${a} 127.0.0.1:${b}`, speaks: 'none', stop: () => Promise.resolve() };
  },
  nginx: (u) => ({
    http: `upstream app_pool {\n    ${u.address.split(' ').map((s) => `server ${s} max_fails=1 fail_timeout=30s;`).join('\n    ')}\n  }`,
    location: 'proxy_pass http://app_pool;',
  }),
  traffic: { requests: Array.from({ length: 4 }, () => ({ method: 'GET' as const, path: '/' })) },
};
