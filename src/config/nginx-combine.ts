/**
 * The combined view: starting from the main file, every `include` is followed by the nodes of the files it
 * names, in the include's own block, as nginx reads them. A file included from two places appears twice (it is
 * parsed once). An include that would re-enter a file already being included is a cycle: reported, not followed.
 */
import { ConfigNode, type Scope } from './nginx-node.js';
import type { ConfigError, ParsedFile, Statement } from './nginx-types.js';

/**
 * Build the combined view of parsed files (index 0 is the main file). Cycle errors are added to the file that
 * holds the offending include.
 * @example combine(files, scope).length // number of top-level nodes, includes expanded
 */
export function combine(files: readonly ParsedFile[], scope: Scope, maxNodes = MAX_NODES): ConfigNode[] {
  const main = files[0];
  if (!main) return scope.root;
  const reported = new Set<string>();
  const stack: number[] = [0];
  let count = 0;

  const expand = (stmts: readonly Statement[], parent: ConfigNode | null, via: ConfigNode | null, out: ConfigNode[]): void => {
    for (const s of stmts) {
      if (++count > maxNodes) {
        if (count === maxNodes + 1) reportLimit(files, stack, s, maxNodes);
        return;
      }
      const node = new ConfigNode(s, parent, via, scope);
      out.push(node);
      if (s.block) {
        node.block = [];
        expand(s.block, node, via, node.block);
      }
      for (const index of s.includes ?? []) {
        const target = files[index];
        if (!target) continue;
        if (stack.includes(index)) {
          reportCycle(files, stack, index, s, reported);
          continue;
        }
        stack.push(index);
        expand(target.parsed, parent, node, out);
        stack.pop();
      }
    }
  };
  expand(main.parsed, null, null, scope.root);
  return scope.root;
}

/**
 * Copies of directives the combined view holds at most. Each file is parsed once, but a snippet included from
 * many places is copied into each; includes nested that way multiply, and must not exhaust memory.
 */
const MAX_NODES = 5_000_000;

function reportLimit(files: readonly ParsedFile[], stack: readonly number[], s: Statement, maxNodes: number): void {
  const holder = files[stack[stack.length - 1] ?? 0];
  if (!holder) return;
  holder.errors.push({ code: 'CONF_INCLUDE_LIMIT', file: s.file, line: s.line, error: `the included files expand to more than ${maxNodes} directives; the rest were left out` });
  holder.status = 'failed';
}

function reportCycle(files: readonly ParsedFile[], stack: readonly number[], index: number, s: Statement, reported: Set<string>): void {
  const key = `${s.file}\0${s.line}\0${index}`;
  if (reported.has(key)) return;
  reported.add(key);
  const names = [...stack.slice(stack.indexOf(index)), index].map((i) => files[i]?.file ?? '?');
  const error: ConfigError = {
    code: 'CONF_INCLUDE_CYCLE',
    file: s.file,
    line: s.line,
    error: `include cycle: "${files[index]?.file ?? '?'}" is already being included (${names.join(' -> ')})`,
  };
  // The include being expanded belongs to the file on top of the stack.
  const holder = files[stack[stack.length - 1] ?? 0];
  if (holder) {
    holder.errors.push(error);
    holder.status = 'failed';
  }
}
