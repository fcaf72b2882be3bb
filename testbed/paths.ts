// Where the testbed keeps things. Everything heavy lives in a cache folder
// outside the repository so that a fresh clone or `git clean` does not throw
// away the one-minute Synapse root filesystem build.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const TESTBED_SOURCE_DIR = join(REPO_ROOT, 'testbed');

export function cacheDir(): string {
  return resolve(process.env.HEARTH_CACHE ?? join(homedir(), '.cache', 'hearth'));
}

/** The Debian root filesystem Synapse runs in (through chroot). */
export function synapseRoot(): string {
  return join(cacheDir(), 'synapse-root');
}

export const SYNAPSE_ROOT_MARKER = '.hearth-ready';

/** Logs, Hearth configs and the state file: everything that is not Synapse's own. */
export function stateDir(): string {
  return resolve(process.env.HEARTH_TESTBED_DIR ?? join(cacheDir(), 'testbed'));
}

export function stateFile(): string {
  return join(stateDir(), 'state.json');
}

export function serverStateDir(serverName: string): string {
  return join(stateDir(), serverName);
}

/**
 * Synapse's folder as Synapse sees it. Synapse runs chrooted, so its config,
 * database, keys and the Hearth registration must live inside the root
 * filesystem.
 */
export function synapseDirInChroot(serverName: string): string {
  return `/srv/testbed/${serverName}`;
}

/** The same folder as the host sees it. */
export function synapseDirOnHost(serverName: string): string {
  return join(synapseRoot(), 'srv', 'testbed', serverName);
}
