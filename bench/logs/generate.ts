/**
 * Generates a realistic nginx access log (combined format) and its error log: a busy shop behind nginx whose
 * failures come in bursts (an upstream that refuses during restarts, a slow checkout, an account page that
 * sends oversized cookies), and the error-log lines nginx writes for them (texts from nginx 1.22.1).
 * Profiles: "typical" (~0.2% of requests fail: a one-minute restart burst every 4 hours, rare slow checkouts and
 * oversized cookies) and "heavy" (~1%: a burst every 40 minutes, five times the slow checkouts and cookies).
 */
import { createWriteStream, type WriteStream } from 'node:fs';

const PATHS = ['/', '/products/1042', '/products/77?ref=home', '/cart', '/static/app.3f9a.js', '/static/site.css', '/img/logo.png', '/api/v1/stock?sku=A-1042', '/search?q=blue+shoes', '/checkout', '/account/orders', '/favicon.ico'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/7.88.1',
];
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');
const clf = (ms: number): string => {
  const d = new Date(ms);
  return `${p2(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
};
const errTime = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
};

async function write(out: WriteStream, s: string): Promise<void> {
  if (!out.write(s)) await new Promise<void>((r) => out.once('drain', () => r()));
}

/** Write `bytes` of access log to accessPath and the matching error log to errorPath. */
export async function generate(accessPath: string, errorPath: string, bytes: number, profile: 'typical' | 'heavy' = 'typical'): Promise<{ lines: number; failed: number }> {
  const burstEvery = profile === 'heavy' ? 40 : 240;
  const slowRate = profile === 'heavy' ? 0.01 : 0.002;
  const cookieRate = profile === 'heavy' ? 0.02 : 0.004;
  const acc = createWriteStream(accessPath);
  const err = createWriteStream(errorPath);
  let t = Date.UTC(2026, 10, 30, 0, 0, 0);
  let n = 0;
  let written = 0;
  let failed = 0;
  let conn = 1000;
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  let accBuf: string[] = [];
  let errBuf: string[] = [];
  while (written < bytes) {
    n++;
    conn++;
    t += Math.floor(rnd() * 14);
    const ip = `${(n * 7) % 223 + 1}.${(n * 13) % 256}.${(n * 29) % 256}.${(n * 31) % 254 + 1}`;
    const path = PATHS[Math.floor(rnd() * PATHS.length)] ?? '/';
    const ua = AGENTS[Math.floor(rnd() * AGENTS.length)] ?? '-';
    // Failure bursts: one minute in every ~40 the app refuses (restart), a few slow reports, oversized login cookies.
    const minute = Math.floor(t / 60_000);
    const burst = minute % burstEvery === 7;
    let status = rnd() < 0.08 ? 304 : rnd() < 0.02 ? 404 : 200;
    let msg: string | null = null;
    if (burst && rnd() < (profile === 'heavy' ? 0.3 : 0.2)) {
      status = 502;
      msg = 'connect() failed (111: Connection refused) while connecting to upstream';
    } else if (path === '/checkout' && rnd() < slowRate) {
      status = 504;
      msg = 'upstream timed out (110: Connection timed out) while reading response header from upstream';
    } else if (path === '/account/orders' && rnd() < cookieRate) {
      status = 502;
      msg = 'upstream sent too big header while reading response header from upstream';
    }
    const size = status === 200 ? 800 + Math.floor(rnd() * 40000) : status === 304 ? 0 : 157;
    const line = `${ip} - - [${clf(t)}] "GET ${path} HTTP/1.1" ${status} ${size} "https://shop.example/" "${ua}"\n`;
    accBuf.push(line);
    written += line.length;
    if (msg) {
      failed++;
      errBuf.push(`${errTime(t)} [error] 2817#2817: *${conn} ${msg}, client: ${ip}, server: shop.example, request: "GET ${path} HTTP/1.1", upstream: "http://127.0.0.1:8080${path}", host: "shop.example", referrer: "https://shop.example/"\n`);
    }
    if (accBuf.length >= 20_000) {
      await write(acc, accBuf.join(''));
      accBuf = [];
      if (errBuf.length > 0) await write(err, errBuf.join(''));
      errBuf = [];
    }
  }
  await write(acc, accBuf.join(''));
  await write(err, errBuf.join(''));
  await Promise.all([new Promise((r) => acc.end(r)), new Promise((r) => err.end(r))]);
  return { lines: n, failed };
}

