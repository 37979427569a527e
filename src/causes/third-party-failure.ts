/** third-party-failure: the application failed because a service it calls failed or hung. */
import { defineCause } from './types.js';
import { claim, near, own } from './util.js';

export default defineCause({
  meta: {
    id: 'third-party-failure',
    title: 'A service the application depends on failed or hung',
    seedCategory: 'Third-party Services',
    summary: 'The application called another service (a payment or email API, an auth provider, an internal microservice) that failed or did not answer, and the request failed or waited until the proxy gave up.',
    explanation:
      'Requests that call external APIs synchronously inherit their failures: a slow payment gateway makes checkout wait past `proxy_read_timeout` (504), an unreachable auth provider throws (500/502), a DNS failure for the API host fails every call. The application log shows the client error (cURL error 28 "Operation timed out", "Failed to connect", requests.exceptions.ReadTimeout, getaddrinfo ENOTFOUND).',
    statuses: [502, 504, 500],
    signals: [
      'PHP: cURL error 28: Operation timed out after 30001 milliseconds / cURL error 7: Failed to connect to api.example.com port 443',
      'Guzzle ConnectException; Python requests ReadTimeout / ConnectionError; Node FetchError, ETIMEDOUT',
      'these at the same second as 504s on the pages that call the service',
    ],
    facts: ['third-party-error'],
    explains: ['app-error', 'upstream-timeout', 'upstream-closed-early'],
    fixes: {
      owner: [
        'Set short client timeouts on outbound calls (connect 2–3 s, total below the proxy\'s read timeout) and handle failures with a clear error instead of hanging.',
        'Move slow or non-essential calls (emails, webhooks, analytics) to a background queue.',
        'Check the provider\'s status page and your outbound connectivity from the server: `curl -sv https://api.example.com/ -o /dev/null`.',
        'Add retries with backoff and a circuit breaker for flaky dependencies.',
      ],
      visitor: ['A service the site depends on is failing. Try again later; for a payment, check whether it went through before retrying.'],
    },
    related: ['upstream-timeout', 'app-error', 'database-unavailable'],
    lab: { none: 'Needs an external service behind the application; covered by application-log fixtures from public sources.' },
    messages: {
      thirdParty: '{count} request(s) failed because a service the application calls failed ({detail}).',
    },
  },
  detect(i) {
    const f = own(i, 'third-party-error')[0] ?? near(i, 'third-party-error')[0];
    if (!f) return null;
    const symptom = i.facts.find((x) => x !== f);
    const echoes = near(i, 'third-party-error').filter((x) => x !== f);
    if (own(i, 'third-party-error').length > 0) return claim(0.8, 'thirdParty', [f, ...(symptom ? [symptom] : []), ...echoes], f.detail ?? 'dependency');
    const fitting = i.facts.find((x) => x.kind === 'timeout' || x.kind === 'app-status' || x.kind === 'app-fatal' || x.kind === 'gateway-status');
    return fitting ? claim(0.65, 'thirdParty', [f, fitting], f.detail ?? 'dependency') : null;
  },
});
