/** upstream-request-too-big: request headers larger than the upstream accepts. */
import { defineCause } from './types.js';
import { claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-request-too-big',
    title: 'The request headers are larger than the upstream accepts',
    seedCategory: 'Configuration Issues',
    summary: 'The proxy passed the request on, but the application server refused it for being too large (usually headers: big cookies or tokens) and closed the connection without a proper answer.',
    explanation:
      'Application servers cap the size of a request header block: uWSGI\'s `buffer-size` is 4096 bytes by default and it logs "invalid request block size: 4556 (max 4096)...skip" and drops the connection, which the proxy reports as a 502. Other servers answer 431 or 400 instead. Large cookies, long query strings, or SSO tokens in headers push requests over the limit. AWS ALB rejects Lambda requests over 1 MB (LambdaRequestTooLarge).',
    statuses: [502, 400, 431],
    signals: [
      'uWSGI: invalid request block size: 4556 (max 4096)...skip',
      'nginx at the same time: upstream prematurely closed connection while reading response header from upstream',
      'ALB: error_reason LambdaRequestTooLarge',
    ],
    facts: ['request-too-big'],
    explains: ['upstream-closed-early'],
    fixes: {
      owner: [
        'uWSGI: raise the limit, `buffer-size = 32768` in the uwsgi ini (or `--buffer-size 32768`), and restart uWSGI.',
        'gunicorn: `--limit-request-field_size 16380 --limit-request-line 8190` if requests are rejected; Node: `--max-http-header-size=32768`.',
        'Reduce what clients send: fewer and smaller cookies, tokens in the body instead of headers.',
      ],
      visitor: [
        'Clearing this site\'s cookies often fixes it (large cookies make the request too big). You will be logged out of the site.',
      ],
    },
    related: ['upstream-header-too-big', 'upstream-closed-early'],
    lab: { none: 'Needs uWSGI, which the lab does not run; covered by uWSGI log fixtures from public sources.' },
    messages: {
      tooBig: '{count} request(s) failed: the upstream refused the request for its size ({detail}).',
    },
  },
  detect(i) {
    const f = own(i, 'request-too-big')[0] ?? i.context.find((c) => c.kind === 'request-too-big');
    return f ? claim(0.9, 'tooBig', [f, ...i.facts.filter((x) => x !== f)], f.detail ?? 'request too large') : null;
  },
});
