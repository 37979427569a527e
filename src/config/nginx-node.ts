/**
 * A directive in the combined view: included files spliced in where their `include` stands, as nginx reads
 * them. Parent, context chain and the include it came through are getters over private fields, so
 * JSON.stringify and deep equality see only the crossplane-like fields and never loop through parents.
 */
import type { ContextChain, Statement } from './nginx-types.js';

/** What every node of one tree shares: the top-level list and the context the top level implies. */
export interface Scope {
  root: ConfigNode[];
  context: ContextChain;
}

export class ConfigNode {
  directive: string;
  line: number;
  args: string[];
  file: string;
  declare includes?: number[];
  declare block?: ConfigNode[];
  declare templated?: true;
  readonly #parent: ConfigNode | null;
  readonly #via: ConfigNode | null;
  readonly #scope: Scope;
  #inner: ContextChain | null = null;

  constructor(stmt: Statement, parent: ConfigNode | null, via: ConfigNode | null, scope: Scope) {
    this.directive = stmt.directive;
    this.line = stmt.line;
    this.args = stmt.args;
    this.file = stmt.file;
    if (stmt.includes) this.includes = stmt.includes;
    if (stmt.templated) this.templated = true;
    this.#parent = parent;
    this.#via = via;
    this.#scope = scope;
  }

  /** The block directive this node is in; null at the top level. */
  get parent(): ConfigNode | null {
    return this.#parent;
  }

  /** The `include` directive that brought this node's file in; null for the main file. */
  get via(): ConfigNode | null {
    return this.#via;
  }

  /**
   * Names of the blocks around this node, outermost first, starting with what a fragment implies:
   * a `location` in a lone pasted `server { }` has `['http', 'server']`.
   */
  get context(): ContextChain {
    return this.#parent ? this.#parent.#innerContext() : this.#scope.context;
  }

  /** The chain of this node's children, built once and shared by all of them. */
  #innerContext(): ContextChain {
    this.#inner ??= [...this.context, this.directive];
    return this.#inner;
  }

  /** The list this node is in: its parent's block, or the tree's top level. */
  siblings(): readonly ConfigNode[] {
    return this.#parent?.block ?? this.#scope.root;
  }

  /** `file:line`, for evidence. */
  where(): string {
    return `${this.file}:${this.line}`;
  }
}
