/** `why502 config [PATH|-]`: check an nginx, HAProxy or Apache httpd configuration for 502-prone settings. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { analyzeConfigWithTree, CONFIG_KINDS, type ConfigKind } from '../config/analyze.js';
import { toCrossplane } from '../config/dump.js';
import { parseFpmConfig } from '../config/php-fpm-config.js';
import { toSarif } from '../config/sarif.js';
import { UsageError } from '../logs/diagnose.js';
import { emitReport, exitCodeFor, type OutputFlags } from './output.js';

export interface ConfigFlags extends OutputFlags {
  sarif?: boolean;
  dump?: boolean;
  live?: boolean;
  nginxVersion?: string;
  fpm?: string;
  timeout?: string;
  kind?: string;
}

let stdinText: string | null = null;

function writeOut(text: string, flags: ConfigFlags): void {
  if (flags.output === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(flags.output, text);
  } catch (e) {
    throw new UsageError(`--output ${flags.output}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export async function runConfig(pathIn: string | undefined, flags: ConfigFlags): Promise<number> {
  const formats = [flags.json, flags.markdown, flags.sarif, flags.dump].filter(Boolean).length;
  if (formats > 1) throw new UsageError('choose one of --json, --markdown, --sarif and --dump');
  if (flags.nginxVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(flags.nginxVersion)) throw new UsageError(`--nginx-version ${flags.nginxVersion}: a version like 1.22.1`);
  if (flags.kind !== undefined && !(CONFIG_KINDS as readonly string[]).includes(flags.kind)) throw new UsageError(`--kind ${flags.kind}: one of ${CONFIG_KINDS.join(', ')}`);
  if (flags.dump && flags.kind !== undefined && flags.kind !== 'nginx') throw new UsageError(`--dump prints nginx's parsed tree only; it does not apply to --kind ${flags.kind}`);
  let path = pathIn;
  if (path === undefined) {
    // No path: what the installed nginx reads, as `nginx -T` prints it.
    try {
      const text = execFileSync('nginx', ['-T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000, maxBuffer: 256 * 1024 * 1024 });
      path = '/dev/stdin';
      return await analyzeText(text, flags);
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      throw new UsageError(err.code === 'ENOENT' ? 'no config given and nginx is not installed here: why502 config /etc/nginx/nginx.conf (or - for stdin)' : `nginx -T failed: ${(err.stderr ?? err.message).trim().split('\n').pop() ?? ''}`);
    }
  }
  return analyzePath(path, flags);
}

async function analyzeText(text: string, flags: ConfigFlags): Promise<number> {
  const { Readable } = await import('node:stream');
  return analyzePath('-', flags, Readable.from([text]), 'nginx -T');
}

async function analyzePath(path: string, flags: ConfigFlags, stdinIn?: NodeJS.ReadableStream, label?: string): Promise<number> {
  let stdin = stdinIn;
  if (path === '-' && !stdin) {
    // Read once: --live parses the config twice.
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(Buffer.from(c as Uint8Array));
    const { Readable } = await import('node:stream');
    const text = Buffer.concat(chunks).toString('utf8');
    stdin = Readable.from([text]);
    stdinText = text;
  }
  const opts: Parameters<typeof analyzeConfigWithTree>[1] = {};
  if (flags.nginxVersion) opts.nginxVersion = flags.nginxVersion;
  if (flags.fpm) opts.fpmConfig = flags.fpm;
  if (stdin) opts.stdin = stdin;
  if (flags.kind !== undefined) opts.kind = flags.kind as ConfigKind;
  if (flags.live) {
    const { liveCheck } = await import('../config/live.js');
    const first = await analyzeConfigWithTree(path, opts);
    if (first.files === 0) {
      emitReport(first.report, flags);
      return 2;
    }
    if (!first.tree) throw new UsageError(`--live probes nginx's upstreams only so far; ${path} was read as a ${first.kind} config`);
    const timeout = Number(flags.timeout ?? '15');
    if (!Number.isFinite(timeout) || timeout < 1 || timeout > 600) throw new UsageError(`--timeout ${flags.timeout ?? ''}: a number of seconds from 1 to 600`);
    const live = await liveCheck(first.tree, {
      timeoutMs: timeout * 1000,
      ...(flags.nginxVersion ? { nginxVersion: flags.nginxVersion } : {}),
      ...(flags.fpm ? { fpm: parseFpmConfig(flags.fpm) } : {}),
    });
    opts.live = live.targets;
    opts.liveIncidents = live.incidents;
    opts.liveNotes = live.notes;
    if (stdinText !== null) opts.stdin = (await import('node:stream')).Readable.from([stdinText]);
  }
  const { report, tree, findings, kind, files } = await analyzeConfigWithTree(path, opts);
  // What was read, for people: "nginx -T" rather than the "-" it was piped through.
  if (label !== undefined) report.target = label;
  const unreadable = files === 0;
  if (flags.dump) {
    if (!tree) throw new UsageError(`--dump prints nginx's parsed tree only; ${path} was read as a ${kind} config (--kind nginx to read it as nginx's)`);
    writeOut(`${JSON.stringify(toCrossplane(tree), null, 2)}\n`, flags);
    return unreadable ? 2 : 0;
  }
  if (flags.sarif) {
    writeOut(`${JSON.stringify(toSarif(findings, process.cwd()), null, 2)}\n`, flags);
    return unreadable ? 2 : findings.length > 0 ? 1 : 0;
  }
  emitReport(report, flags);
  return exitCodeFor(report, unreadable);
}
