/** overload: PHP-FPM with one worker and a tiny listen queue gets eight concurrent slow requests. */
import { launchFpm } from '../launchers/php-fpm.js';
import type { Fault } from './types.js';

export const overload: Fault = {
  name: 'overload',
  title: 'PHP-FPM with pm.max_children = 1 and listen.backlog = 1 gets 8 concurrent requests of 1.5 s each',
  cause: 'upstream-overloaded',
  async start(env) {
    const fpm = await launchFpm({ dir: env.dir, maxChildren: 1, backlog: 1, scripts: { 'slow.php': '<?php usleep(1500000); echo "done\\n";\n' } });
    return { target: { scheme: 'fastcgi', servers: [fpm.socket], fastcgi: { root: fpm.root } }, stop: fpm.stop, logs: [fpm.log] };
  },
  traffic: { requests: Array.from({ length: 8 }, () => ({ method: 'GET' as const, path: '/slow.php' })), concurrency: 8, timeoutMs: 15_000 },
  notFor: { haproxy: 'not applicable: the lab runs HAProxy as an HTTP proxy (its fcgi-app is not configured)' },
};
