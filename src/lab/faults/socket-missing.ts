/** socket-missing: the proxy points at a unix socket file that does not exist (PHP-FPM stopped). */
import { join } from 'node:path';
import { staticUpstream, type Fault } from './types.js';

export const socketMissing: Fault = {
  name: 'socket-missing',
  title: 'the unix socket the proxy points at does not exist (the application is stopped)',
  cause: 'upstream-refused',
  start: (env) => Promise.resolve(staticUpstream({ scheme: 'http', servers: [`unix:${join(env.dir, 'app.sock')}`] })),
};
