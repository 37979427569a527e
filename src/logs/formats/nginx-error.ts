/** nginx error log: "YYYY/MM/DD HH:MM:SS [level] PID#TID: *CONN message, client: ..., upstream: "..."". */
import type { Fact } from '../../evidence/facts.js';
import { recogniseAppMessage } from '../messages/app.js';
import { normaliseUpstream, recogniseNginxMessage, splitNginxMessage, type NginxMessageParts } from '../messages/nginx.js';
import { parseNginxErrorWall, wallToUtc } from '../time.js';
import type { LogFormat, ParseContext } from './types.js';

const LINE = /^(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}) \[(debug|info|notice|warn|error|crit|alert|emerg)\] (\d+)#(\d+): (?:\*(\d+) )?([\s\S]*)$/;

const RECORD_END = /" while [a-z ]+(?:, client: |$)|", client: /;

// Levels below [warn] never carry 502 evidence; [warn] only for the peer-disabled notice.
const WARN_KINDS = new Set(['upstream-disabled', 'proxy-resource']);

/**
 * Turn a split nginx message into a fact (shared with pasted, prefix-less messages).
 * Returns null when the message carries no 502 evidence.
 */
export function nginxMessageFact(
  parts: NginxMessageParts,
  base: { producer: string; file: string; line: number; text: string; time: number | null; level?: string; pid?: string; conn?: string },
): Fact | null {
  let rec = recogniseNginxMessage(parts);
  if (!rec) {
    const stderr = /^FastCGI sent in stderr: "(.*)"$/s.exec(parts.text) ?? /^FastCGI sent in stderr: "(.*)/s.exec(parts.text);
    if (stderr?.[1] !== undefined) {
      const app = recogniseAppMessage(stderr[1]);
      if (app) rec = { kind: app.kind, detail: app.detail };
    }
  }
  if (!rec) return null;
  if (base.level === 'warn' && !WARN_KINDS.has(rec.kind)) return null;
  const fact: Fact = {
    kind: rec.kind,
    producer: base.producer,
    software: 'nginx',
    ref: { source: 'log', file: base.file, line: base.line, text: base.text },
    time: base.time,
  };
  if (base.level) fact.level = base.level;
  if (rec.stage) fact.stage = rec.stage;
  if (rec.errno) fact.errno = rec.errno;
  if (rec.detail) fact.detail = rec.detail;
  const upstream = parts.fields.upstream ?? rec.upstream;
  if (upstream) {
    fact.upstream = normaliseUpstream(upstream);
    const scheme = /^([a-z0-9]+):\/\//i.exec(upstream);
    if (scheme?.[1]) fact.scheme = scheme[1].toLowerCase();
  }
  const req = parts.fields.request;
  if (base.conn !== undefined || parts.fields.client !== undefined || req !== undefined) {
    fact.request = {};
    if (base.conn !== undefined) fact.request.conn = base.conn;
    if (base.pid !== undefined) fact.request.pid = base.pid;
    if (parts.fields.client !== undefined) fact.request.client = parts.fields.client;
    if (parts.fields.host !== undefined) fact.request.host = parts.fields.host;
    if (req !== undefined) {
      const sp = req.indexOf(' ');
      if (sp > 0) {
        fact.request.method = req.slice(0, sp);
        const sp2 = req.lastIndexOf(' ');
        fact.request.uri = sp2 > sp ? req.slice(sp + 1, sp2) : req.slice(sp + 1);
      }
    }
  }
  return fact;
}

