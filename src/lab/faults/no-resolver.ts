/** dns-no-resolver: the upstream name must be resolved at request time, but the proxy has no resolver. */
import { freePort } from '../ports.js';
import { staticUpstream, type Fault } from './types.js';

export const noResolver: Fault = {
  name: 'dns-no-resolver',
  title: 'proxy_pass uses a variable host name, and nginx has no resolver to look it up',
  cause: 'upstream-dns',
  start: async () => staticUpstream({ scheme: 'http', servers: [`127.0.0.1:${await freePort()}`], hostName: 'backend.lab.invalid', resolver: 'none' }),
  notFor: {
    haproxy: 'not applicable: HAProxy resolves server names at start-up or through a resolvers section; there is no request-time lookup without one',
    apache: 'not applicable: Apache resolves backend names with the system resolver; it has no resolver setting to leave out',
    caddy: 'not applicable: Caddy resolves upstream names with the system resolver; it has no resolver setting to leave out',
  },
};
