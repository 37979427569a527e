/**
 * `why502 config --live` across the fault lab: every nginx scenario started for real, then its config read and its
 * upstreams probed the way nginx reaches them — no traffic, no logs. Each fault a quiet request can show must be
 * named by its cause; the few that only show under traffic are listed with the reason.
 */
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { analyzeConfigWithTree } from '../../src/config/analyze.js';
import { liveCheck } from '../../src/config/live.js';
import { loadNginxConfig } from '../../src/config/nginx-load.js';
import { faults } from '../../src/lab/faults/index.js';
import { nginxBinary } from '../../src/lab/launchers/nginx.js';
import { fpmBinary } from '../../src/lab/launchers/php-fpm.js';
import { startScenario } from '../../src/lab/scenario.js';

const ROOT = process.getuid?.() === 0;

/** The cause the config and a live probe must name first; a string: why they cannot (it shows under load only). */
const EXPECTED: Record<string, string | { cannot: string }> = {
  refuse: 'upstream-refused',
  'socket-missing': 'upstream-refused',
  'reset-before-response': 'upstream-closed-early',
  'close-before-response': 'upstream-closed-early',
  'close-mid-body': 'upstream-closed-early',
  'malformed-status-line': 'upstream-invalid-response',
  'garbage-bytes': 'upstream-invalid-response',
  'invalid-header': 'upstream-invalid-response',
  'invalid-chunked': 'upstream-invalid-response',
  'huge-headers': 'upstream-header-too-big',
  'slow-headers': 'upstream-timeout',
  'keepalive-idle-close': 'keepalive-race',
  'tls-expired': 'upstream-tls-expired',
  'tls-untrusted': 'upstream-tls-untrusted',
  'tls-wrong-host': 'upstream-tls-untrusted',
  'tls-version-mismatch': 'upstream-tls-handshake',
  'tls-to-plain': 'protocol-mismatch',
  'plain-to-tls': 'protocol-mismatch',
  'http-to-fastcgi': 'protocol-mismatch',
  'socket-permission': 'permission-denied',
  'dns-unresolvable': 'upstream-dns',
  'dns-nxdomain': 'upstream-dns',
  'dns-servfail': 'upstream-dns',
  'dns-silent': 'upstream-dns',
  'dns-no-resolver': 'upstream-dns',
  // Both servers of the group refuse: that is the root; "no live upstreams" in the logs follows from it.
  'all-servers-down': 'upstream-refused',
  'few-worker-connections': 'proxy-resource-exhausted',
  overload: { cannot: 'one quiet request is answered; the pool fills only under concurrent traffic (why502 logs sees it)' },
  'php-fatal': { cannot: 'the live check asks PHP-FPM for a script that does not exist, so no application code runs; the fatal error shows in the logs' },
};

const nginxFaults = faults.filter((f) => !f.notFor?.nginx);

describe.skipIf(!nginxBinary())('why502 config --live on every nginx scenario of the lab', () => {
  it('every nginx fault has an expectation here', () => {
    expect(nginxFaults.map((f) => f.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const fault of nginxFaults) {
    const want = EXPECTED[fault.name];
    it(`${fault.name}: ${typeof want === 'string' ? want : `no cause (${want?.cannot ?? '?'})`}`, { timeout: 30_000 }, async (t) => {
      if (fault.name === 'socket-permission' && !ROOT) return t.skip('needs root: only then do the workers run as another user than the socket owner');
      if (fault.name.startsWith('php') && !fpmBinary()) return t.skip('php-fpm is not installed');
      const scenario = await startScenario('nginx', fault);
      try {
        const live = await liveCheck(loadNginxConfig({ path: scenario.proxy.configPath }), { timeoutMs: 8000 });
        const { report } = await analyzeConfigWithTree(scenario.proxy.configPath, { live: live.targets, liveIncidents: live.incidents, liveNotes: live.notes });
        const seen = report.causes.map((c) => `${c.id}:${c.count}`);
        if (typeof want === 'string') expect(report.causes[0]?.id, JSON.stringify(seen)).toBe(want);
        else expect(seen).toEqual([]);
      } finally {
        await scenario.stop();
        await rm(scenario.dir, { recursive: true, force: true });
      }
    });
  }
});
