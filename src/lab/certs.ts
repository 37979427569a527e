/**
 * Test certificates for TLS faults, made with the openssl command (Debian's openssl package): a lab CA and leaf
 * certificates that are valid, expired, not yet valid, for another host, or self-signed.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  cert: string;
  key: string;
}

export interface LeafOptions {
  /** Names in subjectAltName (DNS names or IPs). */
  names: string[];
  /** Validity window; default: from yesterday for a year. */
  notBefore?: Date;
  notAfter?: Date;
  /** Sign with itself instead of the CA. */
  selfSigned?: boolean;
}

function asn1Time(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 20_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0] ?? ''} failed: ${err.stderr ?? err.message}`);
  }
}

/** Create a lab CA in `dir`. */
export async function makeCa(dir: string): Promise<KeyPair> {
  await mkdir(dir, { recursive: true });
  const key = join(dir, 'ca.key');
  const cert = join(dir, 'ca.crt');
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '3650', '-subj', '/CN=why502 lab CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { cert, key };
}

let serial = 1;

/**
 * Create a leaf certificate signed by `ca` (or self-signed) with the given names and validity window.
 * @example await makeLeaf(dir, ca, 'expired', { names: ['localhost', '127.0.0.1'], notAfter: new Date(Date.now() - 86400e3) })
 */
export async function makeLeaf(dir: string, ca: KeyPair, name: string, opts: LeafOptions): Promise<KeyPair> {
  await mkdir(dir, { recursive: true });
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const san = opts.names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  const notBefore = opts.notBefore ?? new Date(Date.now() - 86_400_000);
  const notAfter = opts.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${opts.names[0] ?? 'localhost'}`], dir);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  const db = join(dir, `${name}.db`);
  await writeFile(db, '');
  await writeFile(join(dir, `${name}.serial`), `${(serial++).toString(16).padStart(4, '0')}\n`);
  const cnf = join(dir, `${name}.cnf`);
  await writeFile(
    cnf,
    [
      '[ ca ]',
      'default_ca = lab',
      '[ lab ]',
      `database = ${db}`,
      `new_certs_dir = ${dir}`,
      `serial = ${join(dir, `${name}.serial`)}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'email_in_dn = no',
      '[ any ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  const signer = opts.selfSigned ? ['-selfsign', '-keyfile', key] : ['-cert', ca.cert, '-keyfile', ca.key];
  await openssl(['ca', '-batch', '-notext', '-config', cnf, ...signer, '-in', csr, '-out', cert, '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter), '-extfile', ext], dir);
  return { cert, key };
}
