/** http-to-fastcgi: fastcgi_pass points at a port that speaks HTTP, not FastCGI. */
import { okResponse, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const httpToFastcgi: Fault = {
  name: 'http-to-fastcgi',
  title: 'fastcgi_pass points at an HTTP server (a Node/Go app) instead of PHP-FPM',
  cause: 'protocol-mismatch',
  start: () => rawServer((s) => s.end(okResponse()), { waitHeaders: false }),
  nginx: (u) => ({ location: `include /etc/nginx/fastcgi_params;\n    fastcgi_param SCRIPT_FILENAME /srv/www/index.php;\n    fastcgi_pass ${u.address};` }),
};
