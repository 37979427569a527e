/**
 * Compiles an nginx `log_format` string into a line parser, and knows the common formats by name
 * (combined, common, main, the upstream-timing format from nginx.com, ingress-nginx's upstream format).
 */

/** A compiled access-log format. */
export interface CompiledLogFormat {
  name: string;
  source: string;
  regex: RegExp;
  /** Variable names in capture order. */
  vars: string[];
  /**
   * Bytes that precede a 5xx status in this format (the tail of the literal before $status, then "5").
   * Lets a scanner find candidate error lines with Buffer#indexOf instead of parsing every line.
   */
  statusNeedle: Buffer | null;
  /** Anything may follow the format's last field (read as key=value pairs). */
  tail: boolean;
}

type Piece = { lit: string } | { v: string };

function tokenize(fmt: string): Piece[] {
  const out: Piece[] = [];
  let lit = '';
  for (let i = 0; i < fmt.length; ) {
    const c = fmt[i];
    if (c === '$') {
      let name = '';
      let j = i + 1;
      if (fmt[j] === '{') {
        const close = fmt.indexOf('}', j);
        if (close !== -1) {
          name = fmt.slice(j + 1, close);
          j = close + 1;
        }
      } else {
        while (j < fmt.length && /[A-Za-z0-9_]/.test(fmt[j] ?? '')) name += fmt[j++];
      }
      if (name) {
        if (lit) out.push({ lit });
        lit = '';
        out.push({ v: name });
        i = j;
        continue;
      }
    }
    lit += c;
    i++;
  }
  if (lit) out.push({ lit });
  return out;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Upstream variables list several attempts: "10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80".
const MULTI = /^upstream_(?:addr|status|connect_time|header_time|response_time|response_length|bytes_received|bytes_sent)$/;

// Variables whose values have a fixed shape: a typed pattern keeps a field from swallowing its neighbours
// (a custom format that ends in $status, or two variables with only a space between them).
const NUMERIC = /^(?:body_bytes_sent|bytes_sent|request_length|connection|connection_requests|content_length|pid)$/;
const SECONDS = /^(?:request_time|msec)$/;

function valuePattern(v: string, next: Piece | undefined): string {
  const stop = next && 'lit' in next ? next.lit[0] : undefined;
  if (v === 'status') return '(\\d{3})';
  if (NUMERIC.test(v) && !(stop !== undefined && /\d/.test(stop))) return '(\\d+|-)';
  if (SECONDS.test(v) && !(stop !== undefined && /[\d.]/.test(stop))) return '(\\d+(?:\\.\\d+)?|-)';
  if (v === 'time_local' && (stop === ']' || stop === ' ' || stop === '"' || stop === undefined)) {
    return '(\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4})';
  }
  if (stop === undefined) return '(.*)';
  const notStop = `[^${escapeRe(stop)}\\n]`;
  if (MULTI.test(v) && stop === ' ') return `(${notStop}*(?:(?:, | : )${notStop}*)*)`;
  return `(${notStop}*)`;
}

/**
 * Compile an nginx log_format string.
 * @example compileLogFormat('custom', '$remote_addr [$time_local] "$request" $status')
 */
export function compileLogFormat(name: string, source: string, opts: { tail?: boolean } = {}): CompiledLogFormat {
  const pieces = tokenize(source.trim());
  let re = '^';
  const vars: string[] = [];
  let statusNeedle: Buffer | null = null;
  pieces.forEach((p, i) => {
    if ('lit' in p) {
      re += escapeRe(p.lit);
      return;
    }
    vars.push(p.v);
    re += valuePattern(p.v, pieces[i + 1]);
    if (p.v === 'status') {
      const prev = pieces[i - 1];
      if (prev && 'lit' in prev && prev.lit.length > 0) statusNeedle = Buffer.from(`${prev.lit.slice(-3)}5`);
    }
  });
  if (opts.tail) {
    // Fields appended after a known format ("combined plus extras"): read later as key=value pairs.
    re += '(?: (.*?))?';
    vars.push(TAIL_VAR);
  }
  re += '\\s*$';
  return { name, source, regex: new RegExp(re), vars, statusNeedle, tail: opts.tail === true };
}

/** Formats known by name, most specific first (detection prefers the first that matches). */
export const KNOWN_NGINX_FORMATS: Record<string, string> = {
  // kubernetes/ingress-nginx default `log-format-upstream`.
  'ingress-nginx':
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id',
  // nginx.com "upstream_time" example format (Admin Guide: Configuring Logging).
  'upstream-time':
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time"',
  // nginx's sample nginx.conf `main` format: combined plus X-Forwarded-For.
  main: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"',
  combined: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"',
  common: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent',
};

/** The capture holding the free-form tail of a "known format plus extras" line. */
export const TAIL_VAR = '(tail)';

let compiledKnown: CompiledLogFormat[] | null = null;

/**
 * The known formats, compiled once, most specific first. `combined+` is combined followed by anything (the
 * most common custom format: combined plus a few `key=value` or quoted extras); it sorts after the exact ones.
 */
export function knownFormats(): CompiledLogFormat[] {
  if (!compiledKnown) {
    compiledKnown = [];
    for (const [n, s] of Object.entries(KNOWN_NGINX_FORMATS)) {
      compiledKnown.push(compileLogFormat(n, s));
      if (n === 'combined') compiledKnown.push(compileLogFormat('combined+', s, { tail: true }));
    }
  }
  return compiledKnown;
}

// Names people give upstream variables in key=value tails (nginx.com's rt/uct/uht/urt, and spelled out).
const TAIL_ALIASES: Record<string, string> = {
  rt: 'request_time',
  request_time: 'request_time',
  uct: 'upstream_connect_time',
  upstream_connect_time: 'upstream_connect_time',
  uht: 'upstream_header_time',
  upstream_header_time: 'upstream_header_time',
  urt: 'upstream_response_time',
  upstream_response_time: 'upstream_response_time',
  us: 'upstream_status',
  ups: 'upstream_status',
  upstream_status: 'upstream_status',
  ua: 'upstream_addr',
  upa: 'upstream_addr',
  upstream: 'upstream_addr',
  upstream_addr: 'upstream_addr',
  request_id: 'request_id',
  req_id: 'request_id',
  rid: 'request_id',
  host: 'host',
};

/**
 * Read `key=value` / `key="value"` pairs from a line's tail into nginx variable names.
 * @example tailFields('rt=0.001 uct="0.000" us="502"') // {request_time:'0.001', upstream_connect_time:'0.000', upstream_status:'502'}
 */
export function tailFields(tail: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z_][\w.-]*)[=:]\s?("([^"]*)"|(\S+))/g;
  for (let m = re.exec(tail); m; m = re.exec(tail)) {
    const name = TAIL_ALIASES[(m[1] ?? '').toLowerCase()];
    if (name && out[name] === undefined) out[name] = m[3] ?? m[4] ?? '';
  }
  return out;
}

/** Split a multi-attempt upstream value ("a, b : c") into its attempts. */
export function splitAttempts(value: string): string[] {
  return value.split(/, | : /);
}

/** Parse an upstream timing list; "-" becomes null. */
export function parseTimes(value: string | undefined): (number | null)[] | undefined {
  if (value === undefined || value === '') return undefined;
  return splitAttempts(value).map((v) => {
    const n = Number(v);
    return v === '-' || Number.isNaN(n) ? null : n;
  });
}
