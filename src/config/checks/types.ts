/**
 * A config check (gixy-style): the directives it inspects, the cause its finding means, why it risks a 502, and
 * a pure function from the parsed configs to findings, each at a file:line with a before/after fix. Checks do no
 * I/O: what the host or a live probe knows comes in `CheckEnv`.
 */
import type { CauseId } from '../../causes/types.js';
import type { ApacheParse } from '../apache-config.js';
import type { FpmParse } from '../php-fpm-config.js';
import type { HaproxyParse } from '../haproxy-config.js';
import type { ConfigTree } from '../nginx-load.js';

/** The configs read for one run (any may be absent). */
export interface ConfigSet {
  nginx?: ConfigTree;
  haproxy?: HaproxyParse;
  apache?: ApacheParse;
  fpm?: FpmParse;
}

/** What a live upstream check measured about one target (from `why502 config --live`). */
export interface LiveTarget {
  /** As the config names it: "127.0.0.1:8080", "unix:/run/php/php8.2-fpm.sock", "backend:443". */
  target: string;
  /** Bytes of the response header the upstream sent. */
  headerBytes?: number;
  /** Time to the response header (ms). */
  latencyMs?: number;
  /** After how long the upstream closed an idle keep-alive connection (ms); null: not within the wait. */
  idleCloseMs?: number | null;
}

export interface CheckEnv {
  /** The nginx version checks assume ("1.22.1"); see `nginxVersionAssumed`. */
  nginxVersion: string;
  /** true when the version was not given (`--nginx-version`) nor read from `nginx -v`. */
  nginxVersionAssumed: boolean;
  /** The soft open-files limit nginx runs with, when known. */
  fdLimit?: number;
  /** Total memory of the host in bytes, when known. */
  memoryBytes?: number;
  /** A file's owner, group and mode when the host can tell (unix sockets of fastcgi_pass); null: missing. */
  stat?: (path: string) => { uid: number; gid: number; mode: number; user?: string; group?: string } | null;
  /** The user nginx workers run as resolves to these uid/gids (when known). */
  userIds?: (user: string) => { uid: number; gids: number[] } | null;
  live?: LiveTarget[];
}

/** One place a check found. */
export interface ConfigFinding {
  file: string;
  line: number;
  /** The directive as written ("proxy_pass http://backend:443;"). */
  text: string;
  /** What is wrong here, in one sentence. */
  message: string;
  /** The fix as a small before/after snippet. */
  before?: string;
  after?: string;
  /** The cause when this finding means another than the check's (a missing socket: nothing listens, not a permission). */
  cause?: CauseId;
}

export interface ConfigCheckMeta {
  id: string;
  /** The cause a finding of this check risks. */
  cause: CauseId;
  title: string;
  /** Directives the check inspects (for docs and for which configs it applies to). */
  directives: string[];
  /** Why it risks a 502, in plain words. */
  why: string;
  /** Which configs it reads. */
  reads: ('nginx' | 'haproxy' | 'apache' | 'php-fpm')[];
  /** A finding fails every request it concerns (not a risk under some condition): ranked first. */
  certain?: boolean;
}

export interface ConfigCheck {
  meta: ConfigCheckMeta;
  check(configs: ConfigSet, env: CheckEnv): ConfigFinding[];
}

export function defineCheck(c: ConfigCheck): ConfigCheck {
  return c;
}
