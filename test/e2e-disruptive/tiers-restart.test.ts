// Restarting Hearth, even in the middle of setting the community up, never
// creates a second space or default room. These tests stop and start camp's
// Hearth, so they run after the shared suite, one at a time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startHearth, stopHearth } from '../../testbed/testbed.ts';
import { botByHand, managedRoom, reconcileEverything, withHearthDb } from '../support/hearth.ts';

const DEFAULT_ROLES = ['space', 'admin', 'local_timeline', 'neighborhood_square', 'public_square'];

/** The rooms camp's bot created, by creation key (it is also in its neighbors' rooms, which carry the same keys). */
async function roomsByCreationKey(): Promise<Map<string, string[]>> {
  const bot = botByHand('camp.test');
  const { joined_rooms: joined } = await bot.request<{ joined_rooms: string[] }>('GET', '/joined_rooms');
  const byKey = new Map<string, string[]>();
  for (const roomId of joined) {
    const state = await bot.request<{ type: string; sender: string; content: Record<string, unknown> }[]>('GET', `/rooms/${encodeURIComponent(roomId)}/state`);
    const create = state.find((event) => event.type === 'm.room.create');
    const key = create?.content['org.hearth.creation_key'];
    if (typeof key === 'string' && create?.sender === bot.userId) byKey.set(key, [...(byKey.get(key) ?? []), roomId]);
  }
  return byKey;
}

describe('restarting Hearth', () => {
  it('twice in a row leaves exactly one space and one of each default room, all as their tiers say', async () => {
    const before = await roomsByCreationKey();
    await stopHearth('camp.test');
    await startHearth('camp.test');
    await stopHearth('camp.test');
    await startHearth('camp.test');
    const after = await roomsByCreationKey();
    for (const role of DEFAULT_ROLES) assert.deepEqual(after.get(role), before.get(role), role);
    assert.match(await reconcileEverything('camp.test'), /^Checked \d+ rooms: every room is as its tier says\.$/);
  });

  it('after stopping between creating a room and recording it, finds that room instead of making another', async () => {
    const square = await managedRoom('camp.test', 'public_square');
    await stopHearth('camp.test');
    // What a stop right after createRoom leaves behind: the intent, without the room's ID.
    await withHearthDb('camp.test', (db) => db('managed_rooms').where({ creation_key: 'public_square' }).update({ room_id: null }));
    await startHearth('camp.test');
    assert.equal(await managedRoom('camp.test', 'public_square'), square);
    assert.deepEqual((await roomsByCreationKey()).get('public_square'), [square]);
  });
});
