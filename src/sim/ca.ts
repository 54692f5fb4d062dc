import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabopsError } from '../errors.js';
import { msg } from '../i18n/text.js';

const run = promisify(execFile);

/** The simulator's CA and the one server certificate both of its listeners present. */
export interface SimCertificates {
  caPem: string;
  caFile: string;
  keyPem: string;
  certPem: string;
}

/**
 * Makes a throwaway CA and a server certificate for 127.0.0.1, localhost and `host` (another
 * loopback address the simulator listens on, so labs of one bot each have an address of their
 * own, issue 13) with the `openssl` command (Node alone cannot sign certificates). ECDSA P-256
 * keeps this fast.
 */
export async function createCertificates(dir: string, host = '127.0.0.1'): Promise<SimCertificates> {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  const serverKey = join(dir, 'server.key');
  const serverCsr = join(dir, 'server.csr');
  const serverCert = join(dir, 'server.pem');
  const extFile = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      caKey,
      '-out',
      caFile,
      '-days',
      '7',
      '-subj',
      '/O=labops simulated lab/CN=labops-sim-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await run('openssl', [
      'req',
      '-new',
      ...ec,
      '-keyout',
      serverKey,
      '-out',
      serverCsr,
      '-subj',
      '/CN=localhost',
    ]);
    await writeFile(
      extFile,
      `subjectAltName=IP:127.0.0.1,DNS:localhost${host === '127.0.0.1' ? '' : `,IP:${host}`}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      serverCsr,
      '-CA',
      caFile,
      '-CAkey',
      caKey,
      '-days',
      '7',
      '-set_serial',
      `0x${Date.now().toString(16)}`,
      '-extfile',
      extFile,
      '-out',
      serverCert,
    ]);
  } catch (error) {
    throw new LabopsError('INTERNAL', msg('shell.simulator.noOpenssl'), {
      hint: msg('shell.simulator.noOpensslHint'),
      cause: error,
    });
  }
  const [caPem, keyPem, certPem] = await Promise.all([
    readFile(caFile, 'utf8'),
    readFile(serverKey, 'utf8'),
    readFile(serverCert, 'utf8'),
  ]);
  return { caPem, caFile, keyPem, certPem };
}
