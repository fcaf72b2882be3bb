// !defederate compact goes the way of a decision: it merges only what may be
// cut off whole (never a neighbor's parent domain), changes the decisions in
// one transaction, records and tells who newly lost whom, publishes the glob
// before withdrawing what it replaces, starts the ACL change, re-derives the
// neighborhood, and says what the glob newly cuts off. With three-label names,
// as real servers have.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DirectMessage, DirectMessenger } from '../../src/community/direct-messages.ts';
import type { AclPropagation } from '../../src/federation/acl-propagation.ts';
import { Defederation } from '../../src/federation/defederation.ts';
import type { PolicyList } from '../../src/federation/policy-list.ts';
import { createDefederationStore } from '../../src/store/defederation-store.ts';
import { createManagedRoomsStore } from '../../src/store/managed-rooms-store.ts';
import { createRoomMembersStore } from '../../src/store/room-members-store.ts';
import { createServerListsStore } from '../../src/store/server-lists-store.ts';
import { communityFacts } from '../../src/tiers/facts-source.ts';
import { partial } from '../support/command-catalog.ts';
import { ENGINES, useMigratedDatabase } from '../support/databases.ts';
import { silentLogger } from '../support/silent-logger.ts';

const CAMP = 'camp.example.org';
const ADMIN = `@admin:${CAMP}`;
const ALICE = `@alice:${CAMP}`;
const PORCH = `!porch:${CAMP}`;

for (const engine of ENGINES) {
  describe(`compacting the deny list on ${engine}`, () => {
    const database = useMigratedDatabase(engine);

    it('merges x and y.spam.example.net, never a and b.example.org beside the neighbor chat.example.org, and tells who lost whom', async () => {
      const db = database();
      const store = createDefederationStore(db);
      const lists = createServerListsStore(db);
      const roomMembers = createRoomMembersStore(db);
      const rooms = createManagedRoomsStore(db);
      for (const glob of ['a.example.org', 'b.example.org', 'x.spam.example.net', 'y.spam.example.net']) {
        await store.recordDecision({ glob, reason: 'spam', decidedBy: ADMIN, decidedAt: 1 });
      }
      await lists.addNeighbor('chat.example.org', 1);
      await rooms.recordIntent({ creationKey: 'topic:$porch', role: 'topic', tier: 'public', name: 'Porch', encrypted: false, requestedBy: null, createdAt: 1 });
      await rooms.recordCreated('topic:$porch', PORCH);
      // Alice shares the porch with an account the merged glob newly cuts off, and with a neighbor's.
      for (const user of [ALICE, '@zed:z.spam.example.net', '@carl:chat.example.org']) await roomMembers.setMembership(PORCH, user, 'join');
      await store.recordSevered(ALICE, ['@xavier:x.spam.example.net'], 'x.spam.example.net', 1);

      const published: string[] = [];
      const told: { member: string; message: DirectMessage }[] = [];
      const jobs: string[] = [];
      let rederived = 0;
      const service = new Defederation({
        serverName: CAMP, consentDays: 7, store, members: roomMembers,
        impactSources: { rooms, members: roomMembers, admin: null },
        isLocalMember: (userId) => userId.endsWith(`:${CAMP}`),
        facts: communityFacts(CAMP, [ADMIN], 'hearth', rooms, lists),
        propagation: partial<AclPropagation>('propagation', { enqueue: (reason) => { jobs.push(reason); return Promise.resolve({ id: 1, reason, createdAt: 0, finishedAt: null }); } }),
        policyList: partial<PolicyList>('policy list', {
          ban: (glob) => { published.push(`ban ${glob}`); return Promise.resolve(); },
          unban: (glob) => { published.push(`unban ${glob}`); return Promise.resolve(); },
        }),
        messenger: partial<DirectMessenger>('messenger', { send: (member, message) => { told.push({ member, message }); return Promise.resolve('!dm'); } }),
        notify: () => Promise.resolve(),
        log: silentLogger(),
        afterChange: () => { rederived++; return Promise.resolve(); },
        now: () => 100,
      });

      const answer = await service.compact(ADMIN);

      assert.equal(answer,
        'Compacted: x.spam.example.net, y.spam.example.net → *.spam.example.net, which also cuts off every other server under spam.example.net ' +
        '(of those Hearth knows: z.spam.example.net). 1 member lost 1 contact and was told. The ACL change is on its way to every room; progress follows here. ' +
        'Not merged: *.example.org would also cut off camp.example.org, chat.example.org.');
      assert.deepEqual(await lists.defederated(), ['*.spam.example.net', 'a.example.org', 'b.example.org']);
      assert.equal((await store.decision('*.spam.example.net'))?.reason, 'compaction of x.spam.example.net, y.spam.example.net');
      assert.deepEqual(published, ['ban *.spam.example.net', 'unban x.spam.example.net', 'unban y.spam.example.net'], 'the glob is published before what it replaces is withdrawn');
      assert.deepEqual(told.map((t) => t.member), [ALICE]);
      assert.match(told[0]?.message.text ?? '', /You can no longer reach @zed:z\.spam\.example\.net\./);
      assert.deepEqual((await store.severedFor(ALICE)).map((c) => [c.contact, c.serverGlob]).sort(), [
        ['@xavier:x.spam.example.net', '*.spam.example.net'],
        ['@zed:z.spam.example.net', '*.spam.example.net'],
      ], 'refederating the glob restores every contact it stands for');
      assert.deepEqual(jobs, ['deny list compacted']);
      assert.equal(rederived, 1);

      assert.equal(await service.compact(ADMIN),
        'Nothing to compact: no two denied servers share a parent domain that may be cut off whole. Not merged: *.example.org would also cut off camp.example.org, chat.example.org.');
    });
  });
}