export const nginxErrorLog: LogFormat = {
  id: 'nginx-error',
  title: 'nginx error log',
  software: 'nginx',
  role: 'error',
  wallClock: true,
  sniff(line) {
    return LINE.test(line) ? 1 : 0;
  },
  parse(line: string, ctx: ParseContext) {
    const m = LINE.exec(line);
    if (!m) return false;
    const level = m[2] ?? 'error';
    if (level === 'debug' || level === 'info' || level === 'notice') return true;
    const parts = splitNginxMessage(m[6] ?? '');
    const wall = parseNginxErrorWall(m[1] ?? '');
    const base: Parameters<typeof nginxMessageFact>[1] = {
      producer: 'nginx-error',
      file: ctx.file,
      line: ctx.lineNo,
      text: line,
      time: Number.isNaN(wall) ? null : wallToUtc(wall, ctx.zone),
      level,
    };
    if (m[3] !== undefined) base.pid = m[3];
    if (m[5] !== undefined) base.conn = m[5];
    const fact = nginxMessageFact(parts, base);
    if (fact) {
      if (ctx.zone.kind !== 'offset' || ctx.zone.minutes !== 0) fact.timeAssumedZone = true;
      ctx.emit(fact);
    }
    return true;
  },
  opensRecord(line) {
    // "FastCGI sent in stderr: "..." keeps the program's newlines; the record ends with `" while ...` or `", client: ...`.
    const i = line.indexOf('FastCGI sent in stderr: "');
    return i !== -1 && !RECORD_END.test(line.slice(i + 25)) && LINE.test(line);
  },
  endsRecord(line) {
    return RECORD_END.test(line);
  },
  samples: [
    {
      line: '2026/12/01 12:56:13 [error] 8892#8892: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /refused?token=abc HTTP/1.1", upstream: "http://127.0.0.1:1/refused?token=abc", host: "127.0.0.1:18080"',
      source: 'lab: nginx 1.22.1 (Debian 12), proxy_pass to a closed port',
      expect: { kind: 'connect-failed', errno: 'ECONNREFUSED', stage: 'connect', upstream: '127.0.0.1:1', time: '2026-12-01T12:56:13Z' },
    },
    {
      line: '2026/12/01 12:56:13 [error] 8892#8892: *3 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /close?token=abc HTTP/1.1", upstream: "http://127.0.0.1:18081/close?token=abc", host: "127.0.0.1:18080"',
      source: 'lab: nginx 1.22.1 (Debian 12), upstream closes after reading the request',
      expect: { kind: 'upstream-closed', stage: 'header', upstream: '127.0.0.1:18081' },
    },
    {
      line: '2026/12/01 12:56:13 [error] 8892#8892: *5 upstream sent too big header while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /big?token=abc HTTP/1.1", upstream: "http://127.0.0.1:18082/big?token=abc", host: "127.0.0.1:18080"',
      source: 'lab: nginx 1.22.1 (Debian 12), upstream sends a 10 kB header',
      expect: { kind: 'header-too-big', stage: 'header', upstream: '127.0.0.1:18082' },
    },
    {
      line: '2026/12/01 12:56:13 [crit] 8892#8892: *7 connect() to unix:/tmp/ngx1/nosuch.sock failed (2: No such file or directory) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /sock?token=abc HTTP/1.1", upstream: "http://unix:/tmp/ngx1/nosuch.sock:/sock?token=abc", host: "127.0.0.1:18080"',
      source: 'lab: nginx 1.22.1 (Debian 12), proxy_pass to a missing unix socket',
      expect: { kind: 'connect-failed', errno: 'ENOENT', stage: 'connect', upstream: 'unix:/tmp/ngx1/nosuch.sock' },
    },
    {
      line: '2026/12/01 12:56:13 [error] 8892#8892: *9 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /fcgi?token=abc HTTP/1.1", upstream: "fastcgi://127.0.0.1:18083", host: "127.0.0.1:18080"',
      source: 'lab: nginx 1.22.1 (Debian 12), fastcgi_pass to a closed port',
      expect: { kind: 'connect-failed', errno: 'ECONNREFUSED', upstream: '127.0.0.1:18083' },
    },
    {
      line: '2026/12/01 12:56:12 [notice] 8890#8890: using the "epoll" event method',
      source: 'lab: nginx 1.22.1 (Debian 12), start-up notice',
      expect: null,
    },
    {
      line: '2026/12/01 12:56:13 [info] 8892#8892: *1 client 127.0.0.1 closed keepalive connection',
      source: 'lab: nginx 1.22.1 (Debian 12), info line after a request',
      expect: null,
    },
  ],
};
