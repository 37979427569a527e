/**
 * Recognises bare values people paste on their own: HAProxy termination states, Envoy response flags and
 * response-code details, Apache AH error tags, AWS ALB error_reason values, GCP statusDetails, a bare status.
 * Sources: HAProxy doc/configuration.txt §8.5; Envoy docs access_log/usage.rst and router.cc; Apache
 * modules/proxy/*.c; AWS ALB access-log docs; Google Cloud "HTTP(S) load balancing logging" statusDetails.
 */
import type { ErrnoCode, FactKind, Stage } from '../../evidence/facts.js';

export interface TokenMeaning {
  kind: FactKind;
  stage?: Stage;
  errno?: ErrnoCode;
  detail: string;
  status?: number;
  software: string;
}

// HAProxy: first char = who ended the session, second = in which state (doc/configuration.txt §8.5).
const HAPROXY_STATES: Record<string, Omit<TokenMeaning, 'detail' | 'software'> | null> = {
  SC: { kind: 'connect-failed', stage: 'connect', status: 503 },
  sC: { kind: 'timeout', stage: 'connect', status: 503 },
  SH: { kind: 'upstream-closed', stage: 'header', status: 502 },
  sH: { kind: 'timeout', stage: 'header', status: 504 },
  PH: { kind: 'invalid-response', stage: 'header', status: 502 },
  SD: { kind: 'upstream-reset', stage: 'body' },
  sD: { kind: 'timeout', stage: 'body' },
  PD: { kind: 'invalid-response', stage: 'body' },
  sQ: { kind: 'upstream-capacity', status: 503 },
  PC: { kind: 'proxy-resource', status: 503 },
  RC: { kind: 'proxy-resource', status: 503 },
  CC: null,
  CH: null,
  CQ: null,
  CD: null,
  CR: null,
  cD: null,
  cR: null,
};

/**
 * The meaning of a HAProxy termination state's first two characters; null for client-side or normal ends,
 * undefined for codes HAProxy does not define.
 * @example haproxyState('SH') // { kind: 'upstream-closed', stage: 'header', status: 502 }
 */
export function haproxyState(code: string): Omit<TokenMeaning, 'detail' | 'software'> | null {
  return HAPROXY_STATES[code] ?? null;
}

// Envoy %RESPONSE_FLAGS% (usage.rst).
const ENVOY_FLAGS: Record<string, Omit<TokenMeaning, 'detail' | 'software'> | null> = {
  UF: { kind: 'connect-failed', stage: 'connect', status: 503 },
  UH: { kind: 'no-live-upstreams', status: 503 },
  UO: { kind: 'proxy-resource', status: 503 },
  UT: { kind: 'timeout', stage: 'header', status: 504 },
  UC: { kind: 'reused-connection-failed', status: 503 },
  UR: { kind: 'upstream-reset', stage: 'header', status: 503 },
  UPE: { kind: 'invalid-response', stage: 'header', status: 502 },
  DF: { kind: 'resolve-failed', stage: 'resolve', status: 503 },
  UMSDR: { kind: 'timeout', stage: 'body', status: 504 },
  OM: { kind: 'proxy-resource', status: 503 },
  URX: null,
  NR: null,
  DC: null,
  LR: null,
  NC: null,
  DT: null,
  LH: null,
  DI: null,
  FI: null,
  RL: null,
  UAEX: null,
  RLSE: null,
  IH: null,
  SI: null,
  DPE: null,
};

// Envoy %RESPONSE_CODE_DETAILS% reset reasons.
const ENVOY_RESET: Record<string, Omit<TokenMeaning, 'detail' | 'software'>> = {
  connection_termination: { kind: 'reused-connection-failed', status: 503 },
  connection_failure: { kind: 'connect-failed', stage: 'connect', status: 503 },
  connection_timeout: { kind: 'timeout', stage: 'connect', status: 503 },
  remote_reset: { kind: 'upstream-reset', stage: 'header', status: 503 },
  local_reset: { kind: 'upstream-reset', stage: 'header', status: 503 },
  protocol_error: { kind: 'invalid-response', stage: 'header', status: 502 },
  overflow: { kind: 'proxy-resource', status: 503 },
  remote_connection_failure: { kind: 'connect-failed', stage: 'connect', status: 503 },
  local_connection_failure: { kind: 'connect-failed', stage: 'connect', status: 503 },
};

