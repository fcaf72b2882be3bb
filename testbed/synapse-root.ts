// Makes sure the chroot with Synapse exists and is current, building it on
// first use. The build is a shell script so it can also be run by hand or from
// CI setup; the script holds the root's version, and its marker file records
// the version a root was built or brought to.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SYNAPSE_ROOT_MARKER, TESTBED_SOURCE_DIR } from './paths.ts';

const BUILD_SCRIPT = join(TESTBED_SOURCE_DIR, 'ensure-synapse-root.sh');

/** The version the build script makes (its ROOT_VERSION line). */
export function wantedRootVersion(): string {
  const match = /^ROOT_VERSION=(\S+)$/m.exec(readFileSync(BUILD_SCRIPT, 'utf8'));
  if (!match?.[1]) throw new Error(`${BUILD_SCRIPT} has no ROOT_VERSION line`);
  return match[1];
}

function rootVersion(root: string): string | null {
  const marker = join(root, SYNAPSE_ROOT_MARKER);
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim() : null;
}

export function ensureSynapseRoot(root: string): void {
  const found = rootVersion(root);
  if (found === wantedRootVersion()) return;
  process.stderr.write(found === null
    ? `testbed: building the Synapse root filesystem in ${root} (about a minute, once)\n`
    : `testbed: adding the packages the testbed now needs to ${root}\n`);
  // Progress goes to stderr so that `up --json` keeps stdout for the JSON.
  const result = spawnSync('bash', [BUILD_SCRIPT, root], { stdio: ['ignore', 2, 2] });
  if (result.error !== undefined) throw new Error(`could not run ensure-synapse-root.sh: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`building the Synapse root filesystem failed (exit ${result.status ?? result.signal ?? '?'}); the reason is printed above`);
  }
}
