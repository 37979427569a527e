/**
 * The log line inside a container runtime's envelope (`docker compose logs`, `docker logs -t`, kubectl,
 * journald), for formats whose own lines are JSON: the shared unwrapper would also open the JSON itself.
 */
import { unwrapLine } from '../wrappers.js';

/**
 * The line without its envelope; a JSON payload is kept whole.
 * @example innerLine('varnish-1  | {"Status": "503"}') // '{"Status": "503"}'
 */
export function innerLine(line: string): string {
  const brace = line.indexOf('{');
  if (brace > 0 && line.trimEnd().endsWith('}')) {
    // The text before the JSON is an envelope when the unwrapper strips exactly that much.
    const probe = unwrapLine(`${line.slice(0, brace)}x`);
    if (probe.wrapper !== null && probe.line === 'x') return line.slice(brace);
  }
  if (brace === 0) return line;
  const un = unwrapLine(line);
  return un.wrapper !== null && un.wrapper !== 'json' ? un.line : line;
}
