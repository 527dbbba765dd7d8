/**
 * A throwaway certificate authority and a server certificate for
 * `localhost` and `127.0.0.1`, made with the `openssl` command so nothing is
 * downloaded. `@azure/identity` and MSAL refuse non-https authorities
 * (contract §6), so the local token service needs TLS that a client can be
 * told to trust.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM texts, and the CA's file for `NODE_EXTRA_CA_CERTS`. */
export interface TestCertificate {
  /** The CA certificate to trust. */
  caPem: string;
  /** Path of a file holding {@link caPem}; valid until `dispose()`. */
  caPath: string;
  /** The server certificate, signed by the CA. */
  certPem: string;
  /** The server certificate's private key. */
  keyPem: string;
  /** Deletes the files. */
  dispose(): Promise<void>;
}

/**
 * Generates a CA valid for one day and a server certificate it signs, with
 * `subjectAltName` `DNS:localhost, IP:127.0.0.1`, in a fresh temporary
 * directory. Uses P-256 keys: fast to generate.
 * @throws Error when `openssl` is missing or fails, with its stderr.
 */
export async function createTestCertificate(): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudpc-sts-'));
  const path = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  try {
    // prettier-ignore
    await openssl([
      'req', '-x509', ...ec, '-nodes', '-days', '1',
      '-subj', '/CN=cloudpc-graphql test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', path('ca.key'), '-out', path('ca.pem'),
    ]);
    // prettier-ignore
    await openssl([
      'req', ...ec, '-nodes', '-subj', '/CN=localhost',
      '-keyout', path('server.key'), '-out', path('server.csr'),
    ]);
    await writeFile(
      path('server.ext'),
      [
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
      ].join('\n'),
    );
    // prettier-ignore
    await openssl([
      'x509', '-req', '-in', path('server.csr'), '-days', '1',
      '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-CAcreateserial',
      '-extfile', path('server.ext'), '-out', path('server.pem'),
    ]);
    const [caPem, certPem, keyPem] = await Promise.all(
      ['ca.pem', 'server.pem', 'server.key'].map((name) =>
        readFile(path(name), 'utf8'),
      ),
    );
    return {
      caPem: caPem as string,
      caPath: path('ca.pem'),
      certPem: certPem as string,
      keyPem: keyPem as string,
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(
      `openssl ${args[0]} failed: ${stderr.trim() || String(error)}`,
      { cause: error },
    );
  }
}
