// Driving the testbed's neighborhood through the admins' own commands, as
// admins would: who is in it (read from each Hearth's derived neighbor list),
// and bringing a server in, out by its own choice, or out by vote.
import { adminCommand, hearthSql } from './hearth.ts';
import { waitFor } from './member.ts';

const COUNCIL_MS = 180_000;

/** The servers a Hearth's neighborhood rooms currently allow besides itself, as it derived them. */
export async function neighborsOf(serverName: string): Promise<string[]> {
  const rows = await hearthSql<{ server_name: string }>(serverName, 'select server_name from neighborhood_servers order by server_name');
  return rows.map((r) => r.server_name).filter((s) => s !== serverName);
}

/** The members a server's admin is told of, or null when it is in no neighborhood. */
export async function membersSeenBy(serverName: string): Promise<string[] | null> {
  const status = await adminCommand(serverName, '!neighborhood status');
  if (!status.startsWith('This community is in a neighborhood.')) return null;
  const line = /^Members: (.*)\.$/m.exec(status);
  return line?.[1] === undefined ? [] : line[1].split(', ');
}

async function waitForNeighbors(serverName: string, expected: readonly string[]): Promise<void> {
  const want = [...expected].sort().join(',');
  await waitFor(`${serverName} to allow exactly ${want || 'nobody else'}`, async () => (await neighborsOf(serverName)).join(',') === want, COUNCIL_MS);
}

/** Whether a server's Hearth has seen an invitation from a neighborhood. */
async function invited(serverName: string): Promise<boolean> {
  return /Invitation from the neighborhood of/.test(await adminCommand(serverName, '!neighborhood status'));
}

/**
 * Brings the testbed to a neighborhood of exactly `founder` and `neighbor`
 * (others that are in it leave), starting from no neighborhood or from one
 * that holds both. Returns the members it found, to put back afterwards.
 */
export async function ensurePair(founder: string, neighbor: string): Promise<string[]> {
  const found = await membersSeenBy(founder);
  if (found === null) {
    const created = await adminCommand(founder, '!neighborhood create');
    if (!/^Started a neighborhood/.test(created)) throw new Error(`!neighborhood create on ${founder}: ${created}`);
    await admit(founder, neighbor, []);
  } else if (!found.includes(neighbor)) {
    throw new Error(`${founder}'s neighborhood (${found.join(', ')}) does not hold ${neighbor}; this suite needs the two together`);
  }
  for (const other of (found ?? []).filter((s) => s !== founder && s !== neighbor)) await leave(other, [founder, neighbor]);
  await waitForNeighbors(founder, [neighbor]);
  await waitForNeighbors(neighbor, [founder]);
  return found ?? [];
}

/**
 * `proposer` proposes `candidate`, every other member in `approvers`
 * approves, and the candidate accepts. Throws with the proposer's answer if
 * the proposal is refused.
 */
export async function admit(proposer: string, candidate: string, approvers: readonly string[]): Promise<void> {
  const proposed = await adminCommand(proposer, `!neighborhood propose ${candidate}`);
  if (!/^Proposed/.test(proposed)) throw new Error(`!neighborhood propose ${candidate} on ${proposer}: ${proposed}`);
  for (const approver of approvers) {
    await waitFor(`${approver} to see ${candidate} proposed`, async () => new RegExp(`${candidate.replace('.', '\\.')}: approved by`).test(await adminCommand(approver, '!neighborhood status')), COUNCIL_MS);
    const approved = await adminCommand(approver, `!neighborhood approve ${candidate}`);
    if (!approved.includes(candidate)) throw new Error(`!neighborhood approve ${candidate} on ${approver}: ${approved}`);
  }
  await waitFor(`${candidate}'s Hearth to see the invitation`, () => invited(candidate), COUNCIL_MS);
  const accepted = await adminCommand(candidate, `!neighborhood accept ${proposer}`);
  if (!/now in the neighborhood/.test(accepted)) throw new Error(`!neighborhood accept on ${candidate}: ${accepted}`);
  for (const member of [proposer, ...approvers]) {
    await waitFor(`${member} to allow ${candidate}`, async () => (await neighborsOf(member)).includes(candidate), COUNCIL_MS);
  }
}

/** `leaver` leaves; waits for each server in `watchers` whose Hearth runs to stop allowing it. */
export async function leave(leaver: string, watchers: readonly string[]): Promise<void> {
  const answer = await adminCommand(leaver, '!neighborhood leave');
  if (!/has left the neighborhood/.test(answer)) throw new Error(`!neighborhood leave on ${leaver}: ${answer}`);
  for (const watcher of watchers) {
    await waitFor(`${watcher} to stop allowing ${leaver}`, async () => !(await neighborsOf(watcher)).includes(leaver), COUNCIL_MS);
  }
}

/** Each of `voters` votes to remove `member`. */
export async function voteOut(member: string, voters: readonly string[]): Promise<void> {
  for (const voter of voters) {
    const answer = await adminCommand(voter, `!neighborhood remove ${member}`);
    if (!answer.includes(member)) throw new Error(`!neighborhood remove ${member} on ${voter}: ${answer}`);
  }
}
