import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManagedRoomsStore } from '../../src/store/managed-rooms-store.ts';
import { createMemberInvitationsStore } from '../../src/store/member-invitations-store.ts';
import { createMembersStore } from '../../src/store/members-store.ts';
import { createServerListsStore } from '../../src/store/server-lists-store.ts';
import { ENGINES, useMigratedDatabase } from '../support/databases.ts';

for (const engine of ENGINES) {
  describe(`the community's stores on ${engine}`, () => {
    const database = useMigratedDatabase(engine);

    it('records a room\'s creation intent once, then its ID', async () => {
      const rooms = createManagedRoomsStore(database());
      const intent = { creationKey: 'space', role: 'space' as const, tier: 'local' as const, name: 'Camp', encrypted: false, requestedBy: null, createdAt: 1 };
      await rooms.recordIntent(intent);
      await rooms.recordIntent({ ...intent, name: 'Second try' });
      assert.deepEqual(await rooms.byCreationKey('space'), { ...intent, roomId: null });
      assert.deepEqual(await rooms.all(), [], 'a pending creation is not a room yet');
      await rooms.recordCreated('space', '!space:camp.test');
      assert.equal((await rooms.byRoomId('!space:camp.test'))?.name, 'Camp');
      await rooms.setTier('!space:camp.test', 'public');
      assert.equal((await rooms.all())[0]?.tier, 'public');
    });

    it('invites each member once and never again after they leave', async () => {
      const members = createMembersStore(database());
      assert.deepEqual(await members.addNew(['@a:camp.test', '@b:camp.test', '@a:camp.test'], 10), ['@a:camp.test', '@b:camp.test']);
      assert.deepEqual(await members.addNew(['@a:camp.test', '@c:camp.test'], 20), ['@c:camp.test']);
      await members.markInvited('@a:camp.test', 30);
      await members.markLeft('@b:camp.test', 40);
      assert.deepEqual(await members.awaitingInvite(), ['@c:camp.test']);
      await members.markLeft('@b:camp.test', 50);
      assert.equal((await members.get('@b:camp.test'))?.leftAt, 40, 'the first departure is kept');
    });

    it('remembers who was removed from the community until an admin lets them back in', async () => {
      const members = createMembersStore(database());
      await members.addNew(['@dora:camp.test', '@eli:camp.test'], 10);
      await members.markRemoved('@dora:camp.test', '@admin:camp.test', 20);
      // Someone Hearth never saw can be removed too: the removal is what counts.
      await members.markRemoved('@xavier:camp.test', '@admin:camp.test', 30);
      assert.deepEqual(await members.removed(), ['@dora:camp.test', '@xavier:camp.test']);
      assert.deepEqual(await members.removal('@dora:camp.test'), { removedAt: 20, removedBy: '@admin:camp.test' });
      assert.equal((await members.get('@dora:camp.test'))?.leftAt, 20, 'removed means gone from the space');
      const awaiting = await members.awaitingInvite();
      assert.ok(awaiting.includes('@eli:camp.test'));
      assert.ok(!awaiting.includes('@dora:camp.test') && !awaiting.includes('@xavier:camp.test'), 'a removed person is never invited by the welcome loop');
      assert.equal(await members.clearRemoved('@dora:camp.test'), true);
      assert.equal(await members.clearRemoved('@dora:camp.test'), false);
      assert.deepEqual(await members.removed(), ['@xavier:camp.test']);
    });

    it('claims each welcome invitation once, then keeps its outcome and the reason it failed', async () => {
      const invitations = createMemberInvitationsStore(database());
      const alice = '@alice:camp.test';
      await invitations.claim(alice, '!space', 1);
      await invitations.claim(alice, '!square', 1);
      await invitations.claim(alice, '!timeline', 1);
      await assert.rejects(invitations.claim(alice, '!space', 2), 'a second claim of one invitation fails');
      await invitations.claim('@bob:camp.test', '!space', 2);

      await invitations.recordFailure(alice, '!square', 'M_UNKNOWN (502): bad gateway', 3);
      await invitations.recordFailure(alice, '!square', 'fetch failed', 4);
      await invitations.settle(alice, '!space', 'sent', 5);
      await invitations.settle(alice, '!timeline', 'given_up', 6, 'M_INVITE_BLOCKED (403): not permitted');
      await invitations.recordFailure(alice, '!timeline', 'too late', 7);
      assert.deepEqual(await invitations.of(alice), [
        { userId: alice, roomId: '!space', status: 'sent', attempts: 0, lastError: null, updatedAt: 5 },
        { userId: alice, roomId: '!square', status: 'claimed', attempts: 2, lastError: 'fetch failed', updatedAt: 4 },
        { userId: alice, roomId: '!timeline', status: 'given_up', attempts: 0, lastError: 'M_INVITE_BLOCKED (403): not permitted', updatedAt: 6 },
      ]);
      await invitations.settle(alice, '!square', 'sent', 8);
      assert.deepEqual((await invitations.of(alice)).map((i) => [i.status, i.lastError]), [['sent', null], ['sent', null], ['given_up', 'M_INVITE_BLOCKED (403): not permitted']]);
    });

    it('keeps the neighbor and defederation lists', async () => {
      const lists = createServerListsStore(database());
      await lists.addNeighbor('hood.test', 1);
      await lists.addNeighbor('hood.test', 2);
      await lists.addNeighbor('glen.test', 3);
      assert.deepEqual(await lists.neighbors(), ['glen.test', 'hood.test']);
      await lists.removeNeighbor('glen.test');
      assert.deepEqual(await lists.neighbors(), ['hood.test']);
      assert.deepEqual(await lists.defederated(), []);
      await database()('defederated_servers').insert({ server_glob: 'far.test', reason: 'spam', decided_at: 1 });
      assert.deepEqual(await lists.both(), { neighbors: ['hood.test'], defederated: ['far.test'] });
    });
  });
}
