// Federation between homeservers is always HTTPS, so each server needs a
// certificate. Nothing checks it (federation_verify_certificates is off), but
// it carries the server name so that logs and `openssl s_client` show which
// server answered. The chroot's openssl is used so the host needs none.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type CertificatePaths = { certificate: string; privateKey: string };

/** Paths are as seen inside the chroot. */
export async function generateSelfSignedCertificate(root: string, serverName: string, paths: CertificatePaths): Promise<void> {
  await run('chroot', [
    root,
    'openssl', 'req', '-x509',
    // An EC key is generated in milliseconds; RSA would add a noticeable pause per server.
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-days', '3650',
    '-subj', `/CN=${serverName}`,
    '-addext', `subjectAltName=DNS:${serverName}`,
    '-keyout', paths.privateKey,
    '-out', paths.certificate,
  ]);
}
