/**
 * Strips the envelopes lines arrive in: journald/syslog prefixes, `docker logs -t` and CRI timestamps,
 * `kubectl logs --prefix`, and JSON wrappers (Docker json-file, generic {"message": ...}).
 */
import { parseIsoTime } from './time.js';

export interface Unwrapped {
  line: string;
  /** Which envelope was removed (for detection and reports). */
  wrapper: 'journald' | 'syslog' | 'docker' | 'cri' | 'kubectl' | 'compose' | 'stern' | 'quote' | 'json' | null;
  /** Time of the envelope, epoch ms, when it carried one with a zone. */
  time?: number;
  /** Program name from a syslog/journald prefix (nginx, php-fpm8.2, kernel...). */
  program?: string;
}

// journald "short" and BSD syslog: "Dec 01 12:56:13 host prog[pid]: msg" (day may be space-padded).
const SYSLOG = /^([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d+)?) (\S+) ([^\s:[]+)(?:\[(\d+)\])?: (.*)$/;
// journald "short-iso" / rsyslog RFC 3339: "2026-12-01T12:56:13+0000 host prog[pid]: msg".
const SYSLOG_ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) (\S+) ([^\s:[]+)(?:\[(\d+)\])?: (.*)$/;
// CRI (containerd, CRI-O) log lines: "<RFC3339Nano> stdout|stderr F|P <line>".
const CRI = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (?:stdout|stderr) [FP] (.*)$/;
// `docker logs -t`: "<RFC3339Nano> <line>".
const DOCKER_T = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z) (.*)$/;
// `kubectl logs --prefix`: "[pod/name/container] <line>".
const KUBECTL = /^\[pod\/[^/\]]+\/[^\]]+\] (.*)$/;

// `docker compose logs`: "web_1       | <line>" / "app-1  | <line>".
const COMPOSE = /^([A-Za-z0-9][\w.-]*)\s+\|\s?(.*)$/;
// Container UIs that print "<date> <time> | stdout | <line>".
const UI_TABLE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) \| (?:stdout|stderr) \| (.*)$/;
// stern / kubetail: "<pod> <container> <RFC3339> <line>".
const STERN = /^([a-z0-9][\w.-]*) ([a-z0-9][\w.-]*) (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (.*)$/;
// Quoting as pasted: Markdown "> ", k9s "│ ".
const QUOTE = /^(?:>|│)\s?(.*)$/;

const JSON_MESSAGE_KEYS = ['log', 'message', 'msg', 'MESSAGE'];

/**
 * Remove one or more envelopes from a line.
 * @example unwrapLine('[pod/web-1/nginx] 2026/12/01 12:56:13 [error] 7#7: ...').wrapper // 'kubectl'
 */
export function unwrapLine(raw: string): Unwrapped {
  let line = raw;
  let wrapper: Unwrapped['wrapper'] = null;
  let time: number | undefined;
  let program: string | undefined;
  for (let depth = 0; depth < 3; depth++) {
    const c = line.charCodeAt(0);
    let m: RegExpExecArray | null;
    if (c === 91 /* [ */ && (m = KUBECTL.exec(line))) {
      line = m[1] ?? '';
      wrapper ??= 'kubectl';
      continue;
    }
    if (c === 123 /* { */ && line.endsWith('}')) {
      const inner = jsonMessage(line);
      if (inner) {
        line = inner.line.replace(/\r?\n$/, '');
        if (inner.time !== undefined) time ??= inner.time;
        wrapper ??= 'json';
        continue;
      }
      break;
    }
    if ((c === 62 || c === 0x2502) && (m = QUOTE.exec(line))) {
      line = m[1] ?? '';
      wrapper ??= 'quote';
      continue;
    }
    if (c >= 48 && c <= 57) {
      if ((m = UI_TABLE.exec(line))) {
        line = m[2] ?? '';
        wrapper ??= 'docker';
        continue;
      }
      if ((m = CRI.exec(line))) {
        time ??= parseIsoTime(m[1] ?? '');
        line = m[2] ?? '';
        wrapper ??= 'cri';
        continue;
      }
      if ((m = SYSLOG_ISO.exec(line))) {
        time ??= parseIsoTime(m[1] ?? '');
        program ??= m[3];
        line = m[5] ?? '';
        wrapper ??= 'syslog';
        continue;
      }
      if ((m = DOCKER_T.exec(line))) {
        time ??= parseIsoTime(m[1] ?? '');
        line = m[2] ?? '';
        wrapper ??= 'docker';
        continue;
      }
      break;
    }
    if (c >= 65 && c <= 90 && (m = SYSLOG.exec(line))) {
      program ??= m[3];
      line = m[5] ?? '';
      wrapper ??= 'journald';
      continue;
    }
    if ((m = STERN.exec(line))) {
      time ??= parseIsoTime(m[3] ?? '');
      line = m[4] ?? '';
      wrapper ??= 'stern';
      continue;
    }
    if ((m = COMPOSE.exec(line))) {
      program ??= m[1];
      line = m[2] ?? '';
      wrapper ??= 'compose';
      continue;
    }
    break;
  }
  const out: Unwrapped = { line, wrapper };
  if (time !== undefined && !Number.isNaN(time)) out.time = time;
  if (program !== undefined) out.program = program;
  return out;
}

function jsonMessage(line: string): { line: string; time?: number } | null {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return null;
  }
  if (!obj || typeof obj !== 'object') return null;
  const rec = obj as Record<string, unknown>;
  for (const k of JSON_MESSAGE_KEYS) {
    const v = rec[k];
    if (typeof v === 'string') {
      const t = typeof rec.time === 'string' ? parseIsoTime(rec.time) : typeof rec.timestamp === 'string' ? parseIsoTime(rec.timestamp) : NaN;
      return Number.isNaN(t) ? { line: v } : { line: v, time: t };
    }
  }
  return null;
}
