/** refuse: nothing listens on the upstream port. */
import { freePort } from '../ports.js';
import type { Fault } from './types.js';

export const refuse: Fault = {
  name: 'refuse',
  title: 'nothing listens on the upstream port (the application is down)',
  cause: 'upstream-refused',
  async start() {
    const port = await freePort();
    return { address: `127.0.0.1:${port}`, speaks: 'none', stop: () => Promise.resolve() };
  },
  nginx: (u) => ({ location: `proxy_pass http://${u.address};` }),
};
