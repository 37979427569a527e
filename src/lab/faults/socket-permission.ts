/** socket-permission: a unix socket owned by root with mode 0600, which the proxy's workers may not open. */
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { okResponse, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const socketPermission: Fault = {
  name: 'socket-permission',
  title: 'the upstream listens on a unix socket with mode 0600 owned by another user',
  cause: 'permission-denied',
  async start(env) {
    const path = join(env.dir, 'app.sock');
    const u = await rawServer((s) => s.end(okResponse()), { path });
    await chmod(path, 0o600);
    return u;
  },
  nginx: (u) =>
    // Only meaningful when nginx's workers drop privileges, i.e. nginx starts as root.
    process.getuid?.() === 0 ? { location: `proxy_pass http://${u.address}:;` } : 'not applicable: nginx runs as this user, so a 0600 socket of this user stays accessible (run as root)',
};
