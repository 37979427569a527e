/** A DNS server on loopback UDP for the lab and the probe's tests: it answers NXDOMAIN, SERVFAIL, an address, or nothing. */
import { createSocket } from 'node:dgram';

export type DnsMode = 'nxdomain' | 'servfail' | 'silent' | { a: string };

export interface RunningDns {
  /** "127.0.0.1:port" */
  address: string;
  port: number;
  stop: () => Promise<void>;
}

const RCODE = { nxdomain: 3, servfail: 2 } as const;

/** Build the answer to a query: same id and question, the mode's rcode, and an A record when asked. */
export function dnsAnswer(query: Buffer, mode: Exclude<DnsMode, 'silent'>): Buffer | null {
  if (query.length < 12) return null;
  // The question ends after its labels (terminated by 0) plus QTYPE and QCLASS.
  let p = 12;
  while (p < query.length && query[p] !== 0) p += (query[p] ?? 0) + 1;
  const qEnd = p + 5;
  if (qEnd > query.length) return null;
  const qtype = query.readUInt16BE(p + 1);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  const rd = (query[2] ?? 0) & 0x01;
  const rcode = typeof mode === 'string' ? RCODE[mode] : 0;
  const answer = typeof mode === 'object' && qtype === 1;
  header[2] = 0x84 | rd; // QR, AA, RD as asked
  header[3] = 0x80 | rcode; // RA, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answer ? 1 : 0, 6);
  const question = query.subarray(12, qEnd);
  if (!answer) return Buffer.concat([header, question]);
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
  rr.writeUInt16BE(1, 2); // A
  rr.writeUInt16BE(1, 4); // IN
  rr.writeUInt32BE(5, 6); // TTL
  rr.writeUInt16BE(4, 10);
  mode.a.split('.').forEach((o, i) => (rr[12 + i] = Number(o)));
  return Buffer.concat([header, question, rr]);
}

/**
 * Start the server on 127.0.0.1, port 0.
 * @example const dns = await startDns('nxdomain'); // resolver 127.0.0.1:dns.port
 */
export function startDns(mode: DnsMode): Promise<RunningDns> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.on('error', reject);
    sock.on('message', (msg, rinfo) => {
      if (mode === 'silent') return;
      const out = dnsAnswer(msg, mode);
      if (out) sock.send(out, rinfo.port, rinfo.address);
    });
    sock.bind(0, '127.0.0.1', () => {
      const port = sock.address().port;
      resolve({ address: `127.0.0.1:${port}`, port, stop: () => new Promise((r) => sock.close(() => r())) });
    });
  });
}
