/** worker-connections-fd: more connections per worker than file descriptors to hold them. */
import { directives } from '../nginx-lookup.js';
import { defineCheck } from './types.js';
import { textOf } from './util.js';

export default defineCheck({
  meta: {
    id: 'worker-connections-fd',
    cause: 'proxy-resource-exhausted',
    title: 'worker_connections is above the file-descriptor limit',
    directives: ['worker_connections', 'worker_rlimit_nofile'],
    why: 'Each proxied request holds two descriptors (client and upstream). When `worker_connections` is above the open-files limit, a busy worker runs out of descriptors before connections: "Too many open files" and 502s/500s under load.',
    reads: ['nginx'],
  },
  check({ nginx }, env) {
    if (!nginx) return [];
    const wc = directives(nginx, 'worker_connections')[0]?.node;
    if (!wc) return [];
    const connections = Number(wc.args[0]);
    const rlimit = directives(nginx, 'worker_rlimit_nofile')[0]?.node;
    const limit = rlimit ? Number(rlimit.args[0]) : env.fdLimit;
    if (limit === undefined || !Number.isFinite(limit) || !Number.isFinite(connections)) return [];
    // Proxied connections need two descriptors each; keep the check to clear overcommits.
    if (connections * 2 <= limit) return [];
    return [
      {
        file: wc.file,
        line: wc.line,
        text: textOf(wc),
        message: `${connections} connections per worker need up to ${connections * 2} descriptors when proxying, above the limit of ${limit}${rlimit ? ' (worker_rlimit_nofile)' : ' (the open-files limit nginx runs with)'}.`,
        before: textOf(wc),
        after: `worker_rlimit_nofile ${connections * 2 + 1024};   # in the main context\nevents { worker_connections ${connections}; }\n# and for systemd: LimitNOFILE=${connections * 2 + 1024} in an override of nginx.service`,
      },
    ];
  },
});
