/**
 * Node.js application output when it fails: V8's heap exhaustion, a server that cannot listen (EADDRINUSE),
 * unhandled errors and rejections, connection refusals from its clients, and pm2's process-manager lines
 * ("App [x] exited with code [1] via signal [SIGKILL]"). Much of this output has no time, and stack traces look
 * like any other text, so only first lines of clear shapes are taken (and sniffed low).
 * Texts: Node lib/net.js, lib/internal/process/promises.js, V8's OOM handler; pm2 lib/God.js, lib/God/Methods.js.
 */
import { recogniseAppMessage } from '../messages/app.js';
import { wallToUtc } from '../time.js';
import { sideFact, stripEnvelope, type Meaning } from './line-envelope.js';
import type { LogFormat, ParseContext } from './types.js';

// pm2's own log and `pm2 logs`: "2022-06-30T21:25:25: PM2 log: ..." (local time, no zone), "PM2        | ...".
const PM2_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2}): (.*)$/;
const PM2_PANE = /^(?:\d{2}:\d{2}:\d{2} )?PM2 +\| (.*)$/;
const PM2_EXIT = /^(?:PM2 log: )?App \[([^\]]+)\](?: with id \[\d+\] and pid \[\d+\],)? exited with code \[(\d+)\] via signal \[(\w+)\]/;
const PM2_ERRORED = /^(?:PM2 log: )?Script (\S+) had too many unstable restarts \((\d+)\)\. Stopped\./;
const PM2_MEMORY = /^(?:PM2 log: )?\[PM2\]\[WORKER\] Process (\d+) restarted because it exceeds --max-memory-restart value/;
const PM2_OTHER = /^(?:PM2 log: |Starting execution sequence in -\w+ mode-)/;

