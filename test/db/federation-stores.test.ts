import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDefederationStore } from '../../src/store/defederation-store.ts';
import { createDirectRoomsStore } from '../../src/store/direct-rooms-store.ts';
import { createRoomMembersStore } from '../../src/store/room-members-store.ts';
import { ACTIVITY_PRECISION_MS, RemoteActivity } from '../../src/federation/remote-activity.ts';
import { ENGINES, useMigratedDatabase } from '../support/databases.ts';

for (const engine of ENGINES) {
  describe(`the federation stores on ${engine}`, () => {
    const database = useMigratedDatabase(engine);

    it('keeps a proposal, its replies, the decision and the severed contacts', async () => {
      const store = createDefederationStore(database());
      const proposal = await store.createProposal({ target: 'far.test', reason: 'spam', proposedBy: '@root:camp.test', proposedAt: 1, dueAt: 2, report: '{}' });
      assert.equal((await store.openProposal('far.test'))?.id, proposal.id);
      assert.deepEqual(await store.openTargets(), ['far.test']);
      await store.addReply(proposal.id, { member: '@a:camp.test', body: 'no!', repliedAt: 3 });
      assert.deepEqual(await store.replies(proposal.id), [{ member: '@a:camp.test', body: 'no!', repliedAt: 3 }]);
      assert.equal(await store.recordDecision({ glob: 'far.test', reason: 'spam', decidedBy: '@root:camp.test', decidedAt: 4 }), true);
      assert.equal(await store.recordDecision({ glob: 'far.test', reason: 'again', decidedBy: '@root:camp.test', decidedAt: 5 }), false, 'one decision per glob');
      await store.setProposalStatus(proposal.id, 'decided');
      assert.equal(await store.openProposal('far.test'), null);
      await store.recordSevered('@a:camp.test', ['@f:far.test', '@g:far.test'], 'far.test', 6);
      await store.restoreSevered('far.test', 7);
      assert.deepEqual((await store.severedFor('@a:camp.test')).map((c) => [c.contact, c.restoredAt]), [['@f:far.test', 7], ['@g:far.test', 7]]);
      await store.recordSevered('@a:camp.test', ['@f:far.test'], 'far.test', 8);
      assert.deepEqual((await store.severedFor('@a:camp.test')).map((c) => [c.contact, c.restoredAt]), [['@g:far.test', 7], ['@f:far.test', null]]);
      assert.equal(await store.removeDecision('far.test'), true);
      assert.equal(await store.decision('far.test'), null);
    });

    it('remembers each bot\'s DM room with a member', async () => {
      const dms = createDirectRoomsStore(database());
      assert.equal(await dms.roomFor('@hearth:camp.test', '@a:camp.test'), null);
      await dms.recordIntent('@hearth:camp.test', '@a:camp.test', 1);
      assert.deepEqual(await dms.roomFor('@hearth:camp.test', '@a:camp.test'), { roomId: null });
      await dms.recordCreated('@hearth:camp.test', '@a:camp.test', '!dm:camp.test');
      assert.deepEqual(await dms.roomFor('@hearth:camp.test', '@a:camp.test'), { roomId: '!dm:camp.test' });
    });

    it('follows memberships and remote activity', async () => {
      const members = createRoomMembersStore(database());
      await members.setMembership('!r', '@a:camp.test', 'join');
      await members.setMembership('!r', '@f:far.test', 'join');
      await members.setMembership('!r', '@g:glen.test', 'invite');
      await members.setMembership('!s', '@f:far.test', 'join');
      await members.setMembership('!s', '@f:far.test', 'leave');
      assert.deepEqual([...await members.joined(['!r', '!s'])], [['!r', ['@a:camp.test', '@f:far.test']], ['!s', []]]);
      assert.deepEqual(await members.present('!r'), [
        { userId: '@a:camp.test', membership: 'join' }, { userId: '@f:far.test', membership: 'join' }, { userId: '@g:glen.test', membership: 'invite' },
      ]);
      assert.deepEqual(await members.present('!s'), []);
      await members.sawRemoteActivity('@f:far.test', 100);
      await members.sawRemoteActivity('@f:far.test', 200);
      await members.sawRemoteActivity('@f:far.test', 150);
      assert.deepEqual([...await members.lastSeen(['@f:far.test', '@x:far.test'])], [['@f:far.test', 200]]);
      assert.deepEqual(await members.knownServers(), ['camp.test', 'far.test', 'glen.test']);
    });

    it("writes a remote account's activity once a minute at most, the precision the impact report shows", async () => {
      const members = createRoomMembersStore(database());
      let writes = 0;
      const activity = new RemoteActivity({ sawRemoteActivity: async (userId, at) => { writes++; await members.sawRemoteActivity(userId, at); } });
      const start = 1_796_000_000_000;
      for (const at of [start, start + 1_000, start + 30_000, start + ACTIVITY_PRECISION_MS - 1]) await activity.saw('@chatty:hood.test', at);
      assert.equal(writes, 1, 'signs within a minute of the one written are not written');
      assert.deepEqual([...await members.lastSeen(['@chatty:hood.test'])], [['@chatty:hood.test', start]]);
      await activity.saw('@chatty:hood.test', start + ACTIVITY_PRECISION_MS);
      await activity.saw('@quiet:hood.test', start + 5);
      assert.equal(writes, 3);
      assert.deepEqual([...await members.lastSeen(['@chatty:hood.test', '@quiet:hood.test'])], [
        ['@chatty:hood.test', start + ACTIVITY_PRECISION_MS], ['@quiet:hood.test', start + 5],
      ]);
    });
  });
}
