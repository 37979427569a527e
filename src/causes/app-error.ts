/** app-error: the application reported a fatal error, or itself answered 502. */
import { defineCause } from './types.js';
import { claim, near, own } from './util.js';

export default defineCause({
  meta: {
    id: 'app-error',
    title: 'The application failed with an error of its own',
    seedCategory: 'Software Bugs or Errors',
    summary: 'The application behind the proxy hit a fatal error (a PHP fatal, an uncaught exception, out of memory) or itself answered 502/503, and the proxy passed that on.',
    explanation:
      'Not every 502 is the proxy\'s: the application may answer 502 or 503 itself (its own upstream failed, a maintenance mode), or die on a fatal error so the proxy gets nothing. PHP writes "PHP Fatal error" lines to FastCGI stderr, which nginx logs as "FastCGI sent in stderr"; other runtimes print tracebacks. In the access log, a 5xx with a numeric `$upstream_header_time` and the same `$upstream_status` was sent by the application, not made by nginx.',
    statuses: [502, 500, 503],
    signals: [
      'nginx: FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught Error: ..." while reading response header from upstream',
      'PHP: Allowed memory size of 134217728 bytes exhausted; Maximum execution time of 30 seconds exceeded',
      'access log: 502 with $upstream_status 502 and a numeric $upstream_header_time (passed through)',
      'app log: Traceback / uncaught exception / panic at the same second',
    ],
    facts: ['app-fatal', 'app-status'],
    explains: ['upstream-closed-early', 'upstream-invalid-response'],
    fixes: {
      owner: [
        'Read the full error: PHP-FPM log / `php_errors.log` (set `log_errors = On`, `error_log = /var/log/php_errors.log`), the app\'s stderr in `journalctl -u <app>`.',
        'Fix the code path or raise the resource the error names (`memory_limit = 256M`, `max_execution_time`) only after checking it is legitimate.',
        'If the application itself answers 502/503 (passed through), look one level deeper: its own upstreams (database, APIs) or maintenance mode.',
        'Roll back the last deploy if the errors started with it.',
      ],
      visitor: ['The site\'s application has a bug on this page. Retrying rarely helps; report the URL and time to the site owner.'],
    },
    related: ['upstream-closed-early', 'database-unavailable', 'third-party-failure'],
    lab: { faults: ['php-fatal'] },
    messages: {
      fatal: '{count} request(s) failed with an application error ({detail}).',
      passedThrough: '{count} request(s): the application at {upstream} answered 5xx itself; the proxy passed it on.',
    },
  },
  detect(i) {
    const f = own(i, 'app-fatal')[0] ?? near(i, 'app-fatal')[0];
    if (f) {
      const symptom = i.facts.find((x) => x !== f);
      // Context-only errors must meet a failed request to claim it; a standalone line claims itself.
      // The same error is often logged twice (nginx's FastCGI stderr and PHP-FPM's log): both are evidence.
      const echoes = near(i, 'app-fatal').filter((x) => x !== f);
      if (own(i, 'app-fatal').length > 0 || symptom) return claim(own(i, 'app-fatal').length > 0 ? 0.85 : 0.65, 'fatal', [f, ...(symptom ? [symptom] : []), ...echoes], f.detail ?? 'fatal');
    }
    const pass = own(i, 'app-status')[0];
    if (pass) return claim(0.75, 'passedThrough', [pass]);
    return null;
  },
});
