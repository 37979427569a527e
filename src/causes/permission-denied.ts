/** permission-denied: the OS denies the connection (socket permissions, SELinux, AppArmor). */
import { defineCause } from './types.js';
import { claim, own, withErrno } from './util.js';

export default defineCause({
  meta: {
    id: 'permission-denied',
    title: 'The operating system denies the proxy access to the upstream',
    seedCategory: 'Firewall/Security Software',
    summary: 'The proxy\'s worker process is not allowed to connect: the unix socket\'s owner or mode excludes the proxy\'s user, or SELinux/AppArmor forbids the web server from making network connections.',
    explanation:
      'A connect() that fails with "Permission denied" (errno 13) comes from the local system, not the upstream. For unix sockets: PHP-FPM\'s `listen.owner`/`listen.group`/`listen.mode` must let the nginx/Apache worker user (www-data, nginx, apache) write to the socket, and every directory on the path must be searchable. On RHEL-family systems, SELinux blocks httpd from connecting to network ports unless `httpd_can_network_connect` is on, and from sockets with the wrong label. AppArmor profiles can do the same. The proxy answers 502.',
    statuses: [502, 503],
    signals: [
      'nginx: connect() to unix:/run/php/php8.2-fpm.sock failed (13: Permission denied) while connecting to upstream',
      'nginx (SELinux): connect() to 127.0.0.1:8080 failed (13: Permission denied)',
      'audit.log: avc: denied { name_connect } for comm="nginx" / { connectto }',
      'Apache: (13)Permission denied: AH02454: FCGI: attempt to connect to Unix domain socket ... failed',
    ],
    facts: ['connect-failed', 'access-denied'],
    fixes: {
      owner: [
        'Unix socket: let the proxy user in. In the PHP-FPM pool: `listen.owner = www-data`, `listen.group = www-data`, `listen.mode = 0660`, then `systemctl restart php8.2-fpm`; check with `ls -l /run/php/` and `sudo -u www-data test -w /run/php/php8.2-fpm.sock && echo ok`.',
        'SELinux: `ausearch -m avc -ts recent`; allow network connections with `setsebool -P httpd_can_network_connect 1`, or label the port: `semanage port -a -t http_port_t -p tcp 8080`.',
        'AppArmor: `aa-status` and `journalctl -k | grep apparmor="DENIED"`; extend the nginx/apache profile to the socket path.',
      ],
      visitor: ['The site\'s web server is not permitted to reach its application; this is a server setting. Tell the site owner.'],
    },
    related: ['upstream-refused', 'firewall-blocked'],
    lab: { faults: ['socket-permission'] },
    messages: {
      denied: '{count} request(s) failed: the OS denied the proxy access to {upstream} (EACCES: socket permissions, SELinux or AppArmor).',
    },
  },
  checks(t) {
    if (t.kind === 'unix') return [`Check every directory and the socket itself for the proxy's user: \`namei -l ${t.path}\`; PHP-FPM pool: \`listen.owner\`/\`listen.group\`/\`listen.mode = 0660\` matching the web server's user (\`www-data\`).`];
    if (t.kind === 'tcp') return [`Look for the denial: \`ausearch -m avc -ts recent | grep ${t.port}\` (SELinux) or \`journalctl -k | grep -i apparmor\`.`];
    return [];
  },
  detect(i) {
    const f = withErrno(i, 'connect-failed', ['EACCES']) ?? own(i, 'access-denied')[0];
    return f ? claim(0.92, 'denied', [f]) : null;
  },
});
