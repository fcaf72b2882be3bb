// The testbed's homeservers really federate: the ground every later feature stands on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Member, waitFor } from '../support/member.ts';

describe('federation between testbed servers', () => {
  it('a hood.test user joins a room created on camp.test and both see each other\'s posts', async () => {
    const camper = await Member.register('camp.test', 'camper');
    const neighbor = await Member.register('hood.test', 'neighbor');
    const room = await camper.createRoom({ preset: 'public_chat', name: 'Porch' });
    await camper.send(room, 'hello from camp');
    await waitFor('the join over federation', () => neighbor.join(room, ['camp.test']));
    await neighbor.waitForMessage(room, camper.userId, (body) => body === 'hello from camp');
    await neighbor.send(room, 'hello from hood');
    const seen = await camper.waitForMessage(room, neighbor.userId, (body) => body === 'hello from hood');
    assert.equal(seen.sender.endsWith(':hood.test'), true);
  });
});
