/**
 * Database connection errors as applications log them: Laravel/Monolog ("[2026-12-01 10:00:00]
 * production.ERROR: SQLSTATE[HY000] [2002] Connection refused"), Python logging, Django/psycopg, Rails
 * (PG::ConnectionBad, ActiveRecord::ConnectionNotEstablished, Mysql2), Node clients ("Error: connect
 * ECONNREFUSED 127.0.0.1:5432", ioredis) and Redis answers (MISCONF, LOADING). What counts as a database
 * failure is recogniseAppMessage's (messages/app.ts); this format gives such lines a time and a file format.
 * Only lines whose message is one of those shapes are taken, and never a proxy's or another format's line.
 */
import { recogniseAppMessage } from '../messages/app.js';
import { leadingTime, wallToUtc } from '../time.js';
import { fractionMs, sideFact, stripEnvelope } from './line-envelope.js';
import type { LogFormat, ParseContext } from './types.js';

// Python logging's default asctime: "2024-01-27 08:56:00,214 " (local time, no zone).
const PY_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})[,.](\d{3}) (.*)$/;
// Level and logger before the message: Monolog "production.ERROR: ", Python "[ERROR] root: ".
const LEVEL_PREFIX = /^(?:[\w-]+\.(?:DEBUG|INFO|NOTICE|WARNING|ERROR|CRITICAL|ALERT|EMERGENCY): |\[(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\] [\w.]+: )/;
// Lines of proxies and of formats that read their own database messages (nginx and Apache error logs, access
// logs, JSON, PHP-FPM, gunicorn): theirs, not this format's.
const OTHER_FORMAT =
  /^(?:\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[|\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d |\S+ \S+ \S+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:|\{|\[\d{2}-[A-Z][a-z]{2}-\d{4} [\d:.]+\] [A-Z]+: |\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}\] \[\d+\] |\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[\d+\] \[)/;

interface Read {
  detail: string;
  time: number | null;
}

function read(line: string, zone: ParseContext['zone']): Read | null {
  const env = stripEnvelope(line);
  if (OTHER_FORMAT.test(env.text)) return null;
  let text = env.text;
  let time = env.time;
  const lead = leadingTime(text, zone);
  if (lead) {
    text = lead.rest;
    time = lead.time;
  } else {
    const py = PY_TIME.exec(text);
    if (py) {
      const wall = Date.UTC(Number(py[1]), Number(py[2]) - 1, Number(py[3]), Number(py[4]), Number(py[5]), Number(py[6]), fractionMs(py[7]));
      if (!Number.isNaN(wall)) time = wallToUtc(wall, zone);
      text = py[8] ?? '';
    }
  }
  text = text.replace(LEVEL_PREFIX, '');
  const app = recogniseAppMessage(text);
  // 'db-port' is the loose fallback (any refusal naming a database port): not a clear enough shape here.
  if (!app || app.kind !== 'db-error' || app.detail === 'db-port') return null;
  return { detail: app.detail, time };
}

export const dbErrorLog: LogFormat = {
  id: 'db-errors',
  title: 'Application log lines: database connection errors (Laravel, Django, Rails, Node, Redis)',
  software: 'app',
  role: 'app',
  sniff(line) {
    return read(line, { kind: 'offset', minutes: 0 }) ? 0.55 : 0;
  },
  parse(line, ctx) {
    const r = read(line, ctx.zone);
    if (!r) return false;
    ctx.emit(sideFact({ kind: 'db-error', detail: r.detail }, ctx, line, r.time, 'db-errors', 'app'));
    return true;
  },
  samples: [
    {
      line: "[2016-03-31 14:08:25] production.ERROR: exception 'PDOException' with message 'SQLSTATE[HY000] [2002] Connection refused' in /home/vol4_1/my.vg/myvg_17773147/htdocs/application/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php:47",
      source: 'https://github.com/ftbastler/BoNeMEAL/issues/79 (Laravel 4/5 log; the stack trace follows on the next lines)',
      expect: { kind: 'db-error', detail: 'sql-connect', time: '2016-03-31T14:08:25Z' },
    },
    {
      line: String.raw`[2025-12-25 20:14:02] production.ERROR: SQLSTATE[HY000] [2002] Connection refused (Connection: mysql, SQL: select exists (select 1 from information_schema.tables where table_schema = schema() and table_name = 'na_migrations' and table_type in ('BASE TABLE', 'SYSTEM VERSIONED')) as ${'`'}exists${'`'}) {"exception":"[object] (Illuminate\\Database\\QueryException(code: 2002): SQLSTATE[HY000] [2002] Connection refused (Connection: mysql, SQL: [...]) at /homepages/4/d330097172/htdocs/BMLT/new_main_server/vendor/laravel/framework/src/Illuminate/Database/Connection.php:824)`,
      source: 'https://github.com/bmlt-enabled/bmlt-server/issues/1425 (Laravel 11; first physical line of the record, the SQL repeated in the JSON context shortened here to [...])',
      expect: { kind: 'db-error', detail: 'sql-connect', time: '2025-12-25T20:14:02Z' },
    },
    {
      line: '2024-01-27 08:56:00,214 [ERROR] root: connection failed: FATAL:  sorry, too many clients already',
      source: 'https://github.com/Syslifters/sysreptor/issues/201 (Python logging, psycopg 3)',
      expect: { kind: 'db-error', detail: 'postgres-connect', time: '2024-01-27T08:56:00.214Z' },
    },
    {
      line: 'psycopg2.OperationalError: FATAL:  remaining connection slots are reserved for non-replication superuser connections',
      source: 'https://github.com/irrdnet/irrd/issues/350',
      expect: { kind: 'db-error', detail: 'postgres-connect' },
    },
    {
      line: "django.db.utils.OperationalError: (2006, 'MySQL server has gone away')",
      source: 'https://github.com/OceanDataTools/openrvdas/issues/83',
      expect: { kind: 'db-error', detail: 'mysql-connect' },
    },
    {
      line: 'PG::ConnectionBad: connection to server on socket "/cloudsql/bootcamp-224405:asia-northeast1:bootcamp/.s.PGSQL.5432" failed: Connection refused',
      source: 'https://github.com/fjordllc/bootcamp/issues/8784 (Rails, libpq ≥ 14 over a unix socket)',
      expect: { kind: 'db-error', detail: 'postgres-connect' },
    },
    {
      line: 'Failsafe from rollbar-gem. ActiveRecord::ConnectionNotEstablished: "connection to server at "82.208.23.39", port 5432 failed: Connection timed out',
      source: 'https://github.com/DiscoverBSD/DiscoverBSD/issues/219',
      expect: { kind: 'db-error', detail: 'postgres-connect' },
    },
    {
      line: 'SQLSTATE[08004] [1040] Too many connections',
      source: 'https://github.com/humhub/humhub/issues/1462',
      expect: { kind: 'db-error', detail: 'sql-connect' },
    },
    {
      line: ' Error: connect ECONNREFUSED 127.0.0.1:5432',
      source: 'https://github.com/csfloat/inspect/issues/172 (Node; leading space as posted)',
      expect: { kind: 'db-error', detail: 'node-db' },
    },
    {
      line: '[ioredis] Unhandled error event: Error: connect ECONNREFUSED 127.0.0.1:6379',
      source: 'https://github.com/redis/ioredis/issues/1036',
      expect: { kind: 'db-error', detail: 'redis' },
    },
    {
      line: 'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.',
      source: 'https://github.com/django/channels_redis/issues/118',
      expect: { kind: 'db-error', detail: 'redis' },
    },
    {
      line: 'redis.clients.jedis.exceptions.JedisDataException: LOADING Redis is loading the dataset in memory',
      source: 'https://github.com/redis/redis/issues/812',
      expect: { kind: 'db-error', detail: 'redis' },
    },
  ],
};
