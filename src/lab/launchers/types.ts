/** What every proxy launcher returns: where the proxy listens, where its logs are, how to stop it. */

export type ProxyKind = 'nginx' | 'haproxy' | 'apache' | 'caddy';

export interface RunningProxy {
  kind: ProxyKind;
  /** Base URL of the proxy on loopback, e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  /** Log files the proxy writes (absent when the proxy logs elsewhere). */
  logs: { error?: string; access?: string };
  configPath: string;
  /** Set when the proxy refused to start (a configuration error is itself a lab outcome). */
  startError?: string;
  stop(): Promise<void>;
}
