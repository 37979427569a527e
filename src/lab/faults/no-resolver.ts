/** no-resolver: proxy_pass with a variable needs run-time DNS, but no resolver is configured. */
import type { Fault } from './types.js';

export const noResolver: Fault = {
  name: 'dns-no-resolver',
  title: 'proxy_pass uses a variable hostname, and nginx has no resolver to look it up',
  cause: 'upstream-dns',
  start: () => Promise.resolve({ address: 'backend.lab.invalid:8080', speaks: 'none', stop: () => Promise.resolve() }),
  nginx: (u) => ({ location: `set $backend http://${u.address};\n    proxy_pass $backend;` }),
};
