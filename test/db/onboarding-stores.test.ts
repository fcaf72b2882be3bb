// Onboarding's stores on both engines: invitations and what becomes of them,
// agreements by version, the welcome and introductions, removal jobs step by
// step, admins changed from chat; and the migration that carries the members
// already here over as having agreed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CARRIED_OVER_VERSION, up as onboardingUp } from '../../migrations/0012_onboarding.ts';
import { migrations } from '../../migrations/index.ts';
import { createAdminsStore } from '../../src/store/admins-store.ts';
import { createInvitationsStore } from '../../src/store/invitations-store.ts';
import { createMemberRemovalsStore } from '../../src/store/member-removals-store.ts';
import { createMembersStore } from '../../src/store/members-store.ts';
import { createOnboardingStore } from '../../src/store/onboarding-store.ts';
import { openDatabase } from '../../src/store/database.ts';
import { ENGINES, scratchDatabase, useMigratedDatabase } from '../support/databases.ts';

for (const engine of ENGINES) {
  describe(`onboarding's stores on ${engine}`, () => {
    const database = useMigratedDatabase(engine);

    it('keeps an invitation open until it is used or revoked, and counts only open ones not expired', async () => {
      const invitations = createInvitationsStore(database());
      await invitations.insert({ code: 'AAA', note: 'Sam', createdBy: '@admin:camp.test', createdAt: 10, expiresAt: 100 });
      await invitations.insert({ code: 'BBB', note: null, createdBy: '@alice:camp.test', createdAt: 20, expiresAt: 50 });
      assert.equal(await invitations.countOpen(40), 2);
      assert.equal(await invitations.countOpen(60), 1, 'BBB has expired');
      assert.equal(await invitations.markUsed('AAA', '@sam:camp.test', 30), true);
      assert.equal(await invitations.markUsed('AAA', '@other:camp.test', 31), false, 'used once only');
      assert.equal(await invitations.markRevoked('AAA', '@admin:camp.test', 32), false, 'a used invitation cannot be revoked');
      assert.deepEqual((await invitations.openCreatedBy('@alice:camp.test')).map((i) => i.code), ['BBB']);
      assert.equal(await invitations.markRevoked('BBB', '@admin:camp.test', 33), true);
      const [newest, oldest] = await invitations.all();
      assert.ok(newest && oldest);
      assert.deepEqual({ code: newest.code, status: newest.status, revokedBy: newest.revokedBy }, { code: 'BBB', status: 'revoked', revokedBy: '@admin:camp.test' });
      assert.deepEqual({ status: oldest.status, usedBy: oldest.usedBy, usedAt: oldest.usedAt }, { status: 'used', usedBy: '@sam:camp.test', usedAt: 30 });
    });

    it('records each agreement once per version, and each welcome, post and notice once', async () => {
      const store = createOnboardingStore(database());
      assert.equal(await store.agree('@sam:camp.test', 'v1', 10), true);
      assert.equal(await store.agree('@sam:camp.test', 'v1', 11), false);
      await store.agree('@sam:camp.test', 'v2', 20);
      assert.deepEqual(await store.agreedVersions('@sam:camp.test'), ['v1', 'v2']);
      assert.deepEqual((await store.agreements()).get('@sam:camp.test'), ['v1', 'v2']);
      await store.recordSignUp('@sam:camp.test', '@admin:camp.test', 'AAA', 5);
      assert.equal(await store.markWelcomed('@sam:camp.test', 6), true);
      assert.equal(await store.markWelcomed('@sam:camp.test', 7), false);
      assert.equal(await store.markAnnounced('@sam:camp.test', 8), true);
      await store.setIntroduction('@sam:camp.test', 'I knit.', 9);
      assert.deepEqual(await store.profile('@sam:camp.test'), {
        userId: '@sam:camp.test', invitedBy: '@admin:camp.test', invitationCode: 'AAA', signedUpAt: 5, welcomedAt: 6,
        introduction: 'I knit.', introducedAt: 9, announcedAt: 8,
      });
      assert.equal(await store.versionSeen('v2', 100), 100);
      assert.equal(await store.versionSeen('v2', 200), 100, 'the first sight is kept');
      assert.equal(await store.markNoticeSent('@sam:camp.test', 'v2', 1), true);
      assert.equal(await store.markNoticeSent('@sam:camp.test', 'v2', 2), false);
      assert.deepEqual([...await store.noticesSent('v2')], ['@sam:camp.test']);
    });

    it('stamps each step of a removal, and finds the unfinished ones', async () => {
      const removals = createMemberRemovalsStore(database());
      const job = await removals.create({ userId: '@mallory:camp.test', reason: 'spam', deactivate: true, requestedBy: '@admin:camp.test', requestedAt: 10 });
      assert.deepEqual(job.done, {});
      assert.equal(job.deactivate, true);
      await removals.markStep(job.id, 'told', 11);
      await removals.markStep(job.id, 'kicked', 12);
      assert.deepEqual((await removals.unfinishedFor('@mallory:camp.test'))?.done, { told: 11, kicked: 12 });
      await removals.finish(job.id, 13);
      assert.deepEqual(await removals.unfinished(), []);
      assert.equal(await removals.unfinishedFor('@mallory:camp.test'), null);
    });

    it('keeps the last change to each admin', async () => {
      const admins = createAdminsStore(database());
      await admins.record('@alice:camp.test', 'added', '@admin:camp.test', 1);
      await admins.record('@alice:camp.test', 'removed', '@admin:camp.test', 2);
      await admins.record('@bob:camp.test', 'added', '@admin:camp.test', 3);
      assert.deepEqual([...(await admins.changes())].sort(), [['@alice:camp.test', 'removed'], ['@bob:camp.test', 'added']]);
    });

    it('carries the members already here over as having agreed', async () => {
      const scratch = await scratchDatabase(engine);
      const db = openDatabase(scratch.settings);
      try {
        const before = migrations.slice(0, migrations.findIndex((m) => m.name === '0012_onboarding'));
        for (const migration of before) await migration.up(db);
        await createMembersStore(db).addNew(['@old:camp.test'], 42);
        await onboardingUp(db);
        assert.deepEqual(await createOnboardingStore(db).agreedVersions('@old:camp.test'), [CARRIED_OVER_VERSION]);
      } finally {
        await db.destroy();
        await scratch.drop();
      }
    });
  });
}
