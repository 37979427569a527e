/** cdn-origin-error: a CDN edge could not get a usable answer from the origin and does not say why more precisely. */
import { defineCause } from './types.js';
import { claim, own } from './util.js';

// Codes the contract gives a more precise cause; this cause takes the rest.
const PRECISE = new Set(['521', '523', '524', '525', '526', '1016']);

export default defineCause({
  meta: {
    id: 'cdn-origin-error',
    title: 'The CDN edge could not get a usable answer from the origin',
    seedCategory: 'Content Delivery Network (CDN) Issues',
    summary: 'The CDN in front of the site reached out to the origin server and got no usable response (Cloudflare 520 or 522, CloudFront "could not connect to the origin"), without saying exactly why.',
    explanation:
      'CDNs answer with their own error pages when the origin fails them. Cloudflare 520 means the origin sent an empty, unknown or malformed response (a crash, headers over 128 KB, a broken HTTP/2 origin); 522 means the TCP connection or the request timed out (most often the origin firewall blocks Cloudflare\'s IP ranges, or the origin is overloaded). CloudFront returns 502 when it cannot connect or the TLS setup with the origin fails. The edge itself is rarely the problem: the cause sits at the origin or between the two.',
    statuses: [520, 522, 502],
    signals: [
      'Cloudflare page "Error code 520" / "522" with a Ray ID; header cf-ray, cf-error-type',
      'CloudFront: X-Cache: Error from cloudfront; "CloudFront wasn\'t able to connect to the origin"',
      'Cloudflare Logpush: EdgeResponseStatus 52x with OriginResponseStatus 0',
    ],
    facts: ['cdn-edge-error'],
    fixes: {
      owner: [
        'Test the origin directly, bypassing the CDN: `why502 https://example.com/ --origin <origin-ip>` (or `curl --connect-to example.com:443:<origin-ip>:443 https://example.com/ -v`).',
        'Allow the CDN\'s IP ranges in the origin firewall and security plugins; do not rate-limit them (522).',
        'Check the origin logs at the Ray ID\'s time for crashes, resets or oversized headers (520); disable "HTTP/2 to Origin" if the origin\'s HTTP/2 is broken.',
        'Temporarily set the DNS record to DNS-only (grey cloud) to confirm whether the origin works on its own.',
      ],
      visitor: [
        'The error comes from the site\'s CDN contacting the site\'s server; it is not your connection. Retry in a few minutes.',
        'If it persists, send the site owner the Ray ID / request id in this report.',
      ],
    },
    related: ['firewall-blocked', 'upstream-closed-early', 'upstream-invalid-response', 'upstream-timeout', 'upstream-refused'],
    lab: { none: 'Needs a CDN edge; the probe tests it with recorded CDN error responses replayed on loopback.' },
    messages: {
      edge: 'The CDN edge could not get a usable answer from the origin ({detail}).',
    },
  },
  detect(i) {
    const f = own(i, 'cdn-edge-error').find((x) => !x.detail || !PRECISE.has(x.detail));
    return f ? claim(0.7, 'edge', [f], f.detail ?? 'edge error') : null;
  },
});
