/**
 * haproxy-server-dns: a server addressed by host name without `resolvers`. HAProxy's manual (5.3): "By default,
 * HAProxy resolves the name when parsing the configuration file, at startup and cache the result for the process's
 * life." When the name moves, HAProxy keeps connecting to the old address until it is reloaded.
 */
import { isHostName } from './util.js';
import { haproxyText } from './proxy-text.js';
import { defineCheck, type ConfigFinding } from './types.js';

// Names that do not move: resolving them once is fine.
const STABLE = /^(?:localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)$/i;

export default defineCheck({
  meta: {
    id: 'haproxy-server-dns',
    cause: 'upstream-dns',
    title: 'A HAProxy server host name resolved only once, at startup',
    directives: ['server', 'server-template', 'default-server', 'resolvers', 'init-addr'],
    why: 'HAProxy resolves a server\'s host name with the libc resolver when it reads its configuration and keeps that address for the life of the process (configuration.txt 5.3); only a server pointed at a `resolvers` section is re-resolved at run time. When the name moves (containers, cloud load balancers, Kubernetes Services), HAProxy keeps connecting to the old address and requests fail with 503 until it is reloaded. With `init-addr ...,none` and no resolvers, a name that did not resolve at startup leaves the server without an address for good.',
    reads: ['haproxy'],
  },
  check({ haproxy }) {
    if (!haproxy) return [];
    const out: ConfigFinding[] = [];
    const sections = haproxy.model.resolvers;
    for (const b of haproxy.model.backends) {
      for (const s of b.servers) {
        if (s.unix !== null || s.addr.family === 'abns' || s.options.resolvers !== undefined) continue;
        const host = s.address;
        if (!isHostName(host) || STABLE.test(host) || host.startsWith('$') || host === '*') continue;
        const text = haproxyText(haproxy, s.file, s.line);
        const initNone = s.options.initAddr?.split(',').includes('none') === true;
        const existing = sections[0]?.name;
        out.push({
          file: s.file,
          line: s.line,
          text,
          message: `server ${b.name}/${s.name} names "${host}" without resolvers: HAProxy resolves it once at startup and keeps that address${initNone ? ' (and with init-addr none it stays without one if the first lookup failed)' : ''}; when the name moves, requests go to the old address and fail.`,
          before: text,
          after: `${existing ? '' : 'resolvers dns\n    parse-resolv-conf\n    hold valid 10s\n\n'}backend ${b.name}\n    ${text} resolvers ${existing ?? 'dns'}${s.options.initAddr ? '' : ' init-addr last,libc,none'}`,
        });
      }
    }
    return out;
  },
});
