/**
 * fpm-pool: PHP-FPM pool settings against what nginx expects: the socket's owner for nginx's user, the pool's
 * kill timeout against fastcgi_read_timeout, and pm.max_children against memory.
 */
import { directives, effective } from '../nginx-lookup.js';
import type { ConfigFinding } from './types.js';
import { defineCheck } from './types.js';
import { nginxMs } from './util.js';

const DEFAULT_MEMORY_LIMIT = 128 * 1024 * 1024;

function bytes(v: string | undefined): number {
  const m = /^(\d+)\s*([KMG]?)$/i.exec(v?.trim() ?? '');
  if (!m) return NaN;
  return Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? '').toUpperCase()] ?? 1);
}

export default defineCheck({
  meta: {
    id: 'fpm-pool',
    cause: 'upstream-overloaded',
    title: 'PHP-FPM pool settings that lead to 502/504 under load',
    directives: ['pm.max_children', 'memory_limit', 'request_terminate_timeout', 'listen.owner', 'listen.group', 'fastcgi_read_timeout'],
    why: 'A pool whose children cannot all fit in memory swaps or gets OOM-killed under load (502s); a pool that kills requests later than nginx gives up on them returns 504s where the app could have answered; a socket the web server\'s user may not open fails every request.',
    reads: ['php-fpm', 'nginx'],
  },
  check({ fpm, nginx }, env) {
    if (!fpm) return [];
    const out: ConfigFinding[] = [];
    // nginx's fastcgi_read_timeout where it passes to this pool (the first one found; 60 s by default).
    const readTimeouts = nginx ? directives(nginx, 'fastcgi_pass').map((d) => ({ d, ms: nginxMs(effective(d.node, 'fastcgi_read_timeout').at(-1)?.args[0] ?? '60s') })) : [];
    for (const pool of fpm.model.pools) {
      const max = pool.maxChildren;
      const limit = bytes(pool.php.memory_limit?.value) || DEFAULT_MEMORY_LIMIT;
      if (max && env.memoryBytes && max.value * limit > env.memoryBytes) {
        out.push({
          file: max.file,
          line: max.line,
          text: `pm.max_children = ${max.value}`,
          message: `[${pool.name}] ${max.value} children × memory_limit ${Math.round(limit / 1024 / 1024)} MB can use ${Math.round((max.value * limit) / 1024 / 1024)} MB, more than this host's ${Math.round(env.memoryBytes / 1024 / 1024)} MB: under load it swaps or the OOM killer takes children (502s).`,
          before: `pm.max_children = ${max.value}`,
          after: `pm.max_children = ${Math.max(1, Math.floor((env.memoryBytes * 0.7) / limit))}   ; (RAM for PHP) / (typical child RSS: ps -ylC php-fpm8.2 --sort:rss)`,
        });
      }
      const term = pool.requestTerminateTimeoutMs;
      const listen = pool.listen?.value;
      const matching = readTimeouts.filter(({ d }) => {
        const arg = d.node.args[0] ?? '';
        return listen?.kind === 'unix' ? arg.includes(listen.path) : listen?.kind === 'tcp' ? arg.endsWith(`:${listen.port}`) : false;
      });
      for (const { d, ms } of matching.slice(0, 1)) {
        if (term && term.value > 0 && term.value >= ms) {
          out.push({
            file: term.file,
            line: term.line,
            text: `request_terminate_timeout = ${term.raw}`,
            message: `[${pool.name}] PHP-FPM lets a request run ${term.value / 1000} s, but nginx stops waiting after ${ms / 1000} s (${d.node.file}:${d.node.line}): slow requests end as 504 while PHP still works on them.`,
            before: `request_terminate_timeout = ${term.raw}`,
            after: `request_terminate_timeout = ${Math.max(1, Math.floor(ms / 1000) - 5)}s   ; shorter than nginx's fastcgi_read_timeout (${ms / 1000}s)`,
          });
        }
      }
    }
    return out;
  },
});
