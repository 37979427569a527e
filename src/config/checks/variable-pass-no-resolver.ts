/** variable-pass-no-resolver: proxy_pass with a variable needs a resolver for host names it produces. */
import { directives, effective } from '../nginx-lookup.js';
import { defineCheck, type ConfigFinding } from './types.js';
import { passTarget, textOf } from './util.js';

const PASS = ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass'];
// Variables that hold a path and query, never a host.
const PATH_VARIABLES = new Set(['request_uri', 'uri', 'document_uri', 'args', 'is_args', 'query_string']);

export default defineCheck({
  meta: {
    id: 'variable-pass-no-resolver',
    cause: 'upstream-dns',
    title: 'A proxy_pass with a variable has no resolver',
    directives: [...PASS, 'resolver', 'set'],
    why: 'When the target of proxy_pass is built from a variable, nginx resolves the host name at request time, and only with a `resolver`. Without one every such request fails with 502 and "no resolver defined to resolve …".',
    reads: ['nginx'],
    certain: true,
  },
  check({ nginx }) {
    if (!nginx) return [];
    const out: ConfigFinding[] = [];
    const upstreamNames = new Set(directives(nginx, 'upstream').map((u) => u.node.args[0] ?? ''));
    for (const { node } of directives(nginx, PASS)) {
      const arg = node.args[0] ?? '';
      const t = passTarget(node.directive, arg);
      if (!t?.variable || node.templated) continue;
      // The host is what comes before the first variable, unless that variable is a path ($request_uri...): then
      // the host is fixed, and needs no DNS when it is an upstream group or an address.
      const hostPart = /^[a-z0-9]+:\/\/([^/]*)/i.exec(arg)?.[1] ?? arg.split('/')[0] ?? '';
      const literal = hostPart.split('$')[0] ?? '';
      const firstVar = /\$\{?([a-z_]+)/i.exec(hostPart)?.[1] ?? '';
      const fixedHost = !hostPart.includes('$') || (literal !== '' && PATH_VARIABLES.has(firstVar));
      const host = literal.replace(/:\d+$/, '');
      if (fixedHost && (upstreamNames.has(host) || !/^[a-z]/i.test(host))) continue;
      if (effective(node, 'resolver').length > 0) continue;
      out.push({
        file: node.file,
        line: node.line,
        text: textOf(node),
        message: 'the target holds a variable, so nginx resolves it per request, and no `resolver` is in effect here: each such request fails with 502 ("no resolver defined").',
        before: `${node.directive} ${arg};`,
        after: `resolver 127.0.0.53 valid=10s ipv6=off;   # your resolver (Docker: 127.0.0.11, Kubernetes: kube-dns)\n${node.directive} ${arg};`,
      });
    }
    return out;
  },
});
