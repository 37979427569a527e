/** buffer-size: the header buffer is smaller than the headers the upstream sends (measured live), or tiny. */
import { directives, effective } from '../nginx-lookup.js';
import { defineCheck, type ConfigFinding } from './types.js';
import { nginxBytes, passTargets, textOf } from './util.js';

const PAGE = 4096;

export default defineCheck({
  meta: {
    id: 'buffer-size',
    cause: 'upstream-header-too-big',
    title: 'The response-header buffer is smaller than the upstream\'s headers',
    directives: ['proxy_buffer_size', 'fastcgi_buffer_size', 'uwsgi_buffer_size', 'proxy_pass', 'fastcgi_pass'],
    why: 'nginx reads the upstream\'s whole response header into one buffer (`proxy_buffer_size`, one memory page by default: 4k). Large cookies, JWTs or many Set-Cookie headers overflow it: "upstream sent too big header" and 502.',
    reads: ['nginx'],
  },
  check({ nginx }, env) {
    if (!nginx) return [];
    const out: ConfigFinding[] = [];
    for (const { node } of directives(nginx, ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass'])) {
      const prefix = node.directive.replace(/_pass$/, '');
      const set = effective(node, `${prefix}_buffer_size`).at(-1);
      const size = set ? nginxBytes(set.args[0]) : PAGE;
      // The largest header any of its targets sent (an upstream{} group's servers each).
      const targets = passTargets(nginx, node);
      const live = env.live?.filter((l) => targets.includes(l.target) && l.headerBytes !== undefined).sort((a, b) => (b.headerBytes ?? 0) - (a.headerBytes ?? 0))[0];
      const target = live?.target ?? '';
      const at = set ?? node;
      if (live?.headerBytes !== undefined && live.headerBytes > size) {
        const want = Math.ceil((live.headerBytes * 2) / 4096) * 4;
        out.push({
          file: at.file,
          line: at.line,
          text: textOf(at),
          message: `${target} sent a ${live.headerBytes}-byte response header (measured), more than the ${size}-byte ${prefix}_buffer_size here.`,
          before: set ? textOf(set) : `# ${prefix}_buffer_size ${size} (default)`,
          after: `${prefix}_buffer_size ${want}k;\n${prefix}_buffers 8 ${want}k;${prefix === 'proxy' ? `\nproxy_busy_buffers_size ${want * 2}k;` : ''}`,
        });
      } else if (set && size < 2048) {
        out.push({
          file: set.file,
          line: set.line,
          text: textOf(set),
          message: `a ${size}-byte ${prefix}_buffer_size cannot hold an ordinary response header with a session cookie.`,
          before: textOf(set),
          after: `${prefix}_buffer_size 16k;`,
        });
      }
    }
    return out;
  },
});
