/** A fault: a deliberately broken upstream (registered by name), the proxy settings it needs, and the traffic that shows it. */
import type { CauseId } from '../../causes/types.js';
import type { KeyPair } from '../certs.js';

/** What a fault gets to build its upstream. */
export interface FaultEnv {
  /** Scratch directory of this scenario. */
  dir: string;
  /** The lab CA (created on first use). */
  ca(): Promise<KeyPair>;
}

/** A running faulty upstream. */
export interface Upstream {
  /** "host:port" for TCP, "unix:/path" for a socket. */
  address: string;
  /** The protocol the upstream really speaks (the proxy may be told otherwise). */
  speaks: 'http' | 'https' | 'fastcgi' | 'none';
  stop(): Promise<void>;
  /** Extra files the proxy config needs (CA bundle...). */
  files?: Record<string, string>;
}

/** nginx config for a scenario: a location body (and optional http-level text). */
export interface NginxPiece {
  location: string;
  http?: string;
  workerConnections?: number;
}

/** One request of a scenario's traffic. */
export interface LabRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Pause before this request (ms), e.g. to let an idle keep-alive connection be closed. */
  delayMs?: number;
}

export interface Traffic {
  requests: LabRequest[];
  /** Send this many at once (default 1: one after another). */
  concurrency?: number;
  /** Per-request deadline (ms). */
  timeoutMs?: number;
}

export interface Fault {
  name: string;
  /** What the upstream does wrong, in plain words. */
  title: string;
  /** The cause the lab expects why502 to name. */
  cause: CauseId;
  start(env: FaultEnv): Promise<Upstream>;
  /** How nginx is pointed at it; a string says why nginx cannot produce this fault. */
  nginx(u: Upstream): NginxPiece | string;
  traffic?: Traffic;
}
