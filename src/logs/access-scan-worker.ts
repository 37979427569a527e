/**
 * Worker thread that reads a large access log and scans it (access-scan.ts), so that reading and scanning run on
 * one core while the main thread correlates on the other. Flow control: results in flight may weigh at most
 * BUDGET (a chunk weighs 1 plus its facts and text), so the worker runs far ahead on quiet logs and memory stays
 * bounded on busy ones; the main thread returns each result's weight when it has used it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanFormatFrom } from './formats/scan-formats.js';
import { fileWholeLines } from './lines.js';
import { BUDGET, scanAndParse, weightOf, type WorkerInput, type WorkerMessage } from './access-scan.js';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const input = workerData as WorkerInput;
  const format = scanFormatFrom(input.format, input.zone);
  let inFlight = 0;
  let wake: (() => void) | null = null;
  port.on('message', (returned: number) => {
    inFlight -= returned;
    wake?.();
  });
  const send = async (m: WorkerMessage): Promise<void> => {
    const w = weightOf(m);
    while (inFlight > 0 && inFlight + w > BUDGET) await new Promise<void>((r) => (wake = r));
    wake = null;
    inFlight += w;
    port.postMessage(m);
  };
  // Lines before the current chunk; a chunk read line by line on the main thread reports its count back.
  let line = 0;
  try {
    for await (const chunk of fileWholeLines(input.path, input.range)) {
      if (chunk.truncated) {
        await send({ kind: 'long', text: chunk.buf.toString('utf8', 0, chunk.buf.length - 1), bytes: chunk.truncated.originalBytes });
        line++;
        continue;
      }
      const r = scanAndParse(chunk, format, input.window, input.file, line, input.zone);
      if (r) {
        line += r.lines;
        await send({ kind: 'scan', ...r });
      } else {
        const text = chunk.buf.toString('utf8');
        line += text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
        await send({ kind: 'lines', text });
      }
    }
    port.postMessage({ kind: 'end' } satisfies WorkerMessage);
  } catch (e) {
    port.postMessage({ kind: 'error', message: e instanceof Error ? e.message : String(e) } satisfies WorkerMessage);
  }
}

void main();
