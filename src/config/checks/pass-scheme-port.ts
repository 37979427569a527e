/** pass-scheme-port: a scheme that does not match its port (http:// to 443, https:// to 80, FastCGI to a web port). */
import { directives } from '../nginx-lookup.js';
import { defineCheck, type ConfigFinding } from './types.js';
import { passTarget, textOf } from './util.js';

const TLS_PORTS = new Set([443, 8443, 9443, 4443]);
const PLAIN_WEB_PORTS = new Set([80, 8080, 8000, 3000, 5000, 8081]);

export default defineCheck({
  meta: {
    id: 'pass-scheme-port',
    cause: 'protocol-mismatch',
    title: 'The upstream scheme does not match its port',
    directives: ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'grpc_pass'],
    why: 'Each upstream port speaks one protocol. Plain HTTP sent to a TLS port gets garbage back or a dropped connection; TLS sent to a plain port fails the handshake ("wrong version number"); FastCGI sent to a web server gets an HTTP answer nginx cannot read. Each is a 502.',
    reads: ['nginx'],
    certain: true,
  },
  check({ nginx }) {
    if (!nginx) return [];
    const out: ConfigFinding[] = [];
    for (const { node } of directives(nginx, ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'grpc_pass'])) {
      const arg = node.args[0] ?? '';
      const t = passTarget(node.directive, arg);
      if (!t || t.port === null || node.templated) continue;
      let message: string | null = null;
      let after = '';
      if (node.directive === 'proxy_pass' && t.scheme === 'http' && TLS_PORTS.has(t.port)) {
        message = `plain HTTP to port ${t.port}, which usually speaks TLS.`;
        after = `${node.directive} ${arg.replace(/^http:/, 'https:')};\nproxy_ssl_server_name on;`;
      } else if (node.directive === 'proxy_pass' && t.scheme === 'https' && PLAIN_WEB_PORTS.has(t.port)) {
        message = `TLS to port ${t.port}, which usually speaks plain HTTP ("wrong version number").`;
        after = `${node.directive} ${arg.replace(/^https:/, 'http:')};`;
      } else if (node.directive !== 'proxy_pass' && (PLAIN_WEB_PORTS.has(t.port) || TLS_PORTS.has(t.port))) {
        message = `${node.directive} speaks ${t.scheme === 'fastcgi' ? 'FastCGI' : t.scheme} to port ${t.port}, a web server port; PHP-FPM listens on 9000 or a unix socket.`;
        after = `${node.directive} unix:/run/php/php8.2-fpm.sock;   # or 127.0.0.1:9000, the pool's listen\n# or, for an HTTP application: proxy_pass http://${t.host}:${t.port};`;
      }
      if (message) out.push({ file: node.file, line: node.line, text: textOf(node), message, before: `${textOf(node)}`, after });
    }
    return out;
  },
});
