// Between scenarios: every Synapse answering, PostgreSQL up, every Hearth
// running, whatever the scenario before left stopped, frozen or killed.
import { killHearth, startHearth, startSynapse } from '../../testbed/testbed.ts';
import { isRunning } from '../../testbed/processes.ts';
import { synapseProcessMarker } from '../../testbed/synapse.ts';
import { testbed } from '../support/member.ts';
import { isAlive } from '../support/process-watch.ts';
import { startPostgres } from '../support/postgres-control.ts';

export async function restoreTestbed(): Promise<void> {
  await startPostgres();
  for (const server of testbed().servers) {
    if (isRunning(server.synapse_pid, synapseProcessMarker(server.name))) {
      // A scenario may have frozen it (SIGSTOP); thawing a running one changes nothing.
      process.kill(server.synapse_pid, 'SIGCONT');
    } else {
      await startSynapse(server.short);
    }
  }
  for (const server of testbed().servers) {
    if (server.hearth === null) continue;
    if (server.hearth.pid !== null && isAlive(server.hearth.pid)) continue;
    if (server.hearth.pid !== null) await killHearth(server.short);
    await startHearth(server.short);
  }
}
