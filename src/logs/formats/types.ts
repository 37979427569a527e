/** A log format as data: how to sniff it, how to parse a line into facts, and real sample lines (lnav-style). */
import type { Fact, FactKind, ErrnoCode, Stage } from '../../evidence/facts.js';
import type { ZoneRule } from '../time.js';

/** An access-log request, for statistics (rates per upstream, path, minute). Only fields the format has. */
export interface AccessRecord {
  time: number;
  status: number;
  path?: string;
  upstream?: string;
}

/** Where a parser sends what it finds. */
export interface ParseContext {
  /** Display name of the file ("-" for stdin). */
  file: string;
  lineNo: number;
  /** How to read wall-clock times that carry no zone. */
  zone: ZoneRule;
  emit(fact: Fact): void;
  /** Access formats report every request they parse, for the statistics. */
  request?(rec: AccessRecord): void;
  /** Milliseconds since the previous request to this upstream ('' = unnamed) ended in this log, or null. */
  idleBefore?(upstream: string, time: number): number | null;
}

/** What a sample line must produce: null = recognised, but no fact (a notice, a 200). */
export interface SampleExpectation {
  kind: FactKind;
  errno?: ErrnoCode;
  stage?: Stage;
  upstream?: string;
  status?: number;
  detail?: string;
  /** ISO time the line must be read as (with the zone the test uses: UTC). */
  time?: string;
}

export interface FormatSample {
  line: string;
  /** Where the line comes from: "lab: nginx 1.22.1, fault refuse" or a public URL. */
  source: string;
  expect: SampleExpectation | null;
}

export interface LogFormat {
  id: string;
  title: string;
  /** The program that writes it. */
  software: string;
  /** error: the proxy's error log; access: request log; app: upstream/app logs; system: kernel, systemd. */
  role: 'error' | 'access' | 'app' | 'system';
  /** Times in this format carry no zone (nginx error log, PHP-FPM): the zone must come from elsewhere. */
  wallClock?: boolean;
  /** 0 = certainly not this format, 1 = certainly it. Judged on single lines from the head of a file. */
  sniff(line: string): number;
  /** Parse a line: false when the line is not of this format. Facts go to ctx.emit. */
  parse(line: string, ctx: ParseContext): boolean;
  samples: FormatSample[];
  /**
   * Multi-line records: true when this line opens a record that goes on over the next lines (nginx logs
   * FastCGI stderr with its newlines). The reader then joins following lines until `endsRecord` says so.
   */
  opensRecord?(line: string): boolean;
  endsRecord?(line: string): boolean;
  /** Request logs that can be scanned rather than parsed line by line (see ScanFormat), given the file's first lines. */
  scanner?(head: readonly string[]): ScanFormat;
}

/** How a worker thread rebuilds a scan format (formats hold functions, which cannot cross threads). */
export type ScanRecipe = { kind: 'nginx-access' | 'apache-access'; name: string; source: string; tail: boolean } | { kind: 'haproxy' } | { kind: 'envoy'; json: boolean };

/**
 * A request log that can be read without parsing every line: lines holding one of `needles` are parsed; the
 * others are only counted per minute by bisecting on `timeOf`. The first needle is searched with SIMD.
 */
export interface ScanFormat extends LogFormat {
  needles: Buffer[];
  /** The time of a line (epoch ms), NaN when it has none. */
  timeOf(line: string): number;
  recipe: ScanRecipe;
  /** This format reading wall-clock times in the given zone (formats with zoned times return themselves). */
  withZone(zone: ZoneRule): ScanFormat;
  /**
   * A cheap byte check of a match of the first needle at `at` (where the needle starts), before its line is parsed:
   * false when the match cannot be the field the needle is for (HAProxy's " 5" inside a byte count).
   */
  candidate?(buf: Buffer, at: number): boolean;
}
