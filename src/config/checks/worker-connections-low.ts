/**
 * worker-connections-low: so few connections per worker that a handful of concurrent proxied requests exhaust them
 * (each holds the client's and the upstream's connection): "worker_connections are not enough" and 502/500.
 */
import { directives } from '../nginx-lookup.js';
import { defineCheck } from './types.js';
import { textOf } from './util.js';

/** Below this, a worker serves fewer than 32 proxied requests at once (nginx's own default is 512; Debian's 768). */
const LOW = 64;

export default defineCheck({
  meta: {
    id: 'worker-connections-low',
    cause: 'proxy-resource-exhausted',
    title: 'worker_connections allows only a few concurrent proxied requests',
    directives: ['worker_connections', 'worker_processes'],
    why: 'A proxied request holds two connections of the worker (the client\'s and the upstream\'s), keep-alive connections to clients and to upstream pools count too. When a worker reaches `worker_connections`, nginx logs "worker_connections are not enough" and fails the requests it cannot connect upstream for. nginx\'s default is 512; a value of a few dozen is exhausted by a burst of slow requests.',
    reads: ['nginx'],
  },
  check({ nginx }) {
    if (!nginx) return [];
    const wc = directives(nginx, 'worker_connections')[0]?.node;
    const n = Number(wc?.args[0]);
    if (!wc || !Number.isFinite(n) || n >= LOW) return [];
    const wp = directives(nginx, 'worker_processes')[0]?.node.args[0] ?? '1';
    const workers = wp === 'auto' ? 'each worker' : `${wp} worker(s)`;
    return [
      {
        file: wc.file,
        line: wc.line,
        text: textOf(wc),
        message: `worker_connections ${n}: ${workers} can hold about ${Math.floor(n / 2)} proxied requests at once (two connections each); a burst of slow requests beyond that gets 502/500 with "worker_connections are not enough".`,
        before: textOf(wc),
        after: 'worker_connections 1024;   # raise worker_rlimit_nofile (or LimitNOFILE=) to at least twice this',
      },
    ];
  },
});
