/** Proxy launchers by kind. */
import { launchApache, apacheBinary } from './apache.js';
import { caddyBinary, launchCaddy } from './caddy.js';
import { haproxyBinary, launchHaproxy } from './haproxy.js';
import { launchNginx, nginxBinary } from './nginx.js';
import type { LaunchSpec, ProxyKind, RunningProxy } from './types.js';

export const launchers: Record<ProxyKind, { launch(spec: LaunchSpec): Promise<RunningProxy>; binary(): string | null; package: string }> = {
  nginx: { launch: launchNginx, binary: nginxBinary, package: 'nginx' },
  haproxy: { launch: launchHaproxy, binary: haproxyBinary, package: 'haproxy' },
  apache: { launch: launchApache, binary: apacheBinary, package: 'apache2' },
  caddy: { launch: launchCaddy, binary: caddyBinary, package: 'caddy' },
};

export { PROXY_KINDS, NotApplicable, type ProxyKind, type RunningProxy } from './types.js';