// Apache error tags (modules/proxy/mod_proxy*.c, proxy_util.c).
const APACHE_TAGS: Record<string, Omit<TokenMeaning, 'software'>> = {
  AH01102: { kind: 'upstream-closed', stage: 'header', status: 502, detail: 'AH01102 error reading status line' },
  AH00898: { kind: 'gateway-status', status: 502, detail: 'AH00898 proxy error' },
  AH01114: { kind: 'connect-failed', stage: 'connect', status: 503, detail: 'AH01114 failed to make connection to backend' },
  AH00957: { kind: 'connect-failed', stage: 'connect', status: 503, detail: 'AH00957 attempt to connect failed' },
  AH00959: { kind: 'upstream-disabled', detail: 'AH00959 disabling worker' },
  AH01097: { kind: 'upstream-reset', stage: 'send', status: 502, detail: 'AH01097 pass request body failed' },
  AH01084: { kind: 'upstream-reset', stage: 'send', status: 502, detail: 'AH01084 pass request body failed' },
  AH01071: { kind: 'app-fatal', detail: 'AH01071 FastCGI: Got error' },
};

// AWS ALB error_reason values (ALB access-log docs).
const ALB_REASONS: Record<string, Omit<TokenMeaning, 'detail' | 'software'>> = {
  LambdaResponseTooLarge: { kind: 'response-too-large', status: 502 },
  LambdaRequestTooLarge: { kind: 'request-too-big', status: 413 },
  LambdaConnectionTimeout: { kind: 'timeout', stage: 'connect', status: 504 },
  LambdaInvalidResponse: { kind: 'invalid-response', stage: 'header', status: 502 },
  LambdaUnhandled: { kind: 'app-fatal', status: 502 },
  LambdaThrottling: { kind: 'upstream-capacity', status: 503 },
  LambdaServiceException: { kind: 'app-fatal', status: 503 },
};

// GCP external HTTP(S) load balancer statusDetails.
const GCP_DETAILS: Record<string, Omit<TokenMeaning, 'detail' | 'software'>> = {
  backend_connection_closed_before_data_sent_to_client: { kind: 'reused-connection-failed', status: 502 },
  failed_to_connect_to_backend: { kind: 'connect-failed', stage: 'connect', status: 502 },
  backend_timeout: { kind: 'timeout', stage: 'header', status: 502 },
  failed_to_pick_backend: { kind: 'no-live-upstreams', status: 502 },
  response_sent_by_backend: { kind: 'app-status' },
  backend_early_response_with_non_error_status: { kind: 'invalid-response', stage: 'header', status: 502 },
  invalid_http_response_from_backend: { kind: 'invalid-response', stage: 'header', status: 502 },
  backend_response_corrupted: { kind: 'invalid-response', stage: 'body', status: 502 },
};

/**
 * Recognise a bare token line; null when the line is not one.
 * @example recogniseToken('SH--') // { kind: 'upstream-closed', software: 'haproxy', ... }
 */
export function recogniseToken(line: string): TokenMeaning | 'no-fact' | null {
  const t = line.trim();
  if (t.length === 0 || t.length > 200) return null;
  // Envoy flags first: "UH", "UC", "UT", "UR" also fit the shape of a two-letter HAProxy state.
  if (/^[A-Z]{2,5}(?:,[A-Z]{2,5})*$/.test(t) && t.split(',').every((f) => f in ENVOY_FLAGS)) {
    for (const f of t.split(',')) {
      const m = ENVOY_FLAGS[f];
      if (m) return { ...m, detail: `envoy ${t}`, software: 'envoy' };
    }
    return 'no-fact';
  }
  const hs = /^([-CSPLRIDUKcs])([-RQCHDLT])[-NIDVEOC]?[-NIDVEOC]?$/.exec(t);
  if (hs) {
    const m = HAPROXY_STATES[`${hs[1]}${hs[2]}`];
    if (m === undefined) return null;
    // Client-side terminations (CD, CH...) are recognised but say nothing about the upstream.
    return m ? { ...m, detail: `haproxy ${t}`, software: 'haproxy' } : 'no-fact';
  }
  const rd = /^upstream_reset_(?:before_response_started|after_response_started)\{([^}]*)\}$/.exec(t);
  if (rd) {
    const reasons = (rd[1] ?? '').split(/[,|]/);
    const first = reasons[0] ?? '';
    if (/CERTIFICATE_VERIFY_FAILED/i.test(rd[1] ?? '')) return { kind: 'tls-cert-untrusted', stage: 'tls', detail: t, software: 'envoy', status: 503 };
    if (/TLS_error|WRONG_VERSION_NUMBER/i.test(rd[1] ?? '')) return { kind: 'tls-handshake-failed', stage: 'tls', detail: t, software: 'envoy', status: 503 };
    const m = ENVOY_RESET[first];
    if (!m) return null;
    const out: TokenMeaning = { ...m, detail: t, software: 'envoy' };
    const errno = /delayed_connect_error:_?(\d+)/.exec(rd[1] ?? '');
    if (errno?.[1] === '111') out.errno = 'ECONNREFUSED';
    return out;
  }
  if (t === 'upstream_response_timeout') return { kind: 'timeout', stage: 'header', detail: t, software: 'envoy', status: 504 };
  if (t === 'no_healthy_upstream') return { kind: 'no-live-upstreams', detail: t, software: 'envoy', status: 503 };
  const ah = /^(AH\d{5})\b/.exec(t);
  if (ah) {
    const m = APACHE_TAGS[ah[1] ?? ''];
    return m ? { ...m, software: 'apache' } : null;
  }
  const alb = ALB_REASONS[t];
  if (alb) return { ...alb, detail: t, software: 'aws-alb' };
  const gcp = GCP_DETAILS[t];
  if (gcp) return { ...gcp, detail: t, software: 'gcp-lb' };
  // A bare 52x/530 is Cloudflare's (no other gateway uses them); a bare 502/503/504 says only that a gateway failed.
  const cf = /^(52[0-7]|530)$/.exec(t);
  if (cf) return { kind: 'cdn-edge-error', status: Number(cf[1]), detail: cf[1] ?? '', software: 'cloudflare' };
  const status = /^(50[234])$/.exec(t);
  if (status) return { kind: 'gateway-status', status: Number(status[1]), detail: t, software: 'unknown' };
  return null;
}

