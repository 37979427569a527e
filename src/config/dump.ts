/**
 * `why502 config --dump`: the parsed config as crossplane's JSON payload (https://github.com/nginxinc/crossplane),
 * so tools that read `crossplane parse` output read ours. Only crossplane's fields are written.
 */
import type { ConfigTree } from './nginx-load.js';
import type { ConfigError, Statement } from './nginx-types.js';

export interface CrossplaneDirective {
  directive: string;
  line: number;
  args: string[];
  /** On `include`: indexes into `config` of the files it includes. */
  includes?: number[];
  block?: CrossplaneDirective[];
}

export interface CrossplaneConfig {
  file: string;
  status: 'ok' | 'failed';
  errors: { error: string; line: number | null }[];
  parsed: CrossplaneDirective[];
}

export interface CrossplanePayload {
  status: 'ok' | 'failed';
  errors: { file: string; error: string; line: number | null }[];
  config: CrossplaneConfig[];
}

/**
 * The tree as crossplane's payload. Error texts end in " in FILE:LINE" as crossplane's do.
 * @example JSON.stringify(toCrossplane(loadNginxConfig({ path: 'nginx.conf' })))
 */
export function toCrossplane(tree: ConfigTree): CrossplanePayload {
  return {
    status: tree.status,
    errors: tree.errors.map((e) => ({ file: e.file, error: message(e), line: e.line })),
    config: tree.files.map((f) => ({
      file: f.file,
      status: f.status,
      errors: f.errors.map((e) => ({ error: message(e), line: e.line })),
      parsed: f.parsed.map(directive),
    })),
  };
}

function directive(s: Statement): CrossplaneDirective {
  const out: CrossplaneDirective = { directive: s.directive, line: s.line, args: [...s.args] };
  if (s.includes) out.includes = [...s.includes];
  if (s.block) out.block = s.block.map(directive);
  return out;
}

/** crossplane's NgxParserBaseException.__str__: "MESSAGE in FILE:LINE", or "MESSAGE in FILE" without a line. */
function message(e: ConfigError): string {
  return e.line === null ? `${e.error} in ${e.file}` : `${e.error} in ${e.file}:${e.line}`;
}
