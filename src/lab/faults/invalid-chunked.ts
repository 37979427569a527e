/** invalid-chunked: the upstream's chunked body has a chunk size that is not hexadecimal. */
import { httpTarget, rawServer } from './raw-server.js';
import type { Fault } from './types.js';

export const invalidChunked: Fault = {
  name: 'invalid-chunked',
  title: 'the upstream sends "Transfer-Encoding: chunked" with a broken chunk size',
  cause: 'upstream-invalid-response',
  start: () => rawServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n')).then(httpTarget),
};
