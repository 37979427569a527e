/**
 * The software behind the site: the versions of the proxy and PHP-FPM (their own `-v`), pending package
 * updates for them from the local apt cache (no network), and proxy-related bug fixes in later nginx
 * releases from nginx's own change log (nginx-changes.ts).
 */
import { compareVersions } from '../config/checks/util.js';
import { NGINX_CHANGES_SOURCE, NGINX_PROXY_FIXES, type NginxChange } from './nginx-changes.js';
import type { Sys } from './sys.js';

export type SoftwareName = 'nginx' | 'apache' | 'haproxy' | 'caddy' | 'php-fpm';

/** One program as installed here. */
export interface SoftwareItem {
  name: SoftwareName;
  binary: string;
  /** The upstream version ("1.22.1"), or null when the program would not say. */
  version: string | null;
  /** The line it printed the version on. */
  versionText?: string;
  /** The distribution package that owns the binary, with the installed and the candidate version. */
  package?: { name: string; installed: string | null; candidate: string | null; upgradable: boolean };
  /** Proxy-related bug fixes in later upstream releases (nginx only, from its change log). */
  laterFixes?: { count: number; versions: string[]; sample: NginxChange[]; source: string };
}

const VERSION_ARGS: Record<SoftwareName, string[]> = { nginx: ['-v'], apache: ['-v'], haproxy: ['-v'], caddy: ['version'], 'php-fpm': ['-v'] };
const VERSION_RE: Record<SoftwareName, RegExp> = {
  nginx: /nginx\/(\d+\.\d+\.\d+)/,
  apache: /Apache\/(\d+\.\d+\.\d+)/,
  haproxy: /HA-?Proxy version (\d+\.\d+\.\d+)/,
  caddy: /^v?(\d+\.\d+\.\d+)/m,
  'php-fpm': /PHP (\d+\.\d+\.\d+)/,
};

/**
 * Versions, package state and later fixes of these programs. Each command has a timeout; a missing
 * dpkg/apt-cache only leaves the package fields out.
 * @example await readSoftware(makeSys(), [{ name: 'nginx', binary: '/usr/sbin/nginx' }])
 */
export async function readSoftware(sys: Sys, programs: readonly { name: SoftwareName; binary: string }[], timeoutMs = 5000): Promise<{ items: SoftwareItem[]; notes: string[] }> {
  const notes: string[] = [];
  const items: SoftwareItem[] = [];
  const unique = programs.filter((p, i) => programs.findIndex((q) => q.binary === p.binary) === i);
  for (const p of unique) {
    const r = await sys.exec(p.binary, VERSION_ARGS[p.name], timeoutMs);
    const out = r ? `${r.stdout}\n${r.stderr}` : '';
    const m = VERSION_RE[p.name].exec(out);
    const line = out.split('\n').find((l) => VERSION_RE[p.name].test(l))?.trim();
    const item: SoftwareItem = { name: p.name, binary: p.binary, version: m?.[1] ?? null, ...(line ? { versionText: line } : {}) };
    if (!m) notes.push(`${p.binary} ${VERSION_ARGS[p.name].join(' ')}: ${r === null ? 'could not run' : r.timedOut ? 'timed out' : 'no version in its output'}`);
    if (p.name === 'nginx' && item.version) item.laterFixes = laterNginxFixes(item.version);
    items.push(item);
  }
  await addPackages(sys, items, notes, timeoutMs);
  return { items, notes };
}

const OTHER_OS = /\b(?:DragonFly|FreeBSD|NetBSD|OpenBSD|Solaris|macOS|Windows|\/dev\/poll)\b/i;
const SEVERE = /\b50[234]\b|segmentation fault|use-after-free|hang|hog|truncat|invalid|might not (work|be closed|close)|next upstream|keepalive|keep-alive|errors? might occur|no live upstreams|closed/i;

/**
 * Proxy-related bug fixes released after this nginx version.
 * @example laterNginxFixes('1.22.1').versions[0] // '1.23.0' or later
 */
export function laterNginxFixes(version: string): NonNullable<SoftwareItem['laterFixes']> {
  const later = NGINX_PROXY_FIXES.filter((c) => compareVersions(c.version, version) > 0);
  const versions = [...new Set(later.map((c) => c.version))].sort(compareVersions);
  // Fixes of failures a gateway shows (errors, hangs, crashes, truncation) before caching and header details;
  // within each, the oldest first: the next release an owner could move to.
  // Fixes for other systems (DragonFly BSD, Solaris, Windows) matter least on the Linux hosts this runs on.
  const weight = (c: NginxChange): number => (OTHER_OS.test(c.text) ? 2 : SEVERE.test(c.text) ? 0 : 1);
  const sample = [...later].sort((a, b) => weight(a) - weight(b) || compareVersions(a.version, b.version)).slice(0, 5);
  return { count: later.length, versions, sample, source: `${NGINX_CHANGES_SOURCE.repository}/blob/${NGINX_CHANGES_SOURCE.commit}/${NGINX_CHANGES_SOURCE.file}` };
}

