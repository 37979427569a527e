/** refuse: nothing listens on the upstream port. */
import { freePort } from '../ports.js';
import { staticUpstream, type Fault } from './types.js';

export const refuse: Fault = {
  name: 'refuse',
  title: 'nothing listens on the upstream port (the application is down)',
  cause: 'upstream-refused',
  start: async () => staticUpstream({ scheme: 'http', servers: [`127.0.0.1:${await freePort()}`] }),
};
