/**
 * uWSGI's log: harakiri (a request over its time limit kills the worker), workers that died, requests refused
 * for a header larger than `buffer-size`, a full listen queue, an app that did not load. Lines may carry the
 * logger's date ("Mon Jan 15 01:14:45 2018 - "). Texts: uWSGI core/master.c, core/master_utils.c,
 * proto/uwsgi.c, plugins/python/wsgi_handlers.c.
 */
import { wallToUtc } from '../time.js';
import { MONTHS, sideFact, stripEnvelope, type Meaning } from './line-envelope.js';
import type { LogFormat, ParseContext } from './types.js';

// `log-date`: "%a %b %e %H:%M:%S %Y - " (ctime).
const DATED = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) - (.*)$/;

const HARAKIRI = /^\*\*\* HARAKIRI ON WORKER (\d+) \(pid: (\d+), try: \d+(?:, graceful: \w+)?\) \*\*\*/;
const DAMN = /^DAMN ! worker (\d+) \(pid: (\d+)\) died(?:, killed by signal (\d+))? :\( trying respawn/;
const BLOCK = /^invalid request block size: (\d+) \(max (\d+)\)/;
const QUEUE = /^\*\*\* uWSGI listen queue of socket "([^"]+)" \(fd: \d+\) full !!! \((\d+)\/(\d+)\) \*\*\*/;
const NO_APP = /^--- no (?:python )?application found, check your startup logs for errors ---/;
// Lines that are uWSGI's but say nothing about a failure: start-up banners, respawns, the harakiri status
// block, the request log, writes to a client that already left (the proxy gave up first).
const OWN =
  /^(?:\*\*\* .* \*\*\*$|Respawned uWSGI worker|spawned uWSGI (?:master|worker|http)|HARAKIRI (?:!!!|\[core)|\[pid: \d+\|app: -?\d+\|req: -?\d+\/\d+\] |uwsgi_response_\w+\(\): |SIGPIPE: writing to a closed pipe|WSGI app \d+ \(mountpoint=|\[uWSGI\] getting |worker \d+ buried after|announcing my loyalty|unable to load app|\.\.\.The work of process \d+ is done|gracefully (?:killing|destroying)|goodbye to uWSGI|detected binary path|your (?:processes number limit|memory page size|server socket listen backlog)|uwsgi socket \d+ bound to|uWSGI http bound on|mapped \d+ bytes)/;

interface Read {
  message: string;
  time: number | null;
}

function read(line: string, zone: ParseContext['zone']): Read | null {
  const env = stripEnvelope(line);
  const candidates = env.wrapped ? [line, env.text] : [line];
  for (const text of candidates) {
    const d = DATED.exec(text);
    if (d) {
      const mon = MONTHS[d[1] ?? ''];
      if (mon === undefined) continue;
      const wall = Date.UTC(Number(d[6]), mon, Number(d[2]), Number(d[3]), Number(d[4]), Number(d[5]));
      const message = d[7] ?? '';
      if (meaningOf(message) !== undefined) return { message, time: Number.isNaN(wall) ? null : wallToUtc(wall, zone) };
      continue;
    }
    if (meaningOf(text) !== undefined) return { message: text, time: text === line ? null : env.time };
  }
  return null;
}

/** What a message means; null = uWSGI's but no evidence; undefined = not a uWSGI message. */
function meaningOf(msg: string): Meaning | null | undefined {
  let m = HARAKIRI.exec(msg);
  if (m) return { kind: 'upstream-worker-killed', detail: `uWSGI harakiri on worker ${m[1] ?? ''} (pid ${m[2] ?? ''})` };
  m = DAMN.exec(msg);
  if (m) return { kind: 'upstream-worker-killed', detail: m[3] ? `uWSGI worker ${m[1] ?? ''} killed by signal ${m[3]}` : `uWSGI worker ${m[1] ?? ''} died` };
  m = BLOCK.exec(msg);
  if (m) return { kind: 'request-too-big', detail: `uWSGI request block ${m[1] ?? ''} > buffer-size ${m[2] ?? ''}` };
  m = QUEUE.exec(msg);
  if (m) return { kind: 'upstream-capacity', detail: `uWSGI listen queue of ${m[1] ?? ''} full` };
  if (NO_APP.test(msg)) return { kind: 'app-fatal', detail: 'uwsgi-no-app' };
  return OWN.test(msg) ? null : undefined;
}

export const uwsgiLog: LogFormat = {
  id: 'uwsgi',
  title: 'uWSGI log (harakiri, dead workers, request block size, listen queue)',
  software: 'uwsgi',
  role: 'app',
  wallClock: true,
  sniff(line) {
    const r = read(line, { kind: 'offset', minutes: 0 });
    if (!r) return 0;
    return meaningOf(r.message) ? 0.9 : 0.6;
  },
  parse(line, ctx) {
    const r = read(line, ctx.zone);
    if (!r) return false;
    const m = meaningOf(r.message);
    if (m) ctx.emit(sideFact(m, ctx, line, r.time, 'uwsgi', 'uwsgi'));
    return true;
  },
  samples: [
    {
      line: 'Dec 15 19:11:01 servername app: *** HARAKIRI ON WORKER 10 (pid: 97702, try: 1) ***',
      source: 'https://github.com/unbit/uwsgi/issues/480 (syslog; journald-style times carry no year, so no time is read)',
      expect: { kind: 'upstream-worker-killed', detail: 'uWSGI harakiri on worker 10 (pid 97702)' },
    },
    {
      line: 'Dec 15 19:11:06 servername app: DAMN ! worker 10 (pid: 97702) died, killed by signal 9 :( trying respawn ...',
      source: 'https://github.com/unbit/uwsgi/issues/480',
      expect: { kind: 'upstream-worker-killed', detail: 'uWSGI worker 10 killed by signal 9' },
    },
    {
      line: 'Dec 15 19:11:06 servername app: Respawned uWSGI worker 10 (new pid: 85491)',
      source: 'https://github.com/unbit/uwsgi/issues/480',
      expect: null,
    },
    {
      line: 'Thu Dec 19 10:01:17 2024 - *** HARAKIRI ON WORKER 2 (pid: 35705, try: 1, graceful: yes) ***',
      source: 'https://github.com/unbit/uwsgi/issues/2696 (uWSGI 2.0.2x wording with "graceful")',
      expect: { kind: 'upstream-worker-killed', time: '2024-12-19T10:01:17Z' },
    },
    {
      line: 'uwsgi_1   | Mon Jan 15 01:14:45 2018 - *** HARAKIRI ON WORKER 1 (pid: 53, try: 1) ***',
      source: 'https://github.com/singularityhub/sregistry/issues/80 (docker-compose prefix)',
      expect: { kind: 'upstream-worker-killed', time: '2018-01-15T01:14:45Z' },
    },
    {
      line: 'invalid request block size: 4437 (max 4096)...skip',
      source: 'https://github.com/alerta/alerta/issues/636',
      expect: { kind: 'request-too-big', detail: 'uWSGI request block 4437 > buffer-size 4096' },
    },
    {
      line: 'Sat Sep 27 13:42:44 2014 - invalid request block size: 12794 (max 8192)...skip',
      source: 'https://github.com/unbit/uwsgi/issues/731',
      expect: { kind: 'request-too-big', time: '2014-09-27T13:42:44Z' },
    },
    {
      line: 'Tue May 31 13:51:26 2022 - *** uWSGI listen queue of socket ":3030" (fd: 4) full !!! (100/100) ***',
      source: 'https://github.com/unbit/uwsgi/issues/2444',
      expect: { kind: 'upstream-capacity', detail: 'uWSGI listen queue of :3030 full', time: '2022-05-31T13:51:26Z' },
    },
    {
      line: '--- no python application found, check your startup logs for errors ---',
      source: 'https://github.com/yfauser/planespotter/issues/7',
      expect: { kind: 'app-fatal', detail: 'uwsgi-no-app' },
    },
    {
      line: '[pid: 1237|app: -1|req: -1/1] 10.254.12.68 () {32 vars in 362 bytes} [Wed Apr 17 13:43:53 2019] GET /api/planes => generated 21 bytes in 0 msecs (HTTP/1.1 500) 2 headers in 83 bytes (0 switches on core 0)',
      source: 'https://github.com/yfauser/planespotter/issues/7 (uWSGI request log: the app\'s own answer, the line above says why)',
      expect: null,
    },
    {
      line: 'DAMN ! worker 1 (pid: 108) died, killed by signal 9 :( trying respawn ...',
      source: 'https://github.com/unbit/uwsgi/issues/1779',
      expect: { kind: 'upstream-worker-killed' },
    },
  ],
};
