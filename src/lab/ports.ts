/** Free loopback ports for lab servers. */
import { createServer } from 'node:net';

/**
 * A free port whose number ends in 443 (8443, 18443, ...), for TLS upstreams configured as people do.
 * @example const port = await freeTlsLikePort();
 */
export async function freeTlsLikePort(): Promise<number> {
  for (const p of [8443, 9443, 18443, 28443, 38443, 48443, 58443, 10443, 20443, 30443]) {
    if (await isFree(p)) return p;
  }
  return freePort();
}

function isFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released).
 * @example const port = await freePort();
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