/** A meaning without the fields the caller fills in. */
export type BareMeaning = Omit<TokenMeaning, 'detail' | 'software'>;

/**
 * The meaning of an Envoy %RESPONSE_FLAGS% value ("UF,URX"): the first flag that names a failure. null when
 * every flag is known but none names an upstream failure (DC, NR, URX alone), undefined for unknown flags.
 * @example envoyFlags('UF,URX') // { kind: 'connect-failed', stage: 'connect', status: 503 }
 */
export function envoyFlags(flags: string): BareMeaning | null | undefined {
  const list = flags.trim().split(',');
  if (!list.every((f) => f in ENVOY_FLAGS)) return undefined;
  for (const f of list) {
    const m = ENVOY_FLAGS[f];
    if (m) return m;
  }
  return null;
}

// Envoy %RESPONSE_CODE_DETAILS% values that are not reset reasons (router.cc, stream_info.h).
const ENVOY_DETAILS: Record<string, BareMeaning | null> = {
  response_timeout: { kind: 'timeout', stage: 'header', status: 504 },
  upstream_response_timeout: { kind: 'timeout', stage: 'header', status: 504 },
  upstream_per_try_timeout: { kind: 'timeout', stage: 'header', status: 504 },
  upstream_max_stream_duration_reached: { kind: 'timeout', stage: 'body', status: 504 },
  no_healthy_upstream: { kind: 'no-live-upstreams', status: 503 },
  via_upstream: { kind: 'app-status' },
  cluster_not_found: null,
  route_not_found: null,
  downstream_remote_disconnect: null,
};

/**
 * The meaning of an Envoy %RESPONSE_CODE_DETAILS% value; a reset after the response began is a cut body, not
 * an error status. null for values that name no upstream failure or are unknown.
 * @example envoyDetails('upstream_reset_before_response_started{connection_termination}').kind // 'reused-connection-failed'
 */
export function envoyDetails(details: string): TokenMeaning | null {
  const d = details.trim();
  if (d.startsWith('upstream_reset_')) {
    const m = recogniseToken(d);
    if (m === null || m === 'no-fact') return null;
    if (!d.startsWith('upstream_reset_after_response_started')) return m;
    const { status: _status, ...rest } = m;
    return { ...rest, stage: 'body' };
  }
  const m = ENVOY_DETAILS[d];
  return m ? { ...m, detail: d, software: 'envoy' } : null;
}

/**
 * The meaning of an AWS ALB error_reason value, or undefined when it is not one the project knows.
 * @example albErrorReason('LambdaResponseTooLarge')?.kind // 'response-too-large'
 */
export function albErrorReason(reason: string): BareMeaning | undefined {
  return ALB_REASONS[reason];
}

// statusDetails values seen in GCP load balancer logs beyond the ones a bare token names.
const GCP_MORE: Record<string, BareMeaning | null> = {
  backend_connection_closed_after_partial_response_sent: { kind: 'upstream-closed', stage: 'body' },
  response_from_cache: null,
  client_disconnected_before_any_response: null,
  client_disconnected_after_partial_response: null,
};

/**
 * The meaning of a GCP load balancer statusDetails value: null when it names no upstream failure (a cache
 * hit, a client that went away), undefined when unknown.
 * @example gcpStatusDetail('failed_to_pick_backend')?.kind // 'no-live-upstreams'
 */
export function gcpStatusDetail(detail: string): BareMeaning | null | undefined {
  if (detail in GCP_DETAILS) return GCP_DETAILS[detail];
  return GCP_MORE[detail];
}
