// Two servers, each with its own Hearth, form a neighborhood over ordinary
// federation: afterwards each one's neighborhood square admits the other's
// members, and still no one else. Runs after the shared suite: it changes
// camp's neighborhood ACL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptInvite, adminCommand, botByHand, managedRoom } from '../support/hearth.ts';
import { Member, refusal, waitFor } from '../support/member.ts';

async function squareAllows(serverName: string): Promise<string[]> {
  const acl = await botByHand(serverName).state(await managedRoom(serverName, 'neighborhood_square'), 'm.room.server_acl');
  return acl.allow as string[];
}

describe('a neighborhood formed by mutual approval', () => {
  it('camp and hood form a neighborhood; each one\'s members can read the other\'s square, far.test neither', async () => {
    assert.match(await adminCommand('camp.test', '!neighborhood create'), /^Started a neighborhood/);
    assert.match(await adminCommand('camp.test', '!neighborhood propose hood.test'), /^Proposed hood\.test for the neighborhood and invited its Hearth/);
    await waitFor('hood\'s Hearth to see the invitation', async () => /Invitation from the neighborhood of camp\.test/.test(await adminCommand('hood.test', '!neighborhood status')), 60_000);
    assert.match(await adminCommand('hood.test', '!neighborhood accept'), /This community is now in the neighborhood with camp\.test/);

    await waitFor('camp\'s square to allow hood', async () => (await squareAllows('camp.test')).includes('hood.test'), 60_000);
    await waitFor('hood\'s square to allow camp', async () => (await squareAllows('hood.test')).includes('camp.test'), 60_000);
    assert.deepEqual([...await squareAllows('camp.test')].sort(), ['camp.test', 'hood.test']);
    assert.deepEqual([...await squareAllows('hood.test')].sort(), ['camp.test', 'hood.test']);

    const camper = await Member.register('camp.test', 'camper');
    const campSquare = await managedRoom('camp.test', 'neighborhood_square');
    await acceptInvite(camper, campSquare);
    await camper.send(campSquare, 'welcome, neighbors');
    const neighbor = await Member.register('hood.test', 'neighbor');
    await waitFor('hood to join camp\'s square', () => neighbor.join(campSquare, ['camp.test']), 60_000);
    await neighbor.waitForMessage(campSquare, camper.userId, (body) => body === 'welcome, neighbors');
    const hoodSquare = await managedRoom('hood.test', 'neighborhood_square');
    await waitFor('camp to join hood\'s square', () => camper.join(hoodSquare, ['hood.test']), 60_000);

    const stranger = await Member.register('far.test', 'stranger');
    await refusal(stranger.join(campSquare, ['camp.test']));
    await refusal(stranger.join(hoodSquare, ['hood.test']));
  });
});
