// The reconciler's repair log on both engines: a repair is kept as the admin
// room was told it (a missing event stays missing, not "null"), the newest
// come first, and the log never holds more than the newest REPAIRS_KEPT.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRepairsStore, REPAIRS_KEPT, type RepairEntry } from '../../src/store/repairs-store.ts';
import { ENGINES, useMigratedDatabase } from '../support/databases.ts';

const repair = (n: number, changes: Partial<RepairEntry> = {}): RepairEntry => ({
  roomId: '!square:camp.test', roomName: 'Public square', tier: 'public', stateType: 'm.room.history_visibility',
  previous: '{"history_visibility":"joined"}', restored: '{"history_visibility":"world_readable"}',
  trigger: `after a change by @mallory:camp.test (${n})`, repairedAt: 1_780_000_000_000 + n, ...changes,
});

for (const engine of ENGINES) {
  describe(`the repair log on ${engine}`, () => {
    const database = useMigratedDatabase(engine);

    it('keeps each repair as it was reported, newest first, across a restart', async () => {
      const missing = repair(2, { roomId: '!book:camp.test', roomName: 'Book club', tier: 'local', stateType: 'm.room.guest_access', previous: null, restored: '{"guest_access":"forbidden"}', trigger: 'found at start-up' });
      await createRepairsStore(database()).record([repair(1), missing]);
      await createRepairsStore(database()).record([]);
      const afterRestart = createRepairsStore(database());
      assert.deepEqual(await afterRestart.latest(100), [missing, repair(1)]);
      assert.deepEqual(await afterRestart.latest(1), [missing]);
    });

    it('forgets all but the newest repairs, however many a pass makes', async () => {
      const store = createRepairsStore(database());
      const total = REPAIRS_KEPT + 30;
      for (let n = 0; n < total; n += 20) await store.record(Array.from({ length: Math.min(20, total - n) }, (_, i) => repair(100 + n + i)));
      const kept = await store.latest(REPAIRS_KEPT + 100);
      assert.equal(kept.length, REPAIRS_KEPT);
      assert.equal(kept[0]?.repairedAt, repair(100 + total - 1).repairedAt, 'the newest is kept');
      assert.equal(kept.at(-1)?.repairedAt, repair(100 + total - REPAIRS_KEPT).repairedAt, 'the oldest kept is the KEPT-th newest');
    });
  });
}
