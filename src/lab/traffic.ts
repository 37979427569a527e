/** Sends a scenario's requests to the proxy, each on a fresh connection unless told otherwise, with a deadline. */
import { request, Agent } from 'node:http';
import type { LabRequest, Traffic } from './faults/types.js';

export interface RequestResult {
  method: string;
  path: string;
  status: number | null;
  error?: string;
  ms: number;
}

function one(base: string, r: LabRequest, timeoutMs: number, agent: Agent | false): Promise<RequestResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = request(`${base}${r.path}`, { method: r.method, agent, timeout: timeoutMs, headers: r.body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(r.body) } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ method: r.method, path: r.path, status: res.statusCode ?? null, ms: Date.now() - started }));
      res.on('error', (e) => resolve({ method: r.method, path: r.path, status: res.statusCode ?? null, error: e.message, ms: Date.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ method: r.method, path: r.path, status: null, error: e.message, ms: Date.now() - started }));
    req.end(r.body);
  });
}

/**
 * Send the traffic: sequentially (honouring delays) or `concurrency` at a time.
 * @example await sendTraffic('http://127.0.0.1:8080', { requests: [{ method: 'GET', path: '/' }] })
 */
export async function sendTraffic(base: string, traffic: Traffic, keepAlive = false): Promise<RequestResult[]> {
  const timeoutMs = traffic.timeoutMs ?? 5000;
  const agent = keepAlive ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
  const out: RequestResult[] = [];
  try {
    const conc = traffic.concurrency ?? 1;
    if (conc <= 1) {
      for (const r of traffic.requests) {
        if (r.delayMs) await new Promise((res) => setTimeout(res, r.delayMs));
        out.push(await one(base, r, timeoutMs, agent));
      }
    } else {
      for (let i = 0; i < traffic.requests.length; i += conc) {
        out.push(...(await Promise.all(traffic.requests.slice(i, i + conc).map((r) => one(base, r, timeoutMs, agent)))));
      }
    }
  } finally {
    if (agent) agent.destroy();
  }
  return out;
}
