/**
 * What the upstream-side formats (PHP-FPM, gunicorn, uWSGI, Node, kernel, systemd, app logs) share: the
 * envelopes their lines arrive in when a file is read raw (journald/syslog prefixes, `docker logs -t`, CRI,
 * docker-compose, JSON wrappers) and one way to build their facts. Mixed files are unwrapped by the reader
 * before formats see a line; a file of one format is not, so these formats unwrap for themselves.
 */
import type { Fact, FactKind } from '../../evidence/facts.js';
import { parseIsoTime } from '../time.js';
import { unwrapLine } from '../wrappers.js';
import type { ParseContext } from './types.js';

/** A line without its envelope. */
export interface Envelope {
  /** The line inside the envelope (the line itself when it had none). */
  text: string;
  /**
   * The envelope's time, epoch ms. journald's and BSD syslog's "Dec  1 10:00:00" carry no year, so such
   * lines get null, as the reader gives them (wrappers.ts): a guessed year would make the same file read
   * differently next January.
   */
  time: number | null;
  /** Program named by a syslog/journald prefix ("kernel", "systemd", "php-fpm8.2"...). */
  program?: string;
  /** True when an envelope was removed. */
  wrapped: boolean;
}

// journald "short" / BSD syslog: "Dec 01 12:56:13 host prog[pid]: msg"; the day may be padded or not ("Jul 7").
const SYSLOG = /^[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \S+ ([^\s:[]+)(?:\[\d+\])?: ?(.*)$/;
// journald "short-iso" / rsyslog RFC 3339: "2026-12-01T12:56:13.136757+00:00 host prog[pid]: msg".
const SYSLOG_ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) \S+ ([^\s:[]+)(?:\[\d+\])?: ?(.*)$/;

/**
 * Remove a syslog/journald prefix, or any envelope the reader knows (CRI, docker, compose, kubectl, JSON).
 * @example stripEnvelope('Dec 01 10:00:00 web kernel: Out of memory: ...').program // 'kernel'
 */
export function stripEnvelope(line: string): Envelope {
  const c = line.charCodeAt(0);
  let m: RegExpExecArray | null;
  if (c >= 65 && c <= 90 && (m = SYSLOG.exec(line))) return { text: m[2] ?? '', time: null, program: m[1] ?? '', wrapped: true };
  if (c >= 48 && c <= 57 && (m = SYSLOG_ISO.exec(line))) {
    const t = parseIsoTime(m[1] ?? '');
    return { text: m[3] ?? '', time: Number.isNaN(t) ? null : t, program: m[2] ?? '', wrapped: true };
  }
  const un = unwrapLine(line);
  if (un.wrapper === null) return { text: line, time: null, wrapped: false };
  const env: Envelope = { text: un.line, time: un.time ?? null, wrapped: true };
  if (un.program !== undefined) env.program = un.program;
  return env;
}

/** What a line means, before it becomes a fact. */
export interface Meaning {
  kind: FactKind;
  detail: string;
  upstream?: string;
}

/**
 * A fact of an upstream-side line. These never carry `request`: they are context facts (isContextFact) that
 * explain the proxy's failures at the same seconds.
 */
export function sideFact(m: Meaning, ctx: ParseContext, line: string, time: number | null, producer: string, software: string, level?: string): Fact {
  const f: Fact = { kind: m.kind, producer, software, ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line }, time, detail: m.detail };
  if (m.upstream !== undefined) f.upstream = m.upstream;
  if (level !== undefined) f.level = level;
  return f;
}

export const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** Milliseconds of a fraction of a second written with 1 to 9 digits ("123456" → 123). */
export function fractionMs(frac: string | undefined): number {
  return frac ? Number(frac.padEnd(3, '0').slice(0, 3)) : 0;
}
