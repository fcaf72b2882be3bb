// One Synapse homeserver of the testbed: its files, its process, its readiness.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answers, pollUntil } from './http.ts';
import { logTail } from './logs.ts';
import { synapseDirInChroot, synapseDirOnHost } from './paths.ts';
import { clientUrl, type ServerPlan } from './plan.ts';
import { isRunning, spawnDetached } from './processes.ts';
import { newSigningKeyLine } from './signing-key.ts';
import { synapseConfigYaml } from './synapse-config.ts';
import { generateSelfSignedCertificate } from './tls.ts';

const READY_TIMEOUT_MS = 120_000;

/** Recognises this server's Synapse in a process list, and nothing else. */
export function synapseProcessMarker(serverName: string): string {
  return `${synapseDirInChroot(serverName)}/homeserver.yaml`;
}

/** Empties the server's folder inside the chroot; a fresh `up` starts from no data. */
export function resetSynapseDir(serverName: string): void {
  const dir = synapseDirOnHost(serverName);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'media'), { recursive: true });
}

/** Writes keys, certificate and homeserver.yaml; returns the shared registration secret. */
export async function writeSynapseFiles(root: string, server: ServerPlan, appserviceRegistrations: readonly string[]): Promise<string> {
  const hostDir = synapseDirOnHost(server.name);
  const chrootDir = synapseDirInChroot(server.name);
  const secrets = {
    registrationSharedSecret: randomHex(),
    macaroonSecretKey: randomHex(),
    formSecret: randomHex(),
  };
  writeFileSync(join(hostDir, 'signing.key'), newSigningKeyLine(), { mode: 0o600 });
  await generateSelfSignedCertificate(root, server.name, {
    certificate: `${chrootDir}/tls.crt`,
    privateKey: `${chrootDir}/tls.key`,
  });
  const yaml = synapseConfigYaml(server, { dir: chrootDir, appserviceRegistrations }, secrets);
  writeFileSync(join(hostDir, 'homeserver.yaml'), yaml, { mode: 0o600 });
  return secrets.registrationSharedSecret;
}

function randomHex(): string {
  return randomBytes(32).toString('hex');
}

export function startSynapse(root: string, serverName: string, logPath: string): number {
  return spawnDetached({
    command: 'chroot',
    args: [root, 'python3', '-m', 'synapse.app.homeserver', '-c', synapseProcessMarker(serverName)],
    logPath,
    // A clean environment: nothing from the host (a PYTHONPATH, a proxy) should
    // change how the chrooted Python behaves.
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: synapseDirInChroot(serverName) },
  });
}

/** Resolves once the client API answers; fails with the log tail if the process dies or the bound passes. */
export async function waitForSynapse(server: ServerPlan, pid: number, logPath: string): Promise<void> {
  const versionsUrl = `${clientUrl(server)}/_matrix/client/versions`;
  const outcome = await pollUntil(async () => {
    if (await answers(versionsUrl)) return 'ready';
    if (!isRunning(pid, synapseProcessMarker(server.name))) return 'exited';
    return undefined;
  }, READY_TIMEOUT_MS);
  if (outcome === 'ready') return;
  const reason = outcome === 'exited' ? 'exited during startup' : `did not answer ${versionsUrl} within ${READY_TIMEOUT_MS / 1000} s`;
  throw new Error(`Synapse for ${server.name} ${reason}\n${logTail(logPath)}`);
}
