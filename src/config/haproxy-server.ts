/**
 * HAProxy `server` / `default-server` / `server-template` lines: the address and the options that decide whether a
 * server is checked, how TLS to it is verified, and how it is resolved (configuration.txt 5.2, HAProxy 2.6).
 */
import { haproxyTime } from './haproxy-words.js';

/** HAProxy's own values when a check option is not set (configuration.txt 5.2: inter 2s, fall 3, rise 2). */
export const HAPROXY_CHECK_DEFAULTS = { interMs: 2000, fall: 3, rise: 2 } as const;

/** Server options that matter for 502/503/504, after default-server lines were applied. */
export interface HaproxyServerOptions {
  check?: boolean;
  /** Health-check interval (ms). */
  inter?: number;
  fall?: number;
  rise?: number;
  ssl?: boolean;
  verify?: 'none' | 'required';
  /** As written; relative names are resolved against `ca-base` in `caFilePath`. */
  caFile?: string;
  caFilePath?: string;
  /** The SNI expression, e.g. `str(app.example.com)` or `req.hdr(host)`. */
  sni?: string;
  verifyhost?: string;
  resolvers?: string;
  initAddr?: string;
  maxconn?: number;
  backup?: boolean;
  disabled?: boolean;
  /** Health checks over TLS (`check-ssl`). */
  checkSsl?: boolean;
  /** Health-check port (`port`). */
  checkPort?: number;
  /** Every other keyword: its argument, or true for a flag (negations of those: false). */
  other: Record<string, string | boolean>;
}

/** Where a server is: an inet host and port, or a unix socket. */
export interface HaproxyServerAddress {
  /** The address as written (after variable substitution). */
  raw: string;
  /** Host name or IP (or the unix socket path, for unix sockets). */
  address: string;
  /** Null: no port, HAProxy uses the port the client connected to (or `portOffset`). */
  port: number | null;
  /** `+N` / `-N`: the client's destination port plus an offset. */
  portOffset?: number;
  /** The socket path for `unix@/path` and `/path` addresses, else null. */
  unix: string | null;
  /** An explicit address family prefix (`ipv4@`, `ipv6@`, `abns@`...), without the `@`. */
  family?: string;
}

// Keywords and how many arguments each takes; a wrong count would shift every later keyword.
const FLAGS = new Set([
  'agent-check', 'allow-0rtt', 'backup', 'check', 'check-send-proxy', 'check-ssl', 'check-via-socks4', 'disabled', 'enabled',
  'force-sslv3', 'force-tlsv10', 'force-tlsv11', 'force-tlsv12', 'force-tlsv13', 'no-agent-check', 'no-backup', 'no-check',
  'no-check-ssl', 'no-send-proxy', 'no-send-proxy-v2', 'no-send-proxy-v2-ssl', 'no-send-proxy-v2-ssl-cn', 'no-ssl', 'no-ssl-reuse',
  'no-sslv3', 'no-tfo', 'no-tls-tickets', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13', 'no-verifyhost', 'non-stick',
  'send-proxy', 'send-proxy-v2', 'send-proxy-v2-ssl', 'send-proxy-v2-ssl-cn', 'ssl', 'ssl-reuse', 'stick', 'tfo', 'tls-tickets',
  'check-reuse-pool', 'no-check-reuse-pool', 'strict-maxconn', 'no-strict-maxconn', 'idle-ping', 'check-send-proxy-v2',
]);
const ONE_ARG = new Set([
  'addr', 'agent-addr', 'agent-inter', 'agent-port', 'agent-send', 'alpn', 'ca-file', 'check-alpn', 'check-proto', 'check-sni',
  'ciphers', 'ciphersuites', 'client-sigalgs', 'cookie', 'crl-file', 'crt', 'curves', 'downinter', 'error-limit', 'fall',
  'fastinter', 'id', 'init-addr', 'inter', 'log-proto', 'max-reuse', 'maxconn', 'maxqueue', 'minconn', 'namespace', 'npn',
  'observe', 'on-error', 'on-marked-down', 'on-marked-up', 'pool-low-conn', 'pool-max-conn', 'pool-purge-delay', 'port',
  'proto', 'proxy-v2-options', 'redir', 'resolve-net', 'resolve-opts', 'resolve-prefer', 'resolvers', 'rise', 'shard',
  'sigalgs', 'slowstart', 'sni', 'socks4', 'ssl-max-ver', 'ssl-min-ver', 'tcp-ut', 'track', 'verify', 'verifyhost', 'weight',
  'ws', 'guid', 'hash-key', 'log-bufsize', 'init-state', 'pool-conn-name', 'check-pool-conn-name', 'tcp-md5sig', 'cc',
]);
// Negations that turn a flag of an earlier default-server off.
const NEGATES: Record<string, string> = {
  'no-check': 'check', 'no-ssl': 'ssl', 'no-backup': 'backup', enabled: 'disabled', 'no-check-ssl': 'check-ssl',
  'no-verifyhost': 'verifyhost', 'no-agent-check': 'agent-check', 'no-send-proxy': 'send-proxy', 'no-tfo': 'tfo',
};

/** Raw keyword → value pairs of one server line, in order, before defaults are applied. */
export type ServerKeywords = Array<[keyword: string, value: string | true]>;

/**
 * Read the keywords of a server or default-server line (the part after the address).
 * @example readServerKeywords(['check', 'inter', '3s', 'ssl']).keywords // [['check', true], ['inter', '3s'], ['ssl', true]]
 */