/**
 * The same shop's traffic as one proxy's own request log: HAProxy's HTTP log (`option httplog`) or Envoy's JSON
 * access log, where each failed request's line carries its reason (termination state / response flags).
 */
export async function generateProxyLog(path: string, bytes: number, kind: 'haproxy' | 'envoy-json'): Promise<{ lines: number; failed: number }> {
  const out = createWriteStream(path);
  let t = Date.UTC(2026, 10, 30, 0, 0, 0);
  let n = 0;
  let written = 0;
  let failed = 0;
  let seed = 4242;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  let buf: string[] = [];
  const hms = (ms: number): string => {
    const d = new Date(ms);
    return `${p2(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
  };
  while (written < bytes) {
    n++;
    t += Math.floor(rnd() * 14);
    const ip = `${(n * 7) % 223 + 1}.${(n * 13) % 256}.${(n * 29) % 256}.${(n * 31) % 254 + 1}`;
    const path = PATHS[Math.floor(rnd() * PATHS.length)] ?? '/';
    const minute = Math.floor(t / 60_000);
    const burst = minute % 240 === 7;
    let status = rnd() < 0.08 ? 304 : rnd() < 0.02 ? 404 : 200;
    let reason: 'refused' | 'timeout' | 'invalid' | null = null;
    if (burst && rnd() < 0.2) reason = 'refused';
    else if (path === '/checkout' && rnd() < 0.002) reason = 'timeout';
    else if (path === '/account/orders' && rnd() < 0.004) reason = 'invalid';
    let line: string;
    if (kind === 'haproxy') {
      const [st, state, timers] = reason === 'refused' ? [503, 'SC--', '0/0/-1/-1/1001'] : reason === 'timeout' ? [504, 'sH--', '0/0/0/-1/30001'] : reason === 'invalid' ? [502, 'PH--', '0/0/0/-1/3'] : [status, '----', `0/0/0/${Math.floor(rnd() * 80)}/${Math.floor(rnd() * 90)}`];
      status = st;
      const size = status === 200 ? 800 + Math.floor(rnd() * 40000) : status === 304 ? 0 : 209;
      line = `${ip}:${40000 + (n % 20000)} [${hms(t)}] www~ shop/app${n % 3} ${timers} ${status} ${size} - - ${state} 412/411/7/2/0 0/0 "GET ${path} HTTP/1.1"\n`;
    } else {
      const [st, flags, details] = reason === 'refused' ? [503, 'UF,URX', 'upstream_reset_before_response_started{connection_failure}'] : reason === 'timeout' ? [504, 'UT', 'response_timeout'] : reason === 'invalid' ? [502, 'UPE', 'upstream_reset_before_response_started{protocol_error}'] : [status, '-', 'via_upstream'];
      status = st;
      const size = status === 200 ? 800 + Math.floor(rnd() * 40000) : status === 304 ? 0 : 91;
      line = `${JSON.stringify({
        start_time: new Date(t).toISOString(),
        method: 'GET',
        path,
        protocol: 'HTTP/1.1',
        response_code: status,
        response_flags: flags,
        response_code_details: details,
        bytes_received: 0,
        bytes_sent: size,
        duration: Math.floor(rnd() * 90),
        upstream_host: reason === 'refused' ? '10.0.3.7:8080' : `10.0.3.${5 + (n % 3)}:8080`,
        upstream_cluster: 'outbound|8080||shop.default.svc.cluster.local',
        downstream_remote_address: `${ip}:${40000 + (n % 20000)}`,
        x_forwarded_for: '-',
        user_agent: AGENTS[n % AGENTS.length],
        request_id: `9c5e${n.toString(16).padStart(8, '0')}-aa4e-9d4b-bb7b-6f0e1cdd${(n % 65536).toString(16).padStart(4, '0')}`,
        authority: 'shop.example',
      })}\n`;
    }
    if (reason) failed++;
    buf.push(line);
    written += line.length;
    if (buf.length >= 20_000) {
      await write(out, buf.join(''));
      buf = [];
    }
  }
  await write(out, buf.join(''));
  await new Promise((r) => out.end(r));
  return { lines: n, failed };
}
