/**
 * gunicorn's error log: "[2024-11-05 09:25:59 +0000] [16] [CRITICAL] WORKER TIMEOUT (pid:17)". The arbiter says
 * when a worker timed out or was killed, when workers cannot boot and when the master cannot bind; other lines
 * in the same layout (application loggers using gunicorn's handler) go through the application recogniser.
 * Texts: gunicorn/arbiter.py and glogging.py. Old releases (≤ 19) wrote "2010-07-28 23:01:19 [5869] [CRITICAL]"
 * without brackets or zone.
 */
import { recogniseAppMessage } from '../messages/app.js';
import { wallToUtc } from '../time.js';
import { fractionMs, sideFact, stripEnvelope, type Meaning } from './line-envelope.js';
import type { LogFormat, ParseContext } from './types.js';

const LEVELS = 'DEBUG|INFO|WARNING|ERROR|CRITICAL';
const MODERN = new RegExp(`^\\[(\\d{4})-(\\d{2})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2})(?:[.,](\\d{1,6}))? ([+-])(\\d{2}):?(\\d{2})\\] \\[(\\d+)\\] \\[(${LEVELS})\\] (.*)$`);
const OLD = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) \\[(\\d+)\\] \\[(${LEVELS})\\] (.*)$`);
// Pasted without the time: only taken for gunicorn's when the message is the arbiter's own.
const BARE = new RegExp(`^\\[(${LEVELS})\\] (.*)$`);
const ARBITER =
  /^(?:WORKER TIMEOUT \(pid:\d+\)|Worker \(pid:\d+\) (?:was sent|exited with code)|Worker with pid \d+ was terminated due to signal|Worker exiting \(pid: ?\d+\)|Booting worker with pid|Reason: |Shutting down: Master|Handling signal: |Starting gunicorn |Listening at: |Using worker: |Connection in use: |Retrying in 1 second|Can't connect to )/;

interface Read {
  level: string;
  message: string;
  time: number | null;
}

function read(line: string, zone: ParseContext['zone']): Read | null {
  const env = stripEnvelope(line);
  for (const text of env.wrapped ? [line, env.text] : [line]) {
    let m = MODERN.exec(text);
    if (m) {
      const sign = m[8] === '-' ? -1 : 1;
      const off = sign * (Number(m[9]) * 60 + Number(m[10]));
      const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), fractionMs(m[7])) - off * 60_000;
      return { level: m[12] ?? '', message: m[13] ?? '', time: Number.isNaN(t) ? null : t };
    }
    m = OLD.exec(text);
    if (m) {
      const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
      return { level: m[8] ?? '', message: m[9] ?? '', time: Number.isNaN(wall) ? null : wallToUtc(wall, zone) };
    }
    m = BARE.exec(text);
    if (m && ARBITER.test(m[2] ?? '')) return { level: m[1] ?? '', message: m[2] ?? '', time: env.time };
  }
  return null;
}

/** What one message means; null when it is recognised but carries no 5xx evidence. */
function meaningOf(msg: string): Meaning | null {
  let m = /^WORKER TIMEOUT \(pid:(\d+)\)/.exec(msg);
  if (m) return { kind: 'upstream-worker-killed', detail: `gunicorn worker ${m[1] ?? ''} timed out` };
  // After a timeout the arbiter aborts the worker (SIGABRT, signal 6): that exit is the timeout above, not a
  // second event. SIGTERM is a normal stop. SIGKILL and crashes (SIGSEGV) stand on their own (OOM killer).
  m = /^Worker with pid (\d+) was terminated due to signal (\d+)/.exec(msg);
  if (m) return m[2] === '6' || m[2] === '15' ? null : { kind: 'upstream-worker-killed', detail: `gunicorn worker ${m[1] ?? ''} killed by signal ${m[2] ?? ''}` };
  m = /^Worker \(pid:(\d+)\) was sent (SIG\w+|code \d+)!/.exec(msg);
  if (m) {
    if (m[2] === 'SIGABRT' || m[2] === 'SIGTERM') return null;
    return { kind: 'upstream-worker-killed', detail: m[2] === 'SIGKILL' ? `gunicorn worker ${m[1] ?? ''} SIGKILLed (out of memory?)` : `gunicorn worker ${m[1] ?? ''} was sent ${m[2] ?? ''}` };
  }
  // The master gives up: no worker could boot or the app could not be imported.
  m = /^Reason: (Worker failed to boot|App failed to load)/.exec(msg);
  if (m) return { kind: 'service-down', detail: `gunicorn: ${(m[1] ?? '').toLowerCase()}` };
  // The master could not bind after its retries ("Connection in use" lines before it are the retries).
  m = /^Can't connect to (.+)$/.exec(msg);
  if (m) return { kind: 'service-down', detail: `gunicorn cannot bind ${m[1] ?? ''}` };
  // term/int/quit stop the master (a deploy, a restart); hup is a graceful reload.
  m = /^Handling signal: (term|int|quit)\b/.exec(msg);
  if (m) return { kind: 'upstream-stopping', detail: `gunicorn master stopping (SIG${(m[1] ?? '').toUpperCase()})` };
  if (ARBITER.test(msg)) return null;
  // Application loggers writing through gunicorn's handler (psycopg pools, Django).
  const app = recogniseAppMessage(msg);
  return app ? { kind: app.kind, detail: app.detail } : null;
}

export const gunicornLog: LogFormat = {
  id: 'gunicorn',
  title: 'gunicorn error log (worker timeouts and kills, boot failures)',
  software: 'gunicorn',
  role: 'app',
  sniff(line) {
    if (MODERN.test(line) || OLD.test(line)) return 0.9;
    return read(line, { kind: 'offset', minutes: 0 }) ? 0.6 : 0;
  },
  parse(line, ctx) {
    const r = read(line, ctx.zone);
    if (!r) return false;
    const m = meaningOf(r.message);
    if (m) ctx.emit(sideFact(m, ctx, line, r.time, 'gunicorn', 'gunicorn', r.level.toLowerCase()));
    return true;
  },
  samples: [
    {
      line: '[2024-11-05 09:25:59 +0000] [16] [CRITICAL] WORKER TIMEOUT (pid:17)',
      source: 'https://github.com/open-runtimes/open-runtimes/pull/330',
      expect: { kind: 'upstream-worker-killed', detail: 'gunicorn worker 17 timed out', time: '2024-11-05T09:25:59Z' },
    },
    {
      line: '[2024-11-05 09:26:00 +0000] [16] [ERROR] Worker (pid:17) was sent SIGKILL! Perhaps out of memory?',
      source: 'https://github.com/open-runtimes/open-runtimes/pull/330',
      expect: { kind: 'upstream-worker-killed', detail: 'gunicorn worker 17 SIGKILLed (out of memory?)', time: '2024-11-05T09:26:00Z' },
    },
    {
      line: '[2024-01-09 13:24:40 +0000] [1637] [WARNING] Worker with pid 7214 was terminated due to signal 6',
      source: 'https://github.com/benoitc/gunicorn/issues/3136 (gunicorn 20.1.0: the abort that follows WORKER TIMEOUT)',
      expect: null,
    },
    {
      line: '[2024-01-09 13:25:03 +0000] [1637] [WARNING] Worker with pid 7284 was terminated due to signal 9',
      source: 'https://github.com/benoitc/gunicorn/issues/3136',
      expect: { kind: 'upstream-worker-killed', detail: 'gunicorn worker 7284 killed by signal 9' },
    },
    {
      line: '[2024-01-09 13:24:40 +0000] [7310] [INFO] Booting worker with pid: 7310',
      source: 'https://github.com/benoitc/gunicorn/issues/3136',
      expect: null,
    },
    {
      line: '2010-07-28 23:01:19 [5869] [CRITICAL] WORKER TIMEOUT (pid:5870)',
      source: 'https://github.com/benoitc/gunicorn/issues/76 (old layout: no brackets, no zone)',
      expect: { kind: 'upstream-worker-killed', time: '2010-07-28T23:01:19Z' },
    },
    {
      line: '[2016-05-02 15:50:57 +0200] [58901] [INFO] Reason: Worker failed to boot.',
      source: 'https://github.com/benoitc/gunicorn/issues/1183',
      expect: { kind: 'service-down', detail: 'gunicorn: worker failed to boot', time: '2016-05-02T13:50:57Z' },
    },
    {
      line: "[2020-12-31 08:35:07 +0100] [162] [ERROR] Can't connect to ('localhost', 8000)",
      source: 'https://github.com/jonaswinkler/paperless-ng/issues/230',
      expect: { kind: 'service-down', detail: "gunicorn cannot bind ('localhost', 8000)", time: '2020-12-31T07:35:07Z' },
    },
    {
      line: '[2016-11-08 11:33:29 +0000] [5155] [INFO] Handling signal: term',
      source: 'https://github.com/benoitc/gunicorn/issues/1386',
      expect: { kind: 'upstream-stopping', time: '2016-11-08T11:33:29Z' },
    },
    {
      line: '[2026-02-03 17:17:48 -0500] [139] [WARNING] error connecting in \'pool-1\': connection failed: connection to server at "172.28.0.2", port 5432 failed: FATAL:  remaining connection slots are reserved for non-replication superuser connections',
      source: 'https://github.com/dannyvfilms/Floppy/issues/72 (psycopg_pool logging through gunicorn)',
      expect: { kind: 'db-error', detail: 'postgres-connect', time: '2026-02-03T22:17:48Z' },
    },
    {
      line: '[CRITICAL] WORKER TIMEOUT (pid:414077)',
      source: 'https://github.com/devilry/devilry-django/issues/1297 (the poster removed the times)',
      expect: { kind: 'upstream-worker-killed' },
    },
  ],
};
