#!/usr/bin/env node
/** why502 command line: a thin layer over the library; parses flags, runs a command, maps the result to an exit code. */
import { Command, CommanderError, Option } from 'commander';
import { UsageError } from '../logs/diagnose.js';
import { TOOL } from '../version.js';
import { runCauses } from './causes-command.js';
import { runLabDemo, runLabList, runLabRun, runLabUp } from './lab-command.js';
import { FORMAT_IDS, runLogs, type LogsFlags } from './logs-command.js';
import { runProbe, type ProbeFlags } from './probe-command.js';
import { runConfig, type ConfigFlags } from './config-command.js';
import { runDoctorCommand, type DoctorFlags } from './doctor-command.js';

// A closed pipe (`why502 ... | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

function outputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print the report as one JSON document (schemaVersion 1)')
    .option('--markdown', 'print the report as Markdown, ready to send')
    .option('--output <file>', 'write the report to a file instead of stdout')
    .option('--no-redact', 'show secrets (tokens, cookies, Authorization) in evidence; for your own eyes only');
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command();
  program
    .name('why502')
    .description('Tells you why a site answers 502 Bad Gateway (and 503, 504, CDN 52x) and what to do about it.')
    .version(TOOL.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  outputOptions(
    program
      .command('logs')
      .description('diagnose proxy logs: files, .gz, a directory (its files) or - for stdin / pasted lines')
      .argument('[paths...]', 'log files, directories, or - for stdin')
      .addOption(new Option('--format <id>', 'force a format for every file').choices(FORMAT_IDS))
      .option('--log-format <string>', "the access log's format: an nginx log_format or an Apache LogFormat string")
      .option('--since <when>', 'only from this time: a duration back (15m, 2h, 1d) or an ISO time')
      .option('--until <when>', 'only up to this time: a duration back or an ISO time')
      .option('--tz <zone>', 'zone of logs written without one (nginx error log) when no access log gives it: +02:00 or Europe/Berlin')
      .option('--follow', 'keep reading the files as they grow (rotation included) and print a new verdict when the cause changes; Ctrl-C ends')
      .option('--follow-interval <ms>', 'with --follow: how often to look for new lines', '1000'),
  ).action(async (paths: string[], flags: LogsFlags) => {
    code = await runLogs(paths, flags);
  });

  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  outputOptions(
    program
      .command('probe')
      .description('probe a URL from outside: DNS, TCP, TLS, HTTP, which hop answered the error, and the visitor checks (why502 URL is the same)')
      .argument('[url]', 'the URL (https:// assumed when no scheme is given)')
      .option('--timeout <s>', 'overall deadline in seconds', '15')
      .option('--attempts <n>', 'attempts in all; extra ones only after a failure', '5')
      .option('--resolver <ip[:port]>', 'also ask this DNS resolver (repeatable)', collect)
      .option('--origin <addr[:port]>', 'also probe the origin directly, Host and SNI kept (bypass the CDN / load balancer)')
      .option('--cookie <cookie>', "send this Cookie header (the site's session), beside a cookie-less request")
      .option('--header <name: value>', 'send this request header (repeatable)', collect)
      .option('--insecure', 'look past certificate errors (still reported) to see the HTTP answer')
      .option('--reference <url>', 'a URL known to work, to check your own connection (no default)')
      .option('--ca <file>', 'extra CA certificates to trust (PEM), e.g. an internal CA')
      .option('--list <file>', 'probe every URL in the file (one per line; - for stdin)')
      .option('--concurrency <n>', 'with --list: URLs probed at once', '50')
      .option('--jsonl', 'with --list: one JSON report per line'),
  ).action(async (url: string | undefined, flags: ProbeFlags) => {
    code = await runProbe(url, flags);
  });

  outputOptions(
    program
      .command('config')
      .description('check an nginx, HAProxy or Apache httpd configuration for settings that risk 502s (a file, a fragment, nginx -T output, a haproxy -f directory, or - for stdin; none: nginx -T)')
      .argument('[path]', 'nginx.conf, a fragment, nginx -T output, haproxy.cfg, apache2.conf / httpd.conf, or -')
      .option('--kind <kind>', 'read the config as nginx, haproxy or apache (default: detected from its name and content, else nginx)')
      .option('--sarif', 'print the findings as SARIF 2.1.0 (code scanning)')
      .option('--dump', 'print the parsed nginx configuration as crossplane-compatible JSON')
      .option('--live', "also probe every upstream the way nginx reaches it (header sizes, latency, idle keep-alive close)")
      .option('--timeout <s>', 'with --live: overall deadline in seconds', '15')
      .option('--nginx-version <v>', 'the nginx version to check against (default: nginx -v, else 1.22.1 assumed)')
      .option('--fpm <file>', 'a PHP-FPM config (php-fpm.conf or a pool file) to check beside nginx'),
  ).action(async (path: string | undefined, flags: ConfigFlags) => {
    code = await runConfig(path, flags);
  });

  outputOptions(
    program
      .command('doctor')
      .description('examine this host: the proxy running, its config, its logs, its upstreams (probed live), the host and the software; it changes nothing')
      .option('--since <when>', 'read the logs from this time: a duration back (15m, 2h) or an ISO time', '15m')
      .option('--config <file>', 'only the proxy started with this config file')
      .option('--proxy <kind>', 'only this kind of proxy: nginx, apache, haproxy or caddy')
      .option('--pid <pid>', "only the proxy with this master process id (repeatable)", collect)
      .option('--no-live', 'do not probe the upstreams')
      .option('--no-software', 'do not read versions and pending updates')
      .option('--timeout <s>', 'deadline in seconds for the live checks', '20'),
  ).action(async (flags: DoctorFlags) => {
    code = await runDoctorCommand(flags);
  });

  program
    .command('causes')
    .description('list the causes why502 knows, or explain one')
    .argument('[id]', 'a cause id, e.g. upstream-refused')
    .option('--json', 'print the catalogue as JSON')
    .action((id: string | undefined, flags: { json?: boolean }) => {
      code = runCauses(id, flags);
    });

  const lab = program.command('lab').description('the fault lab: real nginx, HAProxy, Apache and Caddy in front of broken upstreams, diagnosed by why502');
  lab
    .command('list')
    .description('list the faults, the cause each must be diagnosed as, and where a proxy cannot produce one')
    .option('--proxy <proxy>', 'only this proxy')
    .option('--json', 'print as JSON')
    .action((flags: { json?: boolean; proxy?: string }) => {
      code = runLabList(flags);
    });
  lab
    .command('up')
    .description('start one scenario and keep it running until Ctrl-C (prints the URL and the log paths)')
    .argument('<proxy>', 'nginx, haproxy, apache or caddy')
    .argument('<scenario>', 'a fault name, e.g. refuse')
    .action(async (proxy: string, scenario: string) => {
      code = await runLabUp(proxy, scenario);
    });
  lab
    .command('run')
    .description('run scenarios and print the matrix: expected vs diagnosed cause, from which evidence')
    .option('--proxy <proxy>', 'only this proxy')
    .option('--scenario <name>', 'only this fault (or proxy/fault)')
    .option('--concurrency <n>', 'scenarios run at once (default 2)')
    .option('--json', 'print the results as one JSON document')
    .option('--markdown', 'print the matrix as a Markdown table')
    .action(async (flags: { json?: boolean; markdown?: boolean; proxy?: string; scenario?: string; concurrency?: string }) => {
      code = await runLabRun(flags);
    });
  lab
    .command('demo')
    .description('run one scenario end to end with a narration (default nginx/keepalive-idle-close)')
    .option('--scenario <proxy/fault>', 'the scenario to show')
    .action(async (flags: { scenario?: string }) => {
      code = await runLabDemo(flags);
    });

  // `why502 URL` is `why502 probe URL`: a first argument that is no command but looks like a URL or a host.
  const first = argv[2];
  const commands = new Set(program.commands.map((c) => c.name()));
  if (first !== undefined && !first.startsWith('-') && !commands.has(first) && first !== 'help' && /^(?:https?:\/\/|[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:\/|$)|\[)/i.test(first)) {
    argv = [...argv.slice(0, 2), 'probe', ...argv.slice(2)];
  }
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every parse error is a usage error.
      return e.exitCode === 0 ? 0 : 2;
    }
    throw e;
  }
  return code;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) process.stderr.write(`why502: ${e.message}\n`);
    else process.stderr.write(`why502: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
