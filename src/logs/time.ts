/** Timestamp parsing for log lines: fast fixed-layout parsers, and zone offsets for logs written without one. */

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parse the common log format time "01/Dec/2026:12:56:13 +0000" (nginx $time_local, Apache %t).
 * Returns epoch ms, or NaN.
 */
export function parseClfTime(s: string, i = 0): number {
  const day = digits(s, i, 2);
  const mon = MONTHS[s.slice(i + 3, i + 6)];
  const year = digits(s, i + 7, 4);
  const hh = digits(s, i + 12, 2);
  const mm = digits(s, i + 15, 2);
  const ss = digits(s, i + 18, 2);
  if (mon === undefined || Number.isNaN(day + year + hh + mm + ss)) return NaN;
  const sign = s.charCodeAt(i + 21) === 45 ? -1 : 1;
  const oh = digits(s, i + 22, 2);
  const om = digits(s, i + 24, 2);
  if (Number.isNaN(oh + om)) return NaN;
  return Date.UTC(year, mon, day, hh, mm, ss) - sign * (oh * 60 + om) * 60_000;
}

/** The zone offset in minutes written in a CLF time, or null. */
export function clfOffsetMinutes(s: string, i = 0): number | null {
  const sign = s.charCodeAt(i + 21) === 45 ? -1 : s.charCodeAt(i + 21) === 43 ? 1 : 0;
  const oh = digits(s, i + 22, 2);
  const om = digits(s, i + 24, 2);
  if (sign === 0 || Number.isNaN(oh + om)) return null;
  return sign * (oh * 60 + om);
}

/**
 * Parse "2026/12/01 12:56:13" (nginx error log) as a wall-clock time; returns ms as if it were UTC.
 * Apply a zone with `wallToUtc`.
 */
export function parseNginxErrorWall(s: string, i = 0): number {
  const year = digits(s, i, 4);
  const mon = digits(s, i + 5, 2);
  const day = digits(s, i + 8, 2);
  const hh = digits(s, i + 11, 2);
  const mm = digits(s, i + 14, 2);
  const ss = digits(s, i + 17, 2);
  if (Number.isNaN(year + mon + day + hh + mm + ss)) return NaN;
  return Date.UTC(year, mon - 1, day, hh, mm, ss);
}

/** Parse ISO 8601 / RFC 3339 ("2026-12-01T12:56:13.123Z", "...+01:00", with a space instead of T). */
export function parseIsoTime(s: string): number {
  const t = Date.parse(s.includes(' ') && !s.includes('T') ? s.replace(' ', 'T') : s);
  return Number.isNaN(t) ? NaN : t;
}

/** How a wall-clock time without offset is turned into an instant. */
export type ZoneRule = { kind: 'offset'; minutes: number } | { kind: 'zone'; zone: string };

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of an IANA zone at an instant, in minutes east of UTC. */
export function zoneOffsetAt(zone: string, utcMs: number): number {
  let f = zoneFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    zoneFormatters.set(zone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/** Check that a zone name is known to this runtime. */
export function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Convert a wall-clock time (ms as if UTC) to an instant. */
export function wallToUtc(wallMs: number, rule: ZoneRule): number {
  if (rule.kind === 'offset') return wallMs - rule.minutes * 60_000;
  // Two passes settle the offset across DST changes.
  let guess = wallMs - zoneOffsetAt(rule.zone, wallMs) * 60_000;
  guess = wallMs - zoneOffsetAt(rule.zone, guess) * 60_000;
  return guess;
}

/** The host's zone name. */
export function hostZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * Parse a --since / --until value: a duration back from `now` ("15m", "2h", "1d", "90s") or an absolute time.
 * @example parseTimeBound('15m', Date.now())
 */
export function parseTimeBound(value: string, now: number): number | null {
  const rel = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hour|d|day)s?$/i.exec(value.trim());
  if (rel) {
    const n = Number(rel[1]);
    const unit = (rel[2] ?? 's').toLowerCase()[0];
    const mult = unit === 's' ? 1000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000;
    return now - n * mult;
  }
  const t = parseIsoTime(value.trim());
  return Number.isNaN(t) ? null : t;
}

/** Format epoch ms as ISO 8601 UTC without milliseconds when they are zero. */
export function iso(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}

const MON_RE = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
// "[16-Oct-2020 17:03:39]" (PHP-FPM, PHP error_log; may carry a zone name after the time).
const FPM_TIME = new RegExp(`^\\[(\\d{2})-${MON_RE}-(\\d{4}) (\\d{2}):(\\d{2}):(\\d{2})(?:\\.\\d+)?(?: [A-Za-z_/+-]+)?\\]\\s*`);
// "[2024-01-09 13:24:39 +0000]" (gunicorn) and "[2020-12-15 13:11:08]" (Laravel).
const BRACKET_ISO = /^\[(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?(?: ?([+-]\d{2}):?(\d{2}))?\]\s*/;
// "[Sat Jan 21 20:25:45 2017]" (dmesg -T).
const DMESG_T = new RegExp(`^\\[\\w{3} ${MON_RE} +(\\d{1,2}) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})\\]\\s*`);

/**
 * Strip a leading timestamp that application logs put before their messages, returning the instant.
 * Times without a zone are read with `zone`.
 * @example leadingTime('[16-Oct-2020 17:03:39] WARNING: ...', { kind: 'offset', minutes: 0 })
 */
export function leadingTime(line: string, zone: ZoneRule): { time: number; rest: string } | null {
  if (line.charCodeAt(0) !== 91 /* [ */) return null;
  let m = FPM_TIME.exec(line);
  if (m) {
    const wall = Date.UTC(Number(m[3]), MONTHS[m[2] ?? ''] ?? 0, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
    return { time: wallToUtc(wall, zone), rest: line.slice(m[0].length) };
  }
  m = BRACKET_ISO.exec(line);
  if (m) {
    const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    if (m[7] !== undefined) {
      const sign = m[7].startsWith('-') ? -1 : 1;
      const off = sign * (Math.abs(Number(m[7])) * 60 + Number(m[8]));
      return { time: wall - off * 60_000, rest: line.slice(m[0].length) };
    }
    return { time: wallToUtc(wall, zone), rest: line.slice(m[0].length) };
  }
  m = DMESG_T.exec(line);
  if (m) {
    const wall = Date.UTC(Number(m[6]), MONTHS[m[1] ?? ''] ?? 0, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
    return { time: wallToUtc(wall, zone), rest: line.slice(m[0].length) };
  }
  return null;
}
