/**
 * Lookups for config checks: every directive of a name with where it sits, and the value nginx would use at a
 * place after inheritance. Checks subscribe to directives (gixy's shape) and never walk the tree themselves.
 */
import type { ConfigTree } from './nginx-load.js';
import { ConfigNode } from './nginx-node.js';
import type { ContextChain } from './nginx-types.js';

/** A directive and where it is. */
export interface Located {
  node: ConfigNode;
  /** Block names around it, outermost first, including what a fragment implies (`['http', 'server', 'location']`). */
  context: ContextChain;
  /** The block directives around it that exist in the text, outermost first (implied levels have none). */
  blocks: ConfigNode[];
}

/**
 * Directives that apply only where they are written. Handlers (`proxy_pass`…) and the rewrite module's
 * directives run at their own level; `listen`, `server_name`, `location` describe the block they are in.
 */
export const NOT_INHERITED: ReadonlySet<string> = new Set([
  'proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass', 'return', 'rewrite', 'set',
  'break', 'if', 'location', 'listen', 'server_name', 'try_files', 'alias', 'limit_except', 'internal', 'server',
  'upstream', 'include',
]);

/** Blocks that are not configuration levels: nothing set around them applies inside. */
const NOT_A_LEVEL: ReadonlySet<string> = new Set(['upstream', 'map', 'geo', 'split_clients', 'types', 'events', 'charset_map', 'match']);

const indexes = new WeakMap<ConfigTree, Map<string, ConfigNode[]>>();

/**
 * Visit every node of the combined view in document order (includes expanded).
 * @example walk(tree, (n) => { if (n.directive === 'resolver') found = true; })
 */
export function walk(tree: ConfigTree, visit: (node: ConfigNode) => void): void {
  const go = (nodes: readonly ConfigNode[]): void => {
    for (const n of nodes) {
      visit(n);
      if (n.block) go(n.block);
    }
  };
  go(tree.root);
}

/**
 * Every directive with one of these names, in document order, with its context chain.
 * @example directives(tree, 'proxy_pass').map((d) => d.context) // [['http', 'server', 'location'], …]
 */
export function directives(tree: ConfigTree, name: string | readonly string[]): Located[] {
  let index = indexes.get(tree);
  if (!index) {
    const built = new Map<string, ConfigNode[]>();
    walk(tree, (n) => {
      const list = built.get(n.directive);
      if (list) list.push(n);
      else built.set(n.directive, [n]);
    });
    indexes.set(tree, built);
    index = built;
  }
  const names = typeof name === 'string' ? [name] : name;
  const nodes = names.flatMap((n) => index.get(n) ?? []);
  if (names.length > 1) nodes.sort(byPosition(tree));
  return nodes.map((node) => ({ node, context: node.context, blocks: blocksAround(node) }));
}

/**
 * The context chain of a node: the block names around it, outermost first, including implied levels.
 * @example contextOf(proxyPassNode) // ['http', 'server', 'location']
 */
export function contextOf(node: ConfigNode): ContextChain {
  return node.context;
}

/**
 * The nearest block around `node` with this name (`'server'` for the server a location is in), or null.
 * @example enclosing(proxyPassNode, 'server')?.line // 12
 */
export function enclosing(node: ConfigNode, blockName: string): ConfigNode | null {
  for (let p = node.parent; p; p = p.parent) if (p.directive === blockName) return p;
  return null;
}

/**
 * The directives named `name` that are in effect at a place, after nginx's inheritance: the nearest level that
 * sets any of them wins, and outer levels are ignored entirely. That is also nginx's rule for array-like
 * directives (`proxy_set_header`, `add_header`, `fastcgi_param`, `error_page`…): inherited only when the inner
 * level sets none. `at` is a block (its own body is the first level), any other directive (its block is), or
 * the tree (the top level). An empty result means nginx's default applies.
 * @example effective(locationNode, 'proxy_read_timeout').at(-1)?.args // ['300s'] (set in http, not overridden)
 */
export function effective(at: ConfigNode | ConfigTree, name: string): ConfigNode[] {
  let owner: ConfigNode | null;
  let list: readonly ConfigNode[];
  if (!(at instanceof ConfigNode)) {
    owner = null;
    list = at.root;
  } else if (at.block) {
    owner = at;
    list = at.block;
  } else {
    owner = at.parent;
    list = at.siblings();
  }
  for (;;) {
    const found = list.filter((n) => n.directive === name);
    if (found.length > 0 || NOT_INHERITED.has(name) || owner === null || NOT_A_LEVEL.has(owner.directive)) return found;
    list = owner.siblings();
    owner = owner.parent;
  }
}

/** The block directives around a node, outermost first. */
function blocksAround(node: ConfigNode): ConfigNode[] {
  const out: ConfigNode[] = [];
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out.reverse();
}

/** Document order across names: by position in a pre-order walk. */
function byPosition(tree: ConfigTree): (a: ConfigNode, b: ConfigNode) => number {
  const order = new Map<ConfigNode, number>();
  walk(tree, (n) => order.set(n, order.size));
  return (a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0);
}
