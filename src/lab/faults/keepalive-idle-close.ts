/**
 * keepalive-idle-close: the upstream closes idle keep-alive connections after 1 s, sooner than the proxy stops
 * reusing them. The race is made deterministic: a request that arrives on a connection idle for longer than
 * that is dropped without an answer, exactly as when the upstream's FIN crosses the proxy's request in flight.
 */
import type { Socket } from 'node:net';
import { rawServer } from './raw-server.js';
import type { Fault } from './types.js';

const IDLE_MS = 1000;
const RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nKeep-Alive: timeout=1\r\n\r\nok\n';

/** Split complete requests (header + Content-Length body) off the front of a buffer. */
function takeRequest(buf: Buffer): { rest: Buffer } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const head = buf.toString('latin1', 0, end);
  const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
  if (buf.length < end + 4 + len) return null;
  return { rest: buf.subarray(end + 4 + len) };
}

export const keepaliveIdleClose: Fault = {
  name: 'keepalive-idle-close',
  title: 'the upstream drops keep-alive connections idle for more than 1 s (like Node.js or gunicorn); the proxy reuses them for longer',
  cause: 'keepalive-race',
  expectFor: {
    apache: {
      cause: 'upstream-closed-early',
      why: "Apache logs the same AH01102 for a reused connection the upstream closed as for a fresh one, and its access log does not name the upstream, so the idle gaps before the failures cannot be measured",
    },
  },
  async start() {
    const raw = await rawServer(
      (s: Socket, first: Buffer) => {
        let buf = first;
        let lastAnswer: number | null = null;
        const serve = (): void => {
          for (let r = takeRequest(buf); r; r = takeRequest(buf)) {
            buf = r.rest;
            if (lastAnswer !== null && Date.now() - lastAnswer > IDLE_MS) {
              s.destroy();
              return;
            }
            s.write(RESPONSE);
            lastAnswer = Date.now();
          }
        };
        s.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          serve();
        });
        serve();
      },
      { waitHeaders: false },
    );
    return { target: { scheme: 'http', servers: [raw.address], keepalive: true }, stop: raw.stop };
  },
  // Each request after a pause longer than the upstream's idle timeout races: GETs are retried by the proxy
  // on a fresh connection (the error is logged, the client gets 200), POSTs are not retried (502).
  traffic: {
    requests: [
      { method: 'GET', path: '/' },
      { method: 'POST', path: '/cart', body: 'item=1', delayMs: 1300 },
      { method: 'GET', path: '/', delayMs: 200 },
      { method: 'GET', path: '/', delayMs: 1300 },
      { method: 'POST', path: '/cart', body: 'item=2', delayMs: 1300 },
      { method: 'GET', path: '/', delayMs: 1300 },
    ],
    timeoutMs: 5000,
  },
};
