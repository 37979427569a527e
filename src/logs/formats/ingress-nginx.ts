/**
 * The Kubernetes ingress-nginx controller's own log (klog: "W1201 10:00:00.000000       7 controller.go:1234]
 * ..."): a Service without ready endpoints, or one that does not exist, makes the controller answer 503 to
 * every request for it (maintainer, kubernetes/ingress-nginx#3626). Its access lines are the nginx access
 * format `ingress-nginx` (nginx-access.ts) and its error lines nginx's; this module reads the controller lines.
 * klog writes month and day without the year, in the process's local time: such lines carry no time.
 */
import type { Fact } from '../../evidence/facts.js';
import { innerLine } from './envelope.js';
import type { LogFormat, ParseContext } from './types.js';

// Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg
const KLOG = /^([IWEF])(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6}) +(\d+) ([\w.-]+\.go):(\d+)\] (.*)$/;
const NO_ENDPOINT = /^Service "([^"]+)" does not have any active Endpoint/;
// Controllers before 0.9: "service ns/name does not have any active endpoints".
const NO_ENDPOINT_OLD = /^service (\S+) does not have any active endpoints/;
const NO_SERVICE = /^Error obtaining Endpoints for Service "([^"]+)": (.*)$/;

export const ingressNginxController: LogFormat = {
  id: 'ingress-nginx',
  title: 'Kubernetes ingress-nginx controller log (klog)',
  software: 'ingress-nginx',
  role: 'error',
  sniff(line) {
    const m = KLOG.exec(innerLine(line));
    if (!m) return 0;
    const msg = m[11] ?? '';
    return NO_ENDPOINT.test(msg) || NO_ENDPOINT_OLD.test(msg) || NO_SERVICE.test(msg) ? 0.9 : 0.4;
  },
  parse(line, ctx: ParseContext) {
    const m = KLOG.exec(innerLine(line));
    if (!m) return false;
    const msg = m[11] ?? '';
    const none = NO_ENDPOINT.exec(msg) ?? NO_ENDPOINT_OLD.exec(msg);
    const missing = NO_SERVICE.exec(msg);
    // The controller's other lines (syncs, reloads, leader election) are recognised but name no failure.
    if (!none && !missing) return true;
    const f: Fact = {
      kind: 'no-live-upstreams',
      producer: 'ingress-nginx',
      software: 'ingress-nginx',
      ref: { source: 'log', file: ctx.file, line: ctx.lineNo, text: line },
      time: null,
      upstream: (none ?? missing)?.[1] ?? '',
      detail: none ? 'service has no ready endpoints (the controller answers 503)' : `service not found: ${missing?.[2] ?? ''}`,
      level: m[1] === 'E' ? 'error' : m[1] === 'W' ? 'warn' : 'info',
    };
    ctx.emit(f);
    return true;
  },
  samples: [
    {
      line: 'W0103 10:55:16.253022       8 controller.go:826] Service "aaa" does not have any active Endpoint.',
      source: 'https://github.com/kubernetes/ingress-nginx/issues/3626 (deployment scaled to 0: every request gets 503)',
      expect: { kind: 'no-live-upstreams', upstream: 'aaa' },
    },
    {
      line: 'W0103 10:55:19.585791       8 controller.go:753] Error obtaining Endpoints for Service "ccc": no object matching key "dddd" in local store',
      source: 'https://github.com/kubernetes/ingress-nginx/issues/3626 (the Ingress names a Service that does not exist)',
      expect: { kind: 'no-live-upstreams', upstream: 'ccc', detail: 'service not found: no object matching key "dddd" in local store' },
    },
    {
      line: 'W0728 13:49:49.824295       7 controller.go:1111] Service "scalability/scalability-http-transport" does not have any active Endpoint.',
      source: 'https://github.com/kubernetes/ingress-nginx/issues/8882',
      expect: { kind: 'no-live-upstreams', upstream: 'scalability/scalability-http-transport' },
    },
    {
      line: 'W0728 13:49:36.252884       7 controller.go:1016] Error obtaining Endpoints for Service "scalability/serve-ca-cert": no object matching key "scalability/serve-ca-cert" in local store',
      source: 'https://github.com/kubernetes/ingress-nginx/issues/8882',
      expect: { kind: 'no-live-upstreams', upstream: 'scalability/serve-ca-cert' },
    },
    {
      line: 'W0527 15:27:27.667881       1 controller.go:842] service external-logging/kibana-svc does not have any active endpoints',
      source: 'https://github.com/kubernetes/ingress-nginx/issues/250 (controller 0.9.0-beta.7 wording)',
      expect: { kind: 'no-live-upstreams', upstream: 'external-logging/kibana-svc' },
    },
    {
      line: 'W0805 05:22:35.968846       7 controller.go:829] Error obtaining Endpoints for Service "ingress-nginx/webapp": no object matching key "ingress-nginx/webapp" in local store',
      source: 'https://github.com/kubernetes/ingress-nginx/issues/5973',
      expect: { kind: 'no-live-upstreams', upstream: 'ingress-nginx/webapp' },
    },
  ],
};