/** dpkg-query -S for the owning packages, then apt-cache policy (the local cache only) for their versions. */
async function addPackages(sys: Sys, items: SoftwareItem[], notes: string[], timeoutMs: number): Promise<void> {
  const dpkg = sys.which('dpkg-query');
  if (!dpkg || items.length === 0) {
    if (items.length > 0) notes.push('packages: dpkg-query is not installed (not a Debian-family system): pending updates not checked');
    return;
  }
  const owners = await sys.exec(dpkg, ['-S', ...items.map((i) => i.binary)], timeoutMs);
  const pkgOf = new Map<string, string>();
  for (const line of (owners?.stdout ?? '').split('\n')) {
    const m = /^([^:\s,]+)(?::[\w-]+)?(?:, [^:]+)*: (.+)$/.exec(line.trim());
    if (m?.[1] && m[2]) pkgOf.set(m[2], m[1]);
  }
  const pkgs = [...new Set(items.map((i) => pkgOf.get(i.binary)).filter((p): p is string => p !== undefined))];
  if (pkgs.length === 0) {
    notes.push('packages: the binaries belong to no dpkg package (built from source or installed by hand): updates not checked');
    return;
  }
  const aptCache = sys.which('apt-cache');
  const policy = aptCache ? await sys.exec(aptCache, ['policy', ...pkgs], timeoutMs) : null;
  const versions = parseAptPolicy(policy?.stdout ?? '');
  if (!aptCache || !policy || policy.code !== 0) notes.push(`packages: apt-cache policy ${pkgs.join(' ')} ${aptCache ? 'failed' : 'is not available'}: pending updates not checked`);
  for (const i of items) {
    const name = pkgOf.get(i.binary);
    if (!name) continue;
    const v = versions.get(name);
    const installed = v?.installed ?? null;
    const candidate = v?.candidate ?? null;
    i.package = { name, installed, candidate, upgradable: installed !== null && candidate !== null && installed !== candidate };
  }
}

/** `apt-cache policy` blocks: "pkg:\n  Installed: X\n  Candidate: Y". "(none)" reads as null. */
export function parseAptPolicy(text: string): Map<string, { installed: string | null; candidate: string | null }> {
  const out = new Map<string, { installed: string | null; candidate: string | null }>();
  let current: string | null = null;
  for (const line of text.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head?.[1]) {
      current = head[1];
      out.set(current, { installed: null, candidate: null });
      continue;
    }
    const m = /^\s+(Installed|Candidate): (.+)$/.exec(line);
    if (m && current) {
      const e = out.get(current);
      const v = m[2]?.trim() === '(none)' ? null : (m[2]?.trim() ?? null);
      if (e && m[1] === 'Installed') e.installed = v;
      else if (e) e.candidate = v;
    }
  }
  return out;
}

/** One line per program, for the report: "nginx 1.22.1 (package nginx 1.22.1-9+deb12u11, update pending: …)". */
export function describeSoftware(i: SoftwareItem): string {
  const name = i.name === 'apache' ? 'Apache' : i.name === 'haproxy' ? 'HAProxy' : i.name === 'caddy' ? 'Caddy' : i.name === 'php-fpm' ? 'PHP-FPM' : 'nginx';
  const parts = [`${name} ${i.version ?? '(version unknown)'} (${i.binary})`];
  if (i.package) {
    parts.push(
      i.package.upgradable
        ? `package ${i.package.name} ${i.package.installed ?? '?'}: update pending to ${i.package.candidate ?? '?'} in the local apt cache (apt-get install --only-upgrade ${i.package.name})`
        : `package ${i.package.name} ${i.package.installed ?? '?'}: no newer version in the local apt cache${i.package.candidate === null ? ' (no candidate: the cache may be empty; apt-get update refreshes it)' : ''}`,
    );
  }
  if (i.laterFixes && i.laterFixes.count > 0) {
    const f = i.laterFixes;
    parts.push(
      `later releases fixed ${f.count} proxy-related bug(s) (${f.versions[0] ?? ''}–${f.versions[f.versions.length - 1] ?? ''}), e.g. ${f.sample
        .slice(0, 3)
        .map((c) => `${c.version}: ${c.text}`)
        .join(' | ')} (nginx's change log, ${f.source}; distribution packages may carry some as patches)`,
    );
  }
  return parts.join('; ');
}
