/**
 * Records the bundled example (examples/nginx/) from a real nginx: one server whose /api upstream is down,
 * whose /login answers with oversized cookies, whose /report is slower than proxy_read_timeout, and whose
 * other pages work. Run: node --import tsx scripts/make-example.ts
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hugeHeaders } from '../src/lab/faults/huge-headers.js';
import { okResponse, rawServer } from '../src/lab/faults/raw-server.js';
import { refuse } from '../src/lab/faults/refuse.js';
import { slowHeaders } from '../src/lab/faults/slow-headers.js';
import type { FaultEnv } from '../src/lab/faults/types.js';
import { nginxUpstreamConfig } from '../src/lab/launchers/nginx.js';
import { launchNginx } from '../src/lab/launchers/nginx.js';
import { sendTraffic } from '../src/lab/traffic.js';

const dir = await mkdtemp(join(tmpdir(), 'why502-example-'));
await chmod(dir, 0o755);
const env: FaultEnv = { dir, proxy: 'nginx', ca: () => Promise.reject(new Error('no TLS here')) };
const app = await rawServer((s) => s.end(okResponse('<html>shop</html>\n')));
const down = await refuse.start(env);
const big = await hugeHeaders.start(env);
const slow = await slowHeaders.start(env);
const location = (target: Parameters<typeof nginxUpstreamConfig>[0]): string => nginxUpstreamConfig(target).location;
const ngx = await launchNginx({
  dir,
  target: { scheme: 'http', servers: [app.address] },
  extraServer: `
    location /api/ { ${location(down.target)} }
    location /login { ${location(big.target)} }
    location /report { ${location(slow.target)} }
  `,
});
try {
  const paths = ['/', '/products/42', '/api/cart?session=3f9a1c', '/', '/api/orders', '/login', '/products/7', '/api/cart?session=3f9a1c', '/report?year=2026', '/'];
  for (let round = 0; round < 6; round++) {
    await sendTraffic(ngx.url, { requests: paths.map((p) => ({ method: p === '/login' ? ('POST' as const) : ('GET' as const), path: p, ...(p === '/login' ? { body: 'user=ann' } : {}) })), timeoutMs: 5000 });
  }
} finally {
  await ngx.stop();
  await Promise.all([app.stop(), down.stop(), big.stop(), slow.stop()]);
}
mkdirSync(join('examples', 'nginx'), { recursive: true });
copyFileSync(join(dir, 'logs', 'error.log'), join('examples', 'nginx', 'error.log'));
copyFileSync(join(dir, 'logs', 'access.log'), join('examples', 'nginx', 'access.log'));
await rm(dir, { recursive: true, force: true });
console.log('wrote examples/nginx/error.log and access.log');
