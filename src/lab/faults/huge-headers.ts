/** huge-headers: the upstream answers with response headers larger than the proxy's header buffer. */
import { okResponse, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

// 20 cookies of 1 KiB: a login response with a large session, bigger than nginx's default 4k/8k buffer.
const COOKIES = Array.from({ length: 20 }, (_v, i) => `Set-Cookie: s${i}=${'x'.repeat(1000)}; Path=/; HttpOnly\r\n`).join('');

export const hugeHeaders: Fault = {
  name: 'huge-headers',
  title: 'the upstream sends 20 KB of response headers (large cookies)',
  cause: 'upstream-header-too-big',
  start: () => rawServer((s) => s.end(okResponse('ok\n', COOKIES))),
  nginx: (u) => ({ location: `proxy_pass http://${u.address};` }),
};
