/** The edge and cloud formats (Envoy, Traefik, AWS, CloudFront, GCP, Cloudflare, Varnish, ingress-nginx): producers, sniffing, totality (their samples run in formats.test.ts). */
import { describe, expect, it } from 'vitest';
import type { Fact } from '../src/evidence/facts.js';
import { awsElbLog } from '../src/logs/formats/aws-elb.js';
import { cloudflareLogpush } from '../src/logs/formats/cloudflare-logpush.js';
import { cloudfrontLog } from '../src/logs/formats/cloudfront.js';
import { envoyAccessLog } from '../src/logs/formats/envoy.js';
import { gcpLbLog } from '../src/logs/formats/gcp-lb.js';
import { ingressNginxController } from '../src/logs/formats/ingress-nginx.js';
import { traefikLog } from '../src/logs/formats/traefik.js';
import type { AccessRecord, LogFormat, ParseContext } from '../src/logs/formats/types.js';
import { varnishLog } from '../src/logs/formats/varnish.js';

const FORMATS: readonly LogFormat[] = [envoyAccessLog, traefikLog, awsElbLog, cloudfrontLog, gcpLbLog, cloudflareLogpush, varnishLog, ingressNginxController];

function parseWith(format: LogFormat, line: string): { ok: boolean; facts: Fact[]; requests: AccessRecord[] } {
  const facts: Fact[] = [];
  const requests: AccessRecord[] = [];
  const ctx: ParseContext = { file: 'sample', lineNo: 1, zone: { kind: 'offset', minutes: 0 }, emit: (f) => facts.push(f), request: (r) => requests.push(r) };
  return { ok: format.parse(line, ctx), facts, requests };
}

describe('edge format producers', () => {
  it('access lines end in -access, so the correlator takes them as the request\'s last line', () => {
    const producers = new Set<string>();
    for (const format of FORMATS) {
      for (const s of format.samples) for (const f of parseWith(format, s.line).facts) producers.add(`${format.id}:${f.producer}`);
    }
    expect([...producers].sort()).toEqual(
      [
        'aws-elb:aws-elb-access',
        'cloudflare-logpush:cloudflare-access',
        'cloudfront:cloudfront-access',
        'envoy:envoy-access',
        'gcp-lb:gcp-lb-access',
        'ingress-nginx:ingress-nginx',
        'traefik:traefik',
        'traefik:traefik-access',
        'varnish:varnish',
        'varnish:varnish-access',
      ].sort(),
    );
  });
  it('access samples with a time report their request for the statistics', () => {
    for (const format of [envoyAccessLog, traefikLog, awsElbLog, cloudfrontLog, gcpLbLog, cloudflareLogpush]) {
      const counted = format.samples.filter((s) => parseWith(format, s.line).requests.length > 0);
      expect(counted.length, format.id).toBeGreaterThan(0);
    }
  });
});

describe('edge format detection', () => {
  // Detection counts the lines each format sniffs above 0 (planFor), so another format must not claim them at all.
  it('no sample of one format is sniffed by another', () => {
    for (const own of FORMATS) {
      for (const s of own.samples) {
        const mine = own.sniff(s.line);
        expect(mine, `${own.id}: ${s.line.slice(0, 80)}`).toBeGreaterThan(0);
        for (const other of FORMATS) {
          if (other === own) continue;
          expect(other.sniff(s.line), `${other.id} on ${own.id}: ${s.line.slice(0, 80)}`).toBe(0);
        }
      }
    }
  });
  const nginxError =
    '2026/12/01 13:21:58 [error] 16344#16344: *6 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET /api/cart HTTP/1.1", upstream: "http://127.0.0.1:35947/api/cart", host: "127.0.0.1:8080"';
  const nginxCombined = '127.0.0.1 - - [01/Dec/2026:12:56:13 +0000] "GET /refused?token=abc HTTP/1.1" 502 157 "-" "curl/7.88.1"';
  for (const format of FORMATS) {
    it(`${format.id} does not take nginx error or combined access lines`, () => {
      expect(format.sniff(nginxError)).toBe(0);
      expect(format.sniff(nginxCombined)).toBe(0);
      expect(format.parse(nginxError, { file: 'x', lineNo: 1, zone: { kind: 'offset', minutes: 0 }, emit: () => undefined })).toBe(false);
    });
  }
});

describe('edge formats are total', () => {
  const garbage = ['', '{', '{"response_flags":', '{"EdgeResponseStatus":"x"}', '{"httpRequest":{},"resource":{"type":"http_load_balancer"}}', '[] "', '\t'.repeat(40), 'FetchError', 'W0101 00:00:00.000000 1 x.go:1] '];
  for (const format of FORMATS) {
    it(`${format.id} never throws on cut or garbage lines`, () => {
      for (const s of format.samples) {
        for (const cut of [1, 10, Math.floor(s.line.length / 2), s.line.length - 1]) expect(() => parseWith(format, s.line.slice(0, cut))).not.toThrow();
      }
      for (const g of garbage) expect(() => parseWith(format, g)).not.toThrow();
    });
    it(`${format.id} rejects long hostile lines quickly`, () => {
      const hostile = [`"GET ${'a '.repeat(20000)}`, `[2026-01-01T00:00:00Z] "GET / HTTP/1.1" 503 UF ${'"x" '.repeat(5000)}`, `'502 Bad Gateway' caused by: ${'x'.repeat(50000)}`, `${'- '.repeat(20000)}FetchError`, `{${'"a":1,'.repeat(5000)}`];
      const t0 = performance.now();
      for (const h of hostile) {
        format.sniff(h);
        parseWith(format, h);
      }
      expect(performance.now() - t0).toBeLessThan(1000);
    });
  }
});
