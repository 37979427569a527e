/** huge-headers: the upstream answers with a response header larger than the proxy's header buffer. */
import { httpTarget, okResponse, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

// One 16 KB Set-Cookie (a login response carrying a large session or JWT): more than nginx's 4k/8k
// proxy_buffer_size, Apache's 8190-byte header line limit and HAProxy's 16 KB buffer.
const COOKIE = `Set-Cookie: session=${'x'.repeat(16_000)}; Path=/; HttpOnly\r\n`;

export const hugeHeaders: Fault = {
  name: 'huge-headers',
  title: 'the upstream sends a 16 KB Set-Cookie header (a large session)',
  cause: 'upstream-header-too-big',
  expectFor: {
    haproxy: { cause: 'upstream-invalid-response', why: 'HAProxy logs PH (it rejected the response header) for an oversized header and a malformed one alike; `show errors` on its stats socket tells which' },
  },
  start: () => rawServer((s) => s.end(okResponse('ok\n', COOKIE))).then(httpTarget),
  notFor: { caddy: 'not applicable: Caddy (Go\'s HTTP client) accepts response headers up to 10 MB, so a 16 KB header passes' },
};
