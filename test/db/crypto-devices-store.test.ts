import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCryptoDevicesStore } from '../../src/store/crypto-devices-store.ts';
import { createManagedRoomsStore } from '../../src/store/managed-rooms-store.ts';
import { ENGINES, useMigratedDatabase } from '../support/databases.ts';

for (const engine of ENGINES) {
  describe(`the crypto devices store on ${engine}`, () => {
    const database = useMigratedDatabase(engine);

    it('keeps a bot\'s first device ID, and its snapshot byte for byte', async () => {
      const store = createCryptoDevicesStore(database());
      await store.recordDevice('@hearth:camp.test', 'HEARTHAAAA', 1);
      await store.recordDevice('@hearth:camp.test', 'HEARTHBBBB', 2);
      assert.deepEqual(await store.get('@hearth:camp.test'), { userId: '@hearth:camp.test', deviceId: 'HEARTHAAAA', snapshot: null });
      const snapshot = new Uint8Array(randomBytes(70_000));
      await store.saveSnapshot('@hearth:camp.test', snapshot, 3);
      assert.deepEqual((await store.get('@hearth:camp.test'))?.snapshot, snapshot);
      assert.equal(await store.get('@hearth_bugle:camp.test'), null);
    });

    it('records that a managed room is encrypted, for good', async () => {
      const rooms = createManagedRoomsStore(database());
      await rooms.recordIntent({ creationKey: 'topic:$1', role: 'topic', tier: 'local', name: 'Quiet', encrypted: false, requestedBy: null, createdAt: 1 });
      await rooms.recordCreated('topic:$1', '!quiet:camp.test');
      await rooms.markEncrypted('!quiet:camp.test');
      assert.equal((await rooms.byRoomId('!quiet:camp.test'))?.encrypted, true);
      assert.equal((await createManagedRoomsStore(database()).byRoomId('!quiet:camp.test'))?.encrypted, true, 'read back from the database');
    });
  });
}
