/** stale-upstream-dns: a host name in proxy_pass (or an upstream server) is resolved once, at start or reload. */
import { directives, effective } from '../nginx-lookup.js';
import { defineCheck, type ConfigFinding } from './types.js';
import { compareVersions, isHostName, passTarget, textOf } from './util.js';

const PASS = ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass'];
// Names that do not move: resolving them once is fine.
const STABLE = /^(?:localhost|localhost\.localdomain|ip6-localhost)$/i;

/** "http://api.example.com:8443/v1/" → "http://api.example.com:8443"; "10.0.0.5:9000" → itself. */
function origin(arg: string): string {
  const m = /^([a-z0-9]+:\/\/[^/]+)/i.exec(arg);
  return m?.[1] ?? arg.split('/')[0] ?? arg;
}

/** The URI part after the host, which proxy_pass with a variable does not replace the same way: kept as written. */
function pathOf(arg: string): string {
  const m = /^[a-z0-9]+:\/\/[^/]+(\/.*)$/i.exec(arg);
  return m?.[1] ?? '';
}

export default defineCheck({
  meta: {
    id: 'stale-upstream-dns',
    cause: 'upstream-dns',
    title: 'An upstream host name is resolved only once, at start or reload',
    directives: [...PASS, 'server', 'resolver'],
    why: 'nginx resolves a host name written in proxy_pass (or in an upstream server without `resolve`) when it starts or reloads, and keeps that address. When the name moves (containers, cloud load balancers, Kubernetes Services), requests go to the old address and fail with 502 until nginx is reloaded.',
    reads: ['nginx'],
  },
  check({ nginx }, env) {
    if (!nginx) return [];
    const out: ConfigFinding[] = [];
    const upstreamNames = new Set(directives(nginx, 'upstream').map((u) => u.node.args[0] ?? ''));
    for (const { node } of directives(nginx, PASS)) {
      const arg = node.args[0];
      if (!arg || node.templated) continue;
      const t = passTarget(node.directive, arg);
      if (!t || t.variable || t.unix !== null || !isHostName(t.host) || STABLE.test(t.host) || upstreamNames.has(t.host)) continue;
      out.push({
        file: node.file,
        line: node.line,
        text: textOf(node),
        message: `"${t.host}" is resolved once when nginx starts or reloads; if its address changes, requests go to the old one and fail.`,
        before: `${node.directive} ${arg};`,
        after: `resolver 127.0.0.53 valid=10s;   # your resolver (Docker: 127.0.0.11)\nset $upstream ${origin(arg)};\n${node.directive} $upstream${pathOf(arg)};`,
      });
    }
    // Upstream servers with a name: re-resolved only with `resolve` (open source nginx ≥ 1.27.3, with a zone).
    const canResolve = compareVersions(env.nginxVersion, '1.27.3') >= 0;
    for (const { node, blocks } of directives(nginx, 'server')) {
      const up = blocks[blocks.length - 1];
      if (up?.directive !== 'upstream' || node.templated) continue;
      const addr = node.args[0] ?? '';
      const host = addr.replace(/:\d+$/, '');
      if (addr.startsWith('unix:') || !isHostName(host) || STABLE.test(host) || node.args.includes('resolve')) continue;
      const hasZone = (up.block ?? []).some((n) => n.directive === 'zone');
      const hasResolver = effective(up, 'resolver').length > 0;
      out.push({
        file: node.file,
        line: node.line,
        text: textOf(node),
        message: `upstream server "${host}" is resolved once when nginx starts or reloads${canResolve ? '' : ` (nginx ${env.nginxVersion} cannot re-resolve upstream servers; 1.27.3 and later can)`}.`,
        before: `upstream ${up.args[0] ?? ''} {\n    server ${node.args.join(' ')};\n}`,
        after: canResolve
          ? `${hasResolver ? '' : 'resolver 127.0.0.53 valid=10s;\n'}upstream ${up.args[0] ?? ''} {\n    ${hasZone ? '' : 'zone upstreams 64k;\n    '}server ${node.args.join(' ')} resolve;\n}`
          : `# nginx < 1.27.3: reload nginx when ${host} changes address, or proxy_pass a variable with a resolver`,
      });
    }
    return out;
  },
});
