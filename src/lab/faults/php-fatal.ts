/** php-fatal: the PHP application dies with a fatal error (a call to a function that does not exist). */
import { launchFpm } from '../launchers/php-fpm.js';
import type { Fault } from './types.js';

export const phpFatal: Fault = {
  name: 'php-fatal',
  title: 'the PHP script calls an undefined function: PHP Fatal error',
  cause: 'app-error',
  async start(env) {
    const fpm = await launchFpm({ dir: env.dir, scripts: { 'index.php': '<?php\nfunction checkout() { apply_coupon(); }\ncheckout();\n' } });
    return { target: { scheme: 'fastcgi', servers: [fpm.socket], fastcgi: { root: fpm.root } }, stop: fpm.stop, logs: [fpm.log] };
  },
  traffic: { requests: [{ method: 'GET', path: '/index.php' }, { method: 'POST', path: '/index.php', body: 'coupon=X' }] },
  notFor: { haproxy: 'not applicable: the lab runs HAProxy as an HTTP proxy (its fcgi-app is not configured)' },
};
