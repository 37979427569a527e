/** http-to-fastcgi: the proxy speaks FastCGI to a port that speaks HTTP. */
import { okResponse, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const httpToFastcgi: Fault = {
  name: 'http-to-fastcgi',
  title: 'the proxy speaks FastCGI to an HTTP server (a Node/Go app) instead of PHP-FPM',
  cause: 'protocol-mismatch',
  async start(env) {
    const raw = await rawServer((s) => s.end(okResponse()), { waitHeaders: false });
    return { target: { scheme: 'fastcgi', servers: [raw.address], fastcgi: { root: env.dir } }, stop: raw.stop };
  },
  notFor: { haproxy: 'not applicable: the lab runs HAProxy as an HTTP proxy (its fcgi-app is not configured)' },
};
