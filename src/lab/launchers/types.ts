/** What every proxy launcher returns: where the proxy listens, where its logs are, how to stop it. */
import type { ProxyTarget } from '../faults/types.js';

export const PROXY_KINDS = ['nginx', 'haproxy', 'apache', 'caddy'] as const;
export type ProxyKind = (typeof PROXY_KINDS)[number];

export interface RunningProxy {
  kind: ProxyKind;
  /** Base URL of the proxy on loopback, e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  /** Log files the proxy writes. */
  logs: string[];
  configPath: string;
  /** Set when the proxy refused to start (a configuration it cannot load is itself a lab outcome). */
  startError?: string;
  stop(): Promise<void>;
}

export interface LaunchSpec {
  /** Scenario directory: config, logs and temporary files go under it. */
  dir: string;
  target: ProxyTarget;
}

/** A target this proxy cannot express (the reason goes into the scenario list). */
export class NotApplicable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotApplicable';
  }
}

/** Split "unix:/path" from "host:port". */
export function socketPath(server: string): string | null {
  return server.startsWith('unix:') ? server.slice(5) : null;
}
