// Stopping and starting the tests' private PostgreSQL server, through the same
// shell functions that set it up (scripts/lib/prerequisites.sh).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../testbed/paths.ts';

const run = promisify(execFile);

async function prerequisite(step: string): Promise<void> {
  await run('bash', ['-c', `set -euo pipefail; source scripts/lib/prerequisites.sh; ensure_postgres >/dev/null; ${step}`], { cwd: REPO_ROOT });
}

/** Stops PostgreSQL (fast shutdown: open connections are cut), as an outage would. */
export async function stopPostgres(): Promise<void> {
  await prerequisite('stop_postgres');
}

/** Starts PostgreSQL again, or leaves it running; resolves once it accepts connections. */
export async function startPostgres(): Promise<void> {
  await prerequisite('true');
}
