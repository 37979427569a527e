/**
 * mod_proxy targets as Apache writes them: `http://host:port/path`, `fcgi://127.0.0.1:9000/var/www/`,
 * `unix:/run/php/php8.2-fpm.sock|fcgi://localhost/`, `balancer://pool/`, and worker parameters (`retry=0
 * timeout=30 connectiontimeout=500ms`).
 */

/** Ports mod_proxy's scheme handlers use when the URL has none. */
export const APACHE_DEFAULT_PORTS: Readonly<Record<string, number>> = {
  http: 80, https: 443, ws: 80, wss: 443, h2c: 80, h2: 443, fcgi: 8000, ajp: 8009, scgi: 4000, uwsgi: 3031, ftp: 21,
};

export interface ApacheProxyTarget {
  /** As written. */
  raw: string;
  /** Lower-case scheme: http, https, fcgi, balancer, ws, wss, h2, h2c, ajp, scgi, uwsgi... */
  scheme: string;
  /** Host, or the balancer name for balancer:// (for unix sockets, the nominal host after the `|`). */
  host: string;
  /** The port written, else the scheme's default; null for unix sockets and when neither is known (balancer://). */
  port: number | null;
  explicitPort: boolean;
  path: string;
  /** `unix:/path|scheme://...`: the socket path, else null. */
  unixSocket: string | null;
}

/**
 * Parse a ProxyPass / BalancerMember / SetHandler "proxy:" URL; null when it is not a URL.
 * @example parseApacheProxyUrl('unix:/run/php/php8.2-fpm.sock|fcgi://localhost/')?.unixSocket // '/run/php/php8.2-fpm.sock'
 */
export function parseApacheProxyUrl(raw: string): ApacheProxyTarget | null {
  let unixSocket: string | null = null;
  let url = raw;
  const unix = /^unix:([^|]*)\|(.*)$/i.exec(raw);
  if (unix) {
    unixSocket = unix[1] ?? '';
    url = unix[2] ?? '';
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:]*)(?::(\d*))?(\/.*)?$/.exec(url);
  if (!m) return null;
  const scheme = (m[1] ?? '').toLowerCase();
  const host = (m[2] ?? '').replace(/^\[(.*)\]$/, '$1');
  const portText = m[3];
  const explicitPort = portText !== undefined && portText !== '';
  const port = unixSocket !== null ? null : explicitPort ? Number(portText) : (APACHE_DEFAULT_PORTS[scheme] ?? null);
  return { raw, scheme, host, port, explicitPort, path: m[4] ?? '', unixSocket };
}

/** Worker parameters that decide how failures look, in milliseconds where they are times. */
export interface ApacheWorkerParams {
  /** How long a worker in error state is left alone (default 60 s). */
  retryMs?: number;
  /** Read timeout for this worker (default ProxyTimeout). */
  timeoutMs?: number;
  /** Connect timeout (default: the read timeout). */
  connectionTimeoutMs?: number;
  keepalive?: boolean;
  disablereuse?: boolean;
  enablereuse?: boolean;
  /** Idle connection lifetime. */
  ttlMs?: number;
  max?: number;
}

/**
 * httpd's ap_timeout_parameter_parse: a number with an optional unit (ms, s, mi, h); `defaultUnit` when none.
 * @example apacheTime('500ms') // 500
 */
export function apacheTime(text: string, defaultUnit: 'ms' | 's' = 's'): number | null {
  const m = /^(\d+)(ms|s|mi|h)?$/i.exec(text.trim());
  if (!m) return null;
  const factor: Record<string, number> = { ms: 1, s: 1000, mi: 60_000, h: 3_600_000 };
  return Number(m[1]) * (factor[(m[2] ?? defaultUnit).toLowerCase()] ?? 1000);
}

/** Split `key=value` parameters from flags (nocanon, interpolate, noquery). */
export function splitParams(words: string[]): { params: Record<string, string>; flags: string[] } {
  const params: Record<string, string> = {};
  const flags: string[] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) params[w.slice(0, eq).toLowerCase()] = w.slice(eq + 1);
    else flags.push(w);
  }
  return { params, flags };
}

/** The typed view of worker parameters; malformed values are returned as problems. */
export function workerParams(params: Record<string, string>): { worker: ApacheWorkerParams; problems: string[] } {
  const worker: ApacheWorkerParams = {};
  const problems: string[] = [];
  const time = (key: string): number | undefined => {
    const v = params[key];
    if (v === undefined) return undefined;
    const ms = apacheTime(v);
    if (ms === null) problems.push(`${key}=${v}: not a valid time`);
    return ms ?? undefined;
  };
  const onOff = (key: string): boolean | undefined => {
    const v = params[key]?.toLowerCase();
    if (v === undefined) return undefined;
    if (v !== 'on' && v !== 'off') problems.push(`${key}=${params[key] ?? ''}: must be On or Off`);
    return v === 'on';
  };
  const assign = <K extends keyof ApacheWorkerParams>(k: K, v: ApacheWorkerParams[K] | undefined): void => {
    if (v !== undefined) worker[k] = v;
  };
  assign('retryMs', time('retry'));
  assign('timeoutMs', time('timeout'));
  assign('connectionTimeoutMs', time('connectiontimeout'));
  assign('ttlMs', time('ttl'));
  assign('keepalive', onOff('keepalive'));
  assign('disablereuse', onOff('disablereuse'));
  assign('enablereuse', onOff('enablereuse'));
  if (params.max !== undefined) {
    if (/^\d+$/.test(params.max)) worker.max = Number(params.max);
    else problems.push(`max=${params.max}: not a number`);
  }
  return { worker, problems };
}
