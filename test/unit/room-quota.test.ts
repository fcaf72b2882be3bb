// A member may create a few rooms a day with !room create; the next is
// refused with the time they can create again. Admins have no quota.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandContext } from '../../src/commands/command.ts';
import type { RoomSpec } from '../../src/tiers/creation.ts';
import { checkRoomQuota, DAY_MS, type RoomQuota } from '../../src/tiers/room-quota.ts';
import { commandCatalog } from '../support/command-catalog.ts';

const NOW = Date.UTC(2026, 10, 22, 18, 0);
const HOUR_MS = 3_600_000;
const alice = (eventId: string): CommandContext => ({ sender: '@alice:camp.test', roomId: '!dm:camp.test', eventId, isAdmin: false });

/** A command table whose room creator records each room, as the store would, for the quota to count. */
function community(perDay: number): { ask: (context: CommandContext, body: string) => Promise<string>; created: RoomSpec[]; clock: { now: number } } {
  const created: RoomSpec[] = [];
  const clock = { now: NOW };
  const times = new Map<string, number>();
  const roomQuota: RoomQuota = {
    perDay,
    createdBy: (userId) => Promise.resolve(created.filter((spec) => spec.requester === userId).map((spec) => ({ creationKey: spec.creationKey, createdAt: times.get(spec.creationKey) ?? 0 }))),
  };
  const table = commandCatalog({
    tiers: {
      roomQuota,
      now: () => clock.now,
      ensureRoom: (spec) => {
        if (!times.has(spec.creationKey)) {
          created.push(spec);
          times.set(spec.creationKey, clock.now);
        }
        return Promise.resolve(`!${spec.creationKey}:camp.test`);
      },
    },
  });
  return { ask: async (context, body) => (await table.execute(context, body)).text, created, clock };
}

describe('the rooms a member may create', () => {
  it('allows as many as the quota in any 24 hours, and says when the next may be created', () => {
    assert.deepEqual(checkRoomQuota(NOW, [NOW - 5 * HOUR_MS, NOW - 4 * HOUR_MS], 3), { ok: true });
    assert.deepEqual(checkRoomQuota(NOW, [NOW - 3 * HOUR_MS, NOW - 5 * HOUR_MS, NOW - 4 * HOUR_MS], 3), {
      ok: false,
      reason: 'You have created 3 rooms in the last 24 hours, the most a member may. You can create another after 2026-11-23 13:00 UTC.',
    });
    assert.deepEqual(checkRoomQuota(NOW, [NOW - DAY_MS - 1, NOW - DAY_MS - 2, NOW - DAY_MS - 3], 3), { ok: true }, 'rooms older than a day do not count');
    assert.equal(checkRoomQuota(NOW, [], 0).ok, false);
  });

  it('!room create: five rooms, then a refusal that creates nothing; the next day, another', async () => {
    const { ask, created, clock } = community(5);
    for (let i = 1; i <= 5; i++) {
      clock.now = NOW + i * 60_000;
      assert.match(await ask(alice(`$room${i}`), `!room create Room ${i} --tier public`), /^Created "Room \d"/);
    }
    const refusal = await ask(alice('$room6'), '!room create Room 6 --tier public');
    assert.equal(refusal, 'You have created 5 rooms in the last 24 hours, the most a member may. You can create another after 2026-11-23 18:01 UTC.');
    assert.equal(created.length, 5);

    clock.now = NOW + DAY_MS + 60_000;
    assert.match(await ask(alice('$room7'), '!room create Room 7'), /^Created "Room 7"/);
  });

  it('the same command processed again (after a crash) is the same room, not a sixth', async () => {
    const { ask, created } = community(5);
    for (let i = 1; i <= 5; i++) await ask(alice(`$room${i}`), `!room create Room ${i}`);
    assert.match(await ask(alice('$room5'), '!room create Room 5'), /^Created "Room 5"/);
    assert.equal(created.length, 5);
  });

  it('an admin has no quota', async () => {
    const { ask, created } = community(1);
    const admin = (eventId: string): CommandContext => ({ ...alice(eventId), sender: '@admin:camp.test', isAdmin: true });
    for (let i = 1; i <= 3; i++) assert.match(await ask(admin(`$a${i}`), `!room create Admin room ${i}`), /^Created/);
    assert.equal(created.length, 3);
  });

  it('with a quota of 0 only admins create rooms', async () => {
    const { ask } = community(0);
    assert.equal(await ask(alice('$x'), '!room create Mine'), 'On this server only admins create rooms. Ask one of them to create it for you.');
  });
});
