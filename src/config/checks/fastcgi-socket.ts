/**
 * fastcgi-socket: the unix socket fastcgi_pass names is missing, or its owner and mode do not let nginx's
 * workers connect (errno 2 / 13). What the host says about the path comes in `env.stat`.
 */
import { directives } from '../nginx-lookup.js';
import { defineCheck, type ConfigFinding } from './types.js';
import { textOf } from './util.js';

export default defineCheck({
  meta: {
    id: 'fastcgi-socket',
    cause: 'permission-denied',
    title: 'The upstream unix socket is missing or not writable by nginx\'s workers',
    // A missing socket is nothing listening: those findings are upstream-refused.
    directives: ['fastcgi_pass', 'proxy_pass', 'uwsgi_pass', 'user'],
    why: 'Connecting to a unix socket needs write permission on it for the workers\' user (`user` in nginx.conf; www-data on Debian). A socket owned by another user with mode 0600 gives "(13: Permission denied)"; a missing socket (PHP-FPM stopped, or listening elsewhere) gives "(2: No such file or directory)". Both are 502s.',
    reads: ['nginx'],
    certain: true,
  },
  check({ nginx }, env) {
    if (!nginx || !env.stat) return [];
    const out: ConfigFinding[] = [];
    // Without a `user` directive the workers of a root master run as nginx's built-in default (auto/unix:
    // NGX_USER=${NGX_USER:-nobody}; Debian's build keeps it and sets `user www-data;` in its nginx.conf).
    const user = directives(nginx, 'user')[0]?.node.args[0] ?? 'nobody';
    const ids = env.userIds?.(user) ?? null;
    for (const { node } of directives(nginx, ['fastcgi_pass', 'proxy_pass', 'uwsgi_pass', 'scgi_pass'])) {
      const arg = node.args[0] ?? '';
      const m = /unix:([^:]+)/.exec(arg);
      if (!m?.[1] || node.templated) continue;
      const path = m[1];
      const st = env.stat(path);
      if (st === null) {
        out.push({ file: node.file, line: node.line, text: textOf(node), message: `${path} does not exist: nothing listens there (the service is stopped, or listens elsewhere).`, cause: 'upstream-refused', before: textOf(node), after: `# start the service that should create it (systemctl start php8.2-fpm), or point ${node.directive} at its listen address` });
        continue;
      }
      if (!ids) continue;
      const writable = (st.uid === ids.uid && (st.mode & 0o200) !== 0) || (ids.gids.includes(st.gid) && (st.mode & 0o020) !== 0) || (st.mode & 0o002) !== 0 || ids.uid === 0;
      if (!writable) {
        out.push({
          file: node.file,
          line: node.line,
          text: textOf(node),
          message: `${path} is ${st.user ?? st.uid}:${st.group ?? st.gid} mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}; nginx's workers run as "${user}" and may not connect ("13: Permission denied").`,
          before: `listen.owner = ${st.user ?? st.uid}\nlisten.mode = ${(st.mode & 0o777).toString(8).padStart(4, '0')}`,
          after: `; in the PHP-FPM pool (pool.d/www.conf), then systemctl reload php-fpm\nlisten.owner = ${user}\nlisten.group = ${user}\nlisten.mode = 0660`,
        });
      }
    }
    return out;
  },
});
