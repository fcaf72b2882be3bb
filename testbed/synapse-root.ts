// Makes sure the chroot with Synapse exists, building it on first use. The
// build is a shell script so it can also be run by hand or from CI setup.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SYNAPSE_ROOT_MARKER, TESTBED_SOURCE_DIR } from './paths.ts';

export function ensureSynapseRoot(root: string): void {
  if (existsSync(join(root, SYNAPSE_ROOT_MARKER))) return;
  process.stderr.write(`testbed: building the Synapse root filesystem in ${root} (about a minute, once)\n`);
  // Progress goes to stderr so that `up --json` keeps stdout for the JSON.
  const result = spawnSync('bash', [join(TESTBED_SOURCE_DIR, 'ensure-synapse-root.sh'), root], {
    stdio: ['ignore', 2, 2],
  });
  if (result.error !== undefined) throw new Error(`could not run ensure-synapse-root.sh: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`building the Synapse root filesystem failed (exit ${result.status ?? result.signal ?? '?'}); the reason is printed above`);
  }
}
