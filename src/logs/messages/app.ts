/**
 * Recognises what applications write when they fail: PHP fatals, database connection errors, failed calls to
 * other services. Used on FastCGI stderr in nginx logs, on PHP-FPM and application logs, and on pasted text.
 * Message texts are those of PHP (Zend/zend_errors, PDO, mysqli, cURL), libpq, MySQL client, Redis clients and
 * Node/Python clients as they print them.
 */
import type { FactKind } from '../../evidence/facts.js';

export interface AppMessage {
  kind: Extract<FactKind, 'app-fatal' | 'db-error' | 'third-party-error' | 'upstream-worker-killed'>;
  detail: string;
}

const DB_PORTS = /[:\s](?:3306|5432|6379|27017|1433|1521|9042|11211)\b/;

const DB_RULES: [RegExp, string][] = [
  [/SQLSTATE\[(?:HY000|08006|08001|08004|08S01)\] \[(?:2002|2003|2005|2006|2013|7|1040|1203)\]/, 'sql-connect'],
  [/SQLSTATE\[HY000\] \[1045\]|Access denied for user '[^']*'@/, 'sql-auth'],
  [/\bmysqli?(?:_real)?_connect\(\)[^:]*: \(HY000\/(?:2002|2003|2005|2006|1040)\)/i, 'mysql-connect'],
  [/Error establishing a database connection/i, 'wordpress-db'],
  [/MySQL server has gone away|Lost connection to MySQL server|Can't connect to (?:local )?MySQL server|Too many connections\b/i, 'mysql-connect'],
  [/could not connect to server|connection to server at "[^"]*"[^,]*, port \d+ failed|FATAL: {1,2}(?:sorry, too many clients already|the database system is (?:starting up|shutting down|in recovery mode)|remaining connection slots are reserved)/i, 'postgres-connect'],
  [/(?:psycopg2?|asyncpg|django\.db\.utils|sqlalchemy\.exc)\.?\w*OperationalError/, 'python-db'],
  [/Sequelize(?:Connection(?:Refused|Timedout|Acquire\w*)?|HostNotFound)Error|MongoNetworkError|MongoServerSelectionError|PrismaClientInitializationError|Can't reach database server/, 'node-db'],
  [/RedisException|Redis connection|READONLY You can't write against a read only replica|LOADING Redis is loading|Connection refused \[tcp:\/\/[^\]]*:6379\]|ECONNREFUSED [\d.]+:6379/i, 'redis'],
  [/ECONNREFUSED [\d.:[\]a-f]+:(?:3306|5432|27017)\b/, 'node-db'],
  [/PDOException|Doctrine\\DBAL\\Exception\\ConnectionException|Illuminate\\Database\\QueryException.*SQLSTATE\[(?:HY000|08006)\] \[(?:2002|7)\]/, 'sql-connect'],
  // libpq ≥ 14 over a unix socket: 'connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: ...'.
  [/connection to server on socket "[^"]*" failed/, 'postgres-connect'],
  // Redis refusing writes after a failed RDB save (disk full, permissions).
  [/\bMISCONF Redis is configured to save RDB snapshots/, 'redis'],
];

const THIRD_PARTY_RULES: [RegExp, string][] = [
  [/cURL error (?:6|7|28|35|52|56)\b/, 'curl'],
  [/GuzzleHttp\\Exception\\(?:ConnectException|ServerException|RequestException)/, 'guzzle'],
  [/requests\.exceptions\.(?:ConnectTimeout|ReadTimeout|ConnectionError)|urllib3\.exceptions\.(?:MaxRetryError|ReadTimeoutError|NewConnectionError)|httpx\.(?:ConnectTimeout|ReadTimeout|ConnectError)/, 'python-http'],
  [/(?:FetchError|AxiosError|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|socket hang up)\b/, 'node-http'],
  [/getaddrinfo (?:ENOTFOUND|EAI_AGAIN) (?!localhost)[\w.-]+/, 'dns'],
  [/file_get_contents\(https?:\/\/[^)]*\): [Ff]ailed to open stream/, 'php-stream'],
  [/Operation timed out after \d+ milliseconds|Connection timed out after \d+ milliseconds|Failed to connect to [\w.-]+ port \d+/, 'curl'],
];

const APP_RULES: [RegExp, string][] = [
  [/PHP Fatal error: +Allowed memory size of \d+ bytes exhausted/, 'php-memory'],
  [/PHP Fatal error: +Maximum execution time of \d+ seconds? exceeded/, 'php-timeout'],
  [/PHP Fatal error: /, 'php-fatal'],
  [/PHP Parse error: /, 'php-parse'],
  [/\bFatal error: (?:Uncaught|Allowed memory|Maximum execution)/, 'php-fatal'],
  [/^Traceback \(most recent call last\):/, 'python-traceback'],
  [/UnhandledPromiseRejection|Uncaught (?:Exception|TypeError|ReferenceError|RangeError)|FATAL ERROR: .*JavaScript heap out of memory/, 'node-crash'],
  [/\bpanic: |goroutine \d+ \[running\]:/, 'go-panic'],
  [/java\.lang\.OutOfMemoryError|Exception in thread "[^"]*"/, 'java-exception'],
];

/**
 * Classify an application message. Database and third-party failures win over the fatal error they cause,
 * because they are the deeper reason.
 * @example recogniseAppMessage('PHP message: PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused')
 *   // { kind: 'db-error', detail: 'sql-connect' }
 */
export function recogniseAppMessage(text: string): AppMessage | null {
  for (const [re, detail] of DB_RULES) if (re.test(text)) return { kind: 'db-error', detail };
  if (/Connection refused|timed out|ECONNREFUSED|ETIMEDOUT/i.test(text) && DB_PORTS.test(text)) {
    return { kind: 'db-error', detail: 'db-port' };
  }
  for (const [re, detail] of THIRD_PARTY_RULES) if (re.test(text)) return { kind: 'third-party-error', detail };
  for (const [re, detail] of APP_RULES) if (re.test(text)) return { kind: 'app-fatal', detail };
  return null;
}
