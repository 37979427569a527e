/** Real nginx (Debian package) in front of each faulty upstream: the logs nginx writes are diagnosed to the fault's cause. */
import { describe, expect, it } from 'vitest';
import { faults } from '../src/lab/faults/index.js';
import { nginxBinary } from '../src/lab/launchers/nginx.js';
import { runNginxScenario } from '../src/lab/nginx-scenario.js';
import { liveProcessCount } from '../src/lab/processes.js';
import { diagnoseLogs } from '../src/logs/diagnose.js';
import { assertValidReport } from './helpers.js';

const haveNginx = nginxBinary() !== null;
// In CI a missing proxy is a failure, not a skip.
const inCi = process.env.CI === 'true';

describe('nginx lab', () => {
  it('nginx is installed (required in CI)', () => {
    if (inCi) expect(haveNginx).toBe(true);
  });
  for (const fault of faults) {
    it.skipIf(!haveNginx)(`${fault.name} → ${fault.cause}`, async () => {
      const run = await runNginxScenario(fault);
      try {
        if (!run.proxy) {
          expect(run.notApplicable).toMatch(/not applicable/);
          return;
        }
        expect(run.proxy.startError).toBeUndefined();
        const logs = [run.proxy.logs.error, run.proxy.logs.access].filter((x): x is string => x !== undefined);
        const report = await diagnoseLogs(logs);
        assertValidReport(report);
        expect(report.causes[0]?.id, `diagnosed ${report.causes.map((c) => `${c.id}:${c.count}`).join(', ')}`).toBe(fault.cause);
        expect(report.causes[0]?.evidence.length).toBeGreaterThan(0);
      } finally {
        await run.cleanup();
      }
    });
  }
  it('leaves no process behind', () => {
    expect(liveProcessCount()).toBe(0);
  });
});