export function readServerKeywords(words: string[]): { keywords: ServerKeywords; problems: string[] } {
  const keywords: ServerKeywords = [];
  const problems: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const k = words[i] ?? '';
    if (FLAGS.has(k)) keywords.push([k, true]);
    else if (ONE_ARG.has(k) || k.startsWith('set-proxy-v2-tlv-fmt(')) {
      const v = words[i + 1];
      if (v === undefined) problems.push(`'${k}' expects an argument`);
      else keywords.push([k, v]);
      i++;
    } else if (k === 'source') {
      // source <addr>[:<port>] [usesrc <addr2>] [interface <name>]
      const parts = [words[i + 1] ?? ''];
      i++;
      while (words[i + 1] === 'usesrc' || words[i + 1] === 'interface') {
        parts.push(words[i + 1] ?? '', words[i + 2] ?? '');
        i += 2;
      }
      keywords.push([k, parts.join(' ')]);
    } else {
      problems.push(`unknown server keyword '${k}'; the words after it may be misread`);
      keywords.push([k, true]);
    }
  }
  return { keywords, problems };
}

/** Apply keywords on top of inherited options (default-server lines, then the server line itself). */
export function applyServerKeywords(base: HaproxyServerOptions, keywords: ServerKeywords, caBase: string | undefined): { options: HaproxyServerOptions; problems: string[] } {
  const o: HaproxyServerOptions = { ...base, other: { ...base.other } };
  const problems: string[] = [];
  const num = (k: string, v: string): number | undefined => {
    if (/^\d+$/.test(v)) return Number(v);
    problems.push(`'${k}' expects an integer, got '${v}'`);
    return undefined;
  };
  for (const [k, v] of keywords) {
    const negated = NEGATES[k];
    if (negated !== undefined) {
      setFlag(o, negated, false);
      continue;
    }
    if (v === true) {
      setFlag(o, k, true);
      continue;
    }
    switch (k) {
      case 'inter': {
        const ms = haproxyTime(v);
        if (ms === null) problems.push(`'inter' expects a time, got '${v}'`);
        else o.inter = ms;
        break;
      }
      case 'fall':
        o.fall = num(k, v);
        break;
      case 'rise':
        o.rise = num(k, v);
        break;
      case 'maxconn':
        o.maxconn = num(k, v);
        break;
      case 'port':
        o.checkPort = num(k, v);
        break;
      case 'verify':
        if (v === 'none' || v === 'required') o.verify = v;
        else problems.push(`'verify' expects 'none' or 'required', got '${v}'`);
        break;
      case 'ca-file':
        o.caFile = v;
        o.caFilePath = !v.startsWith('/') && !v.startsWith('@') && caBase ? `${caBase.replace(/\/$/, '')}/${v}` : v;
        break;
      case 'sni':
        o.sni = v;
        break;
      case 'verifyhost':
        o.verifyhost = v;
        break;
      case 'resolvers':
        o.resolvers = v;
        break;
      case 'init-addr':
        o.initAddr = v;
        break;
      default:
        o.other[k] = v;
    }
  }
  return { options: o, problems };
}

function setFlag(o: HaproxyServerOptions, k: string, on: boolean): void {
  switch (k) {
    case 'check':
      o.check = on;
      break;
    case 'ssl':
      o.ssl = on;
      break;
    case 'backup':
      o.backup = on;
      break;
    case 'disabled':
      o.disabled = on;
      break;
    case 'check-ssl':
      o.checkSsl = on;
      break;
    case 'verifyhost':
      if (!on) delete o.verifyhost;
      break;
    default:
      o.other[k] = on;
  }
}

const FAMILIES = ['ipv4', 'ipv6', 'unix', 'abns', 'fd', 'sockpair', 'udp', 'udp4', 'udp6', 'tcp', 'tcp4', 'tcp6', 'quic4', 'quic6', 'rhttp'];

/**
 * Parse a server address: `host:port`, `[v6]:port`, `ipv6@addr:port`, `unix@/path`, `/path`, `host` (no port),
 * `host:+1` (port offset). HAProxy takes the port after the last colon, IPv6 included.
 * @example parseServerAddress('unix@/run/app.sock').unix // '/run/app.sock'
 */
export function parseServerAddress(raw: string): HaproxyServerAddress {
  let rest = raw;
  let family: string | undefined;
  const at = /^([a-z0-9]+)@/.exec(rest);
  if (at && FAMILIES.includes(at[1] ?? '')) {
    family = at[1];
    rest = rest.slice(at[0].length);
  }
  const withFamily = (a: HaproxyServerAddress): HaproxyServerAddress => (family === undefined ? a : { ...a, family });
  if (family === 'unix' || (family === undefined && rest.startsWith('/'))) return withFamily({ raw, address: rest, port: null, unix: rest });
  if (family === 'abns' || family === 'fd' || family === 'sockpair') return withFamily({ raw, address: rest, port: null, unix: null });
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  let host = rest;
  let portText: string | undefined;
  if (bracket) {
    host = bracket[1] ?? '';
    portText = bracket[2];
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    }
  }
  const out: HaproxyServerAddress = { raw, address: host, port: null, unix: null };
  if (portText !== undefined && /^\d+$/.test(portText)) out.port = Number(portText);
  else if (portText !== undefined && /^[+-]\d+$/.test(portText)) out.portOffset = Number(portText);
  return withFamily(out);
}
