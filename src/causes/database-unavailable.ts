/** database-unavailable: the application failed because its database was unreachable. */
import { defineCause } from './types.js';
import { claim, near, own } from './util.js';

export default defineCause({
  meta: {
    id: 'database-unavailable',
    title: 'The application cannot reach its database',
    seedCategory: 'Database Connection Issues',
    summary: 'The application could not connect to its database (down, out of connections, wrong credentials, too slow), so its requests failed or hung and the proxy answered 502/504.',
    explanation:
      'Most web applications need their database for every page. When MySQL/MariaDB, PostgreSQL or Redis is down, refuses connections ("SQLSTATE[HY000] [2002] Connection refused"), has no connection slots left ("Too many connections", "sorry, too many clients already"), or answers very slowly, the application throws, crashes or waits until the proxy times out. WordPress shows "Error establishing a database connection".',
    statuses: [502, 504, 500],
    signals: [
      'PHP: PDOException: SQLSTATE[HY000] [2002] Connection refused / [1040] Too many connections',
      'PostgreSQL client: could not connect to server / FATAL: sorry, too many clients already',
      'WordPress: Error establishing a database connection; Redis: Connection refused [tcp://127.0.0.1:6379]',
      'these messages in FastCGI stderr or the app log at the same second as the 502/504s',
    ],
    facts: ['db-error'],
    explains: ['app-error', 'upstream-timeout', 'upstream-closed-early', 'upstream-overloaded'],
    fixes: {
      owner: [
        'Check the database service: `systemctl status mariadb` / `postgresql`, `ss -ltnp | grep -E "3306|5432|6379"`, and its log for crashes or OOM kills.',
        'Connection limits: compare active connections with the limit (`SHOW STATUS LIKE "Threads_connected"` vs `max_connections`; PostgreSQL `SELECT count(*) FROM pg_stat_activity` vs `max_connections`); use a pooler (PgBouncer, ProxySQL) or fewer app workers.',
        'Credentials and host: the app\'s DB settings (`DB_HOST`, `wp-config.php`, `DATABASE_URL`) must match; prefer 127.0.0.1 over localhost when the socket path differs.',
        'Slow queries that hold connections: enable the slow query log and add the missing indexes.',
      ],
      visitor: ['The site\'s database is unavailable; nothing on your side can fix it. Try again later.'],
    },
    related: ['app-error', 'upstream-timeout', 'upstream-overloaded', 'third-party-failure'],
    lab: { none: 'A database behind PHP-FPM is not part of the lab; covered by application-log fixtures from public sources.' },
    messages: {
      db: '{count} request(s) failed because the application could not use its database ({detail}).',
    },
  },
  detect(i) {
    const f = own(i, 'db-error')[0] ?? near(i, 'db-error')[0];
    if (!f) return null;
    const symptom = i.facts.find((x) => x !== f);
    const echoes = near(i, 'db-error').filter((x) => x !== f);
    if (own(i, 'db-error').length > 0) return claim(0.88, 'db', [f, ...(symptom ? [symptom] : []), ...echoes], f.detail ?? 'database');
    // From another file: only explain failures a database outage can produce.
    const fitting = i.facts.find((x) => x.kind === 'timeout' || x.kind === 'upstream-closed' || x.kind === 'upstream-reset' || x.kind === 'app-status' || x.kind === 'app-fatal' || x.kind === 'gateway-status');
    return fitting ? claim(0.75, 'db', [f, fitting], f.detail ?? 'database') : null;
  },
});
