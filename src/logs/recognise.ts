/**
 * Recognises a line of unknown origin (pasted text, mixed files): tries every log format, then the same after
 * removing journald/Docker/kubectl/JSON envelopes, then bare messages (nginx without its prefix, application,
 * curl and browser errors), then error-page fingerprints.
 */
import type { Fact } from '../evidence/facts.js';
import { matchPage } from '../fingerprints/pages.js';
import { nginxMessageFact } from './formats/nginx-error.js';
import type { LogFormat, ParseContext } from './formats/types.js';
import { recogniseAppMessage } from './messages/app.js';
import { recogniseClientMessage } from './messages/client.js';
import { splitNginxMessage } from './messages/nginx.js';
import { recogniseSystemMessage } from './messages/system.js';
import { recogniseToken } from './messages/tokens.js';
import { leadingTime } from './time.js';
import { unwrapLine } from './wrappers.js';

// An nginx message pasted without its date: "[error] 12#12: *3 connect() failed ..." or just "connect() failed ...".
const NGINX_PARTIAL = /^(?:\[(debug|info|notice|warn|error|crit|alert|emerg)\] )?(?:(\d+)#(\d+): )?(?:\*(\d+) )?(.+)$/;

/** State kept across lines of one pasted input (an error page spans several lines). */
export interface PasteState {
  /** The last fact made from an error-page line, to name its layer when a footer line follows. */
  pageFact?: Fact;
  /** A layer named by a page line before its status line. */
  pageLayer?: string;
}

/**
 * Recognise one line; facts go to ctx.emit. Returns false when nothing recognised the line.
 * @example recogniseAny('connect() failed (111: Connection refused) while connecting to upstream', formats, ctx, {})
 */
export function recogniseAny(raw: string, formats: readonly LogFormat[], ctx: ParseContext, state: PasteState): boolean {
  for (const f of formats) if (f.parse(raw, ctx)) return true;
  const un = unwrapLine(raw);
  if (un.wrapper !== null) {
    const inner: ParseContext = {
      ...ctx,
      emit: (fact) => {
        if (fact.time === null && un.time !== undefined) fact.time = un.time;
        ctx.emit(fact);
      },
    };
    for (const f of formats) if (f.parse(un.line, inner)) return true;
    return recogniseMessage(un.line, inner, state, un.time ?? null, un.program);
  }
  return recogniseMessage(raw, ctx, state, null, undefined);
}

function baseFact(kind: Fact['kind'], ctx: ParseContext, text: string, time: number | null, producer: string): Fact {
  return { kind, producer, ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text }, time };
}

// Messages are judged on their first few kilobytes: what names a failure comes first, and some recognisers'
// patterns would take quadratic time on a megabyte of text.
const MAX_MESSAGE = 8192;

function recogniseMessage(line: string, ctx: ParseContext, state: PasteState, time: number | null, program: string | undefined): boolean {
  let text = (line.length > MAX_MESSAGE ? line.slice(0, MAX_MESSAGE) : line).trim();
  if (text === '') return false;
  // Application logs put their own time first ("[16-Oct-2020 17:03:39] WARNING: ...").
  const lead = leadingTime(text, ctx.zone);
  if (lead) {
    text = lead.rest;
    time ??= lead.time;
  }
  // nginx message without the date prefix.
  const m = NGINX_PARTIAL.exec(text);
  if (m) {
    const base: Parameters<typeof nginxMessageFact>[1] = { producer: 'nginx-message', file: ctx.file, line: ctx.lineNo, text: line, time };
    if (m[1] !== undefined) base.level = m[1];
    if (m[2] !== undefined) base.pid = m[2];
    if (m[4] !== undefined) base.conn = m[4];
    const fact = nginxMessageFact(splitNginxMessage(m[5] ?? ''), base);
    if (fact) {
      ctx.emit(fact);
      return true;
    }
  }
  const app = recogniseAppMessage(text);
  if (app) {
    const f = baseFact(app.kind, ctx, line, time, 'app-message');
    f.detail = app.detail;
    if (program) f.software = program;
    ctx.emit(f);
    return true;
  }
  const sys = recogniseSystemMessage(text);
  if (sys) {
    const f = baseFact(sys.kind, ctx, line, time, 'system-message');
    f.detail = sys.detail;
    f.software = program ?? sys.software;
    ctx.emit(f);
    return true;
  }
  const client = recogniseClientMessage(text);
  if (client) {
    const f = baseFact(client.kind, ctx, line, time, 'client-message');
    f.detail = client.detail;
    if (client.stage) f.stage = client.stage;
    if (client.errno) f.errno = client.errno;
    f.software = client.detail.startsWith('curl') ? 'curl' : 'browser';
    ctx.emit(f);
    return true;
  }
  const token = recogniseToken(text);
  if (token === 'no-fact') return true;
  if (token) {
    const f = baseFact(token.kind, ctx, line, time, 'token');
    f.detail = token.detail;
    f.software = token.software;
    if (token.stage) f.stage = token.stage;
    if (token.errno) f.errno = token.errno;
    if (token.status !== undefined) f.status = token.status;
    ctx.emit(f);
    return true;
  }
  return recognisePage(text, line, ctx, state, time);
}

function recognisePage(text: string, line: string, ctx: ParseContext, state: PasteState, time: number | null): boolean {
  const matches = matchPage(text);
  if (matches.length === 0) return false;
  const layer = matches.find((x) => x.layer !== 'unknown')?.layer;
  const failure = matches.find((x) => !x.marker && (x.kind !== undefined || x.status !== undefined));
  if (!failure) {
    // A footer or header naming the layer: it names the layer of the page fact seen just before, or the next one.
    if (layer && state.pageFact && (state.pageFact.software === undefined || state.pageFact.software === 'unknown')) state.pageFact.software = layer;
    else if (layer) state.pageLayer = layer;
    const marker = matches.find((x) => x.kind !== undefined);
    if (marker?.kind) {
      const f = baseFact(marker.kind, ctx, line, time, 'error-page');
      f.software = marker.layer;
      ctx.emit(f);
    }
    return true;
  }
  // Several lines of one page (title, h1) say the same: report the page once.
  if (state.pageFact && failure.kind === undefined && state.pageFact.status === failure.status && state.pageFact.kind === 'gateway-status') {
    if (layer && state.pageFact.software === 'unknown') state.pageFact.software = layer;
    return true;
  }
  const f = baseFact(failure.kind ?? 'gateway-status', ctx, line, time, 'error-page');
  if (failure.status !== undefined) f.status = failure.status;
  if (failure.detail !== undefined) f.detail = failure.detail;
  if (failure.errno !== undefined) f.errno = failure.errno;
  f.software = layer ?? state.pageLayer ?? 'unknown';
  state.pageFact = f;
  ctx.emit(f);
  return true;
}
