/**
 * haproxy-server-check: a backend balances over several servers, but some have no `check`. HAProxy's manual
 * (configuration.txt 5.2, "check"): "when not set, no health checking is performed, and the server is always
 * considered available". A server that is down keeps its share of the requests, which fail once the connection
 * retries are spent (termination state SC, "likely a 502 or 503").
 */
import { defineCheck, type ConfigFinding } from './types.js';
import { haproxyText } from './proxy-text.js';

export default defineCheck({
  meta: {
    id: 'haproxy-server-check',
    cause: 'upstream-refused',
    title: 'A HAProxy backend with several servers, some of them never health-checked',
    directives: ['server', 'server-template', 'default-server', 'check', 'option httpchk', 'option redispatch'],
    why: 'Without `check` on a server line (or a `default-server` line), HAProxy performs no health checking and considers the server always available. When one of several servers goes down, HAProxy keeps sending it its share of the requests; each fails after the connection retries (termination state `SC`, 503), unless `option redispatch` moves the last retry elsewhere. With `check`, the dead server is taken out of rotation after `fall` failed checks and the others take its traffic.',
    reads: ['haproxy'],
  },
  check({ haproxy }) {
    if (!haproxy) return [];
    const out: ConfigFinding[] = [];
    for (const b of haproxy.model.backends) {
      const active = b.servers.filter((s) => !s.options.backup && !s.options.disabled);
      const count = active.reduce((n, s) => n + (s.template ? s.template.count : 1), 0);
      if (count < 2) continue;
      const redispatch = b.options.redispatch?.value === true;
      const retries = b.retries ? `${b.retries.value} ` : '';
      const http = b.mode?.value === 'http';
      for (const s of active) {
        if (s.options.check) continue;
        const text = haproxyText(haproxy, s.file, s.line);
        out.push({
          file: s.file,
          line: s.line,
          text,
          message: `server ${b.name}/${s.name} has no "check": HAProxy considers it always available, so while it is down the requests balanced to it fail after the ${retries}connection retries (503, termination state SC)${redispatch ? '; option redispatch only moves the last retry to another server' : ''}.`,
          before: `backend ${b.name}\n    ${text}`,
          after: `backend ${b.name}\n${http && !b.httpchk ? '    option httpchk GET /   # a path that answers 2xx/3xx when the app works\n' : ''}${redispatch ? '' : '    option redispatch\n'}    ${text} check`,
        });
      }
    }
    return out;
  },
});
