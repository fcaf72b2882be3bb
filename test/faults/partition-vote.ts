// partition-vote: camp and hood are a neighborhood; hood's Synapse is stopped,
// camp proposes glen and glen accepts, then hood's Synapse starts again and
// hood's admin approves. Every Hearth converges on the same three members;
// reports the time from hood's return. Puts the neighborhood back as it found it.
import { setTimeout as sleep } from 'node:timers/promises';
import { startSynapse, stopSynapse } from '../../testbed/testbed.ts';
import { adminCommand } from '../support/hearth.ts';
import { waitFor } from '../support/member.ts';
import { ensurePair, leave, neighborsOf } from '../support/neighborhood.ts';
import { seconds, type Findings } from './findings.ts';

const CAMP = 'camp.test';
const HOOD = 'hood.test';
const GLEN = 'glen.test';
const COUNCIL_MS = 180_000;
const PARTITION_MS = 10_000;

async function expectAnswer(server: string, command: string, pattern: RegExp): Promise<void> {
  const answer = await adminCommand(server, command, COUNCIL_MS);
  if (!pattern.test(answer)) throw new Error(`${command} on ${server}: ${answer}`);
}

async function converged(): Promise<boolean> {
  const views = await Promise.all([CAMP, HOOD, GLEN].map(async (s) => [s, ...await neighborsOf(s)].sort().join(',')));
  return views.every((view) => view === [CAMP, GLEN, HOOD].join(','));
}

export async function partitionVote(findings: Findings): Promise<void> {
  const before = await ensurePair(CAMP, HOOD);
  await stopSynapse(HOOD);
  try {
    await expectAnswer(CAMP, `!neighborhood propose ${GLEN}`, /^Proposed glen\.test/);
    await waitFor('glen to see the invitation', async () => /Invitation from the neighborhood of/.test(await adminCommand(GLEN, '!neighborhood status')), COUNCIL_MS);
    await expectAnswer(GLEN, `!neighborhood accept ${CAMP}`, /waiting for approval from hood\.test|now in the neighborhood/);
    await sleep(PARTITION_MS);
  } finally {
    await startSynapse(HOOD);
  }
  const back = Date.now();
  await waitFor('hood to see glen proposed', async () => /glen\.test: approved by/.test(await adminCommand(HOOD, '!neighborhood status')), COUNCIL_MS);
  await expectAnswer(HOOD, `!neighborhood approve ${GLEN}`, /glen\.test/);
  await waitFor('every Hearth to agree on camp, hood and glen', converged, COUNCIL_MS);
  findings.figure('partition_s', seconds(PARTITION_MS));
  findings.figure('converged_after_return_s', seconds(Date.now() - back));
  if (!before.includes(GLEN)) await leave(GLEN, [CAMP, HOOD]);
}
