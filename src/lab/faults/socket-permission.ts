/** socket-permission: a unix socket owned by root with mode 0600, which the proxy's workers may not open. */
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { httpTarget, okResponse, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

const NOT_ROOT = 'not applicable: the lab is not running as root, so the proxy runs as this user and can open its 0600 socket';

export const socketPermission: Fault = {
  name: 'socket-permission',
  title: 'the upstream listens on a unix socket with mode 0600 owned by root; the proxy workers run as another user',
  cause: 'permission-denied',
  expectFor: {
    haproxy: { cause: 'upstream-refused', why: 'HAProxy logs SC (the connection to the server failed) without the OS error; only a health check line ("General socket error (Permission denied)") names it' },
  },
  async start(env) {
    const path = join(env.dir, 'app.sock');
    const raw = await rawServer((s) => s.end(okResponse()), { path });
    await chmod(path, 0o600);
    return httpTarget(raw);
  },
  notFor: {
    caddy: 'not applicable: Caddy runs as the user that starts it and has no setting to drop privileges, so it can open a socket of its own user',
    ...(process.getuid?.() === 0 ? {} : { nginx: NOT_ROOT, apache: NOT_ROOT, haproxy: NOT_ROOT }),
  },
};