// Node's own first lines. Leading spaces: terminals and posts indent them.
const FATAL = /^\s*FATAL ERROR: (.+)$/;
const LISTEN = /^\s*(?:Uncaught )?Error: listen (EADDRINUSE|EACCES)(?:: [a-z ]+)? (\S+)/;
const CONNECT = /^\s*(?:\(node:\d+\) UnhandledPromiseRejectionWarning: |Uncaught )?Error: connect (ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH) (\S+)/;
const REJECTION = /^\s*(?:\[UnhandledPromiseRejection: |\(node:\d+\) UnhandledPromiseRejectionWarning: )(.*)$/;
// Headers of a crash report with no evidence of their own: "node:internal/process/promises:288", "node:events:502",
// "events.js:292", "<--- Last few GCs --->", "    throw er; // Unhandled 'error' event".
const HEADER = /^\s*(?:node:[\w/]+:\d+|events\.js:\d+|<--- (?:Last few GCs|JS stacktrace) --->|throw er; \/\/ Unhandled 'error' event|Emitted 'error' event on \w+ instance at:|----- Native stack trace -----)\s*$/;

interface Read {
  text: string;
  time: number | null;
  pm2: boolean;
}

function read(line: string, zone: ParseContext['zone']): Read {
  const env = stripEnvelope(line);
  let text = env.text;
  let time = env.time;
  let pm2 = env.program === 'PM2';
  const pane = PM2_PANE.exec(text);
  if (pane) {
    text = pane[1] ?? '';
    pm2 = true;
  }
  const t = PM2_TIME.exec(text);
  if (t) {
    const wall = Date.UTC(Number(t[1]), Number(t[2]) - 1, Number(t[3]), Number(t[4]), Number(t[5]), Number(t[6]));
    time = Number.isNaN(wall) ? time : wallToUtc(wall, zone);
    text = t[7] ?? '';
  }
  return { text, time, pm2 };
}

/** pm2's line rather than the application's own output. */
function isPm2(r: Read): boolean {
  return r.pm2 || PM2_EXIT.test(r.text) || PM2_ERRORED.test(r.text) || PM2_MEMORY.test(r.text) || PM2_OTHER.test(r.text);
}

/** What a line says; null = recognised without evidence; undefined = not a Node or pm2 line. */
function meaningOf(r: Read): Meaning | null | undefined {
  const text = r.text;
  let m = PM2_EXIT.exec(text);
  if (m) {
    // pm2 logs every exit "via signal [SIGINT]", crashes included (pm2#5395): the code says which it was.
    if (m[2] === '0' && m[3] !== 'SIGKILL') return { kind: 'upstream-stopping', detail: `pm2 stopped app ${m[1] ?? ''}` };
    return { kind: 'upstream-worker-killed', detail: `pm2 app ${m[1] ?? ''} exited with code ${m[2] ?? ''} via ${m[3] ?? ''}` };
  }
  m = PM2_ERRORED.exec(text);
  if (m) return { kind: 'service-down', detail: `pm2 gave up on ${m[1] ?? ''} after ${m[2] ?? ''} unstable restarts` };
  m = PM2_MEMORY.exec(text);
  if (m) return { kind: 'upstream-worker-killed', detail: `pm2 restarted process ${m[1] ?? ''} over --max-memory-restart` };
  if (PM2_OTHER.test(text) || (r.pm2 && /^App \[/.test(text))) return null;
  m = FATAL.exec(text);
  if (m) {
    const app = recogniseAppMessage(text);
    return { kind: 'app-fatal', detail: app?.detail ?? 'node-fatal' };
  }
  m = LISTEN.exec(text);
  if (m) return { kind: 'service-down', detail: `node cannot listen on ${m[2] ?? ''} (${m[1] ?? ''})` };
  m = CONNECT.exec(text);
  if (m) {
    // Its database (by port) or another service it calls.
    const app = recogniseAppMessage(text);
    if (app?.kind === 'db-error') return { kind: 'db-error', detail: app.detail };
    return { kind: 'third-party-error', detail: `node-connect ${m[1] ?? ''} ${m[2] ?? ''}` };
  }
  m = REJECTION.exec(text);
  if (m) {
    const app = recogniseAppMessage(m[1] ?? '');
    return app && app.kind !== 'app-fatal' ? { kind: app.kind, detail: app.detail } : { kind: 'app-fatal', detail: 'node-crash' };
  }
  if (HEADER.test(text)) return null;
  return undefined;
}

export const nodeAppLog: LogFormat = {
  id: 'node-app',
  title: 'Node.js application output (crashes, EADDRINUSE, heap exhaustion) and pm2',
  software: 'node',
  role: 'app',
  sniff(line) {
    const r = read(line, { kind: 'offset', minutes: 0 });
    const m = meaningOf(r);
    if (m === undefined) return 0;
    if (isPm2(r)) return 0.6;
    // A database refusal is db-errors' line (it parses here too, to the same fact): not sniffed, so that
    // detection never has to choose between the two.
    if (m?.kind === 'db-error') return 0;
    return m === null ? 0.4 : 0.55;
  },
  parse(line, ctx) {
    const r = read(line, ctx.zone);
    const m = meaningOf(r);
    if (m === undefined) return false;
    if (m) ctx.emit(sideFact(m, ctx, line, r.time, isPm2(r) ? 'pm2' : 'node', 'node'));
    return true;
  },
  samples: [
    {
      line: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      source: 'https://github.com/anthropics/claude-code/issues/1600 (Node 22)',
      expect: { kind: 'app-fatal', detail: 'node-crash' },
    },
    {
      line: 'Error: listen EADDRINUSE: address already in use :::5000',
      source: 'https://github.com/linnovate/mean/issues/2020',
      expect: { kind: 'service-down', detail: 'node cannot listen on :::5000 (EADDRINUSE)' },
    },
    {
      line: 'Error: listen EADDRINUSE :::3000',
      source: 'https://github.com/kriasoft/react-starter-kit/issues/817 (node ≤ 10 wording)',
      expect: { kind: 'service-down', detail: 'node cannot listen on :::3000 (EADDRINUSE)' },
    },
    {
      line: '[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "authorization required".] {',
      source: 'https://github.com/filipedeschamps/video-maker/issues/357',
      expect: { kind: 'app-fatal', detail: 'node-crash' },
    },
    {
      line: 'node:internal/process/promises:279',
      source: 'https://github.com/filipedeschamps/video-maker/issues/357 (the header of the crash report)',
      expect: null,
    },
    {
      line: 'Error: connect ECONNREFUSED 127.0.0.1:19999',
      source: 'recorded on this host: Node v20.20.2, an http.get to a closed port without an error handler (the process exits)',
      expect: { kind: 'third-party-error', detail: 'node-connect ECONNREFUSED 127.0.0.1:19999' },
    },
    {
      line: 'node:events:502',
      source: 'recorded on this host: Node v20.20.2, the header of the same crash report',
      expect: null,
    },
    {
      line: 'PM2        | 2022-06-30T21:25:25: PM2 log: App [index:0] exited with code [1] via signal [SIGINT]',
      source: 'https://github.com/Unitech/pm2/issues/5395 (pm2 in docker-compose: a crash loop)',
      expect: { kind: 'upstream-worker-killed', detail: 'pm2 app index:0 exited with code 1 via SIGINT', time: '2022-06-30T21:25:25Z' },
    },
    {
      line: 'PM2        | 2022-06-30T21:25:25: PM2 log: App [index:0] online',
      source: 'https://github.com/Unitech/pm2/issues/5395',
      expect: null,
    },
    {
      line: '2015-03-12 22:53:18: Script /srv/home/wl/dd had too many unstable restarts (15). Stopped. "errored"',
      source: 'https://github.com/Unitech/pm2/issues/1089',
      expect: { kind: 'service-down', time: '2015-03-12T22:53:18Z' },
    },
    {
      line: '2020-11-04T10:52:57: PM2 log: [PM2][WORKER] Process 2 restarted because it exceeds --max-memory-restart value (current_memory=46522368 max_memory_limit=33554432 [octets])',
      source: 'https://github.com/dgraph-io/dgraph-lambda/pull/4',
      expect: { kind: 'upstream-worker-killed', time: '2020-11-04T10:52:57Z' },
    },
    {
      line: '12:49:02 PM2        | App [jsApp] with id [0] and pid [2988], exited with code [0] via signal [SIGINT]',
      source: 'https://github.com/Unitech/pm2/issues/3490 (pm2 2.x wording; code 0 = stopped)',
      expect: { kind: 'upstream-stopping', detail: 'pm2 stopped app jsApp' },
    },
  ],
};
