// The job runner's records on both engines, and the upgrade that carries the
// old ACL jobs, Bugle deliveries and member removals over into them.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { migrations } from '../../migrations/index.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { createJobsStore } from '../../src/store/jobs-store.ts';
import { ENGINES, scratchDatabase, useMigratedDatabase, type ScratchDatabase } from '../support/databases.ts';

const rooms = Array.from({ length: 450 }, (_, i) => `!r${String(i).padStart(3, '0')}:camp.test`);

for (const engine of ENGINES) {
  describe(`the job store on ${engine}`, () => {
    const database = useMigratedDatabase(engine);

    it('tracks a job item by item, so a restart resumes only what is pending, in order', async () => {
      const jobs = createJobsStore(database());
      const job = await jobs.create('acl-push', 10, () => Promise.resolve({ subject: 'far.test defederated', items: [...rooms].reverse() }));
      assert.deepEqual([job.kind, job.subject, job.createdAt, job.finishedAt], ['acl-push', 'far.test defederated', 10, null]);
      await jobs.settle(job.id, '!r449:camp.test', { status: 'done', attempts: 1, error: null, note: 'kicked', now: 11 });
      await jobs.settle(job.id, '!r448:camp.test', { status: 'failed', attempts: 3, error: 'refused for good: M_FORBIDDEN (403): no', note: null, now: 12 });
      await jobs.recordTry(job.id, '!r447:camp.test', 2, 'connect ECONNREFUSED');
      const pending = await jobs.pendingItems(job.id);
      assert.equal(pending.length, 448);
      assert.deepEqual(pending[0], { key: '!r447:camp.test', status: 'pending', attempts: 2, txnId: null, lastError: 'connect ECONNREFUSED', note: null }, 'the order they were given in');
      assert.deepEqual(await jobs.counts(job.id), { total: 450, pending: 448, done: 1, failed: 1, refused: 0 });
      assert.deepEqual((await jobs.items(job.id, 'failed')).map((i) => [i.key, i.lastError]), [['!r448:camp.test', 'refused for good: M_FORBIDDEN (403): no']]);
      assert.deepEqual((await jobs.unfinished('acl-push')).map((j) => j.id), [job.id]);
      assert.deepEqual(await jobs.unfinished('bugle-delivery'), []);
      await jobs.finish(job.id, 20);
      assert.deepEqual(await jobs.unfinished('acl-push'), []);
    });

    it('keeps an item\'s transaction ID from before its send', async () => {
      const jobs = createJobsStore(database());
      const job = await jobs.create('bugle-delivery', 1, () => Promise.resolve({ subject: '7', items: ['@a:camp.test', '@b:camp.test'] }));
      await jobs.setTxnId(job.id, '@a:camp.test', 'dm.bugle.7.@a:camp.test');
      assert.deepEqual((await jobs.pendingItems(job.id)).map((i) => i.txnId), ['dm.bugle.7.@a:camp.test', null]);
    });

    it('records a job with the domain\'s rows in one transaction: a failure leaves neither', async () => {
      const db = database();
      const jobs = createJobsStore(db);
      await assert.rejects(jobs.create('acl-push', 1, async (trx) => {
        await trx('bugle_opt_outs').insert({ user_id: '@x:camp.test', how: 'command', at: 1 });
        return { subject: 'never', items: ['!a', '!a'] };
      }));
      assert.equal(await db('bugle_opt_outs').where({ user_id: '@x:camp.test' }).first(), undefined);
      assert.equal(await db('jobs').where({ subject: 'never' }).first(), undefined);
    });
  });

  describe(`the upgrade to one job runner on ${engine}`, () => {
    const scratches: ScratchDatabase[] = [];
    after(async () => { await Promise.all(scratches.map((s) => s.drop())); });

    async function before13(): Promise<Database> {
      const scratch = await scratchDatabase(engine);
      scratches.push(scratch);
      const db = openDatabase(scratch.settings);
      for (const migration of migrations.slice(0, migrations.findIndex((m) => m.name === '0013_jobs'))) await migration.up(db);
      return db;
    }

    it('carries every ACL job, delivery and unfinished removal over, then drops the old queues', async () => {
      const db = await before13();
      try {
        const [acl] = await db<{ id: number; reason: string; kick_globs: string; created_at: number }>('acl_jobs').insert({ reason: 'far.test defederated', kick_globs: '[]', created_at: 5 }).returning('*');
        await db('acl_job_rooms').insert([
          { job_id: acl?.id, room_id: '!a', status: 'done', attempts: 1 },
          { job_id: acl?.id, room_id: '!b', status: 'pending', attempts: 0 },
        ]);
        const [broadcast] = await db<{ id: number; sender: string; body: string; digest: string; report_room_id: string; recipient_count: number; opted_out_count: number; created_at: number }>('bugle_broadcasts')
          .insert({ sender: '@s:camp.test', body: 'hi', digest: 'd', report_room_id: '!dm', recipient_count: 2, opted_out_count: 0, created_at: 6 }).returning('*');
        await db('bugle_deliveries').insert([
          { broadcast_id: broadcast?.id, recipient: '@a:camp.test', status: 'delivered', attempts: 1, last_error: null },
          { broadcast_id: broadcast?.id, recipient: '@b:camp.test', status: 'pending', attempts: 2, last_error: 'fetch failed' },
        ]);
        await db('managed_rooms').insert([
          { creation_key: 'topic', room_id: '!topic', role: 'topic', tier: 'local', name: 'Topic', created_at: 1 },
          { creation_key: 'space', room_id: '!space', role: 'space', tier: 'local', name: 'Space', created_at: 1 },
        ]);
        const [removal] = await db<{ id: number; user_id: string; reason: string; deactivate: boolean; requested_by: string; requested_at: number; told_at: number }>('member_removals')
          .insert({ user_id: '@m:camp.test', reason: 'spam', deactivate: false, requested_by: '@admin:camp.test', requested_at: 7, told_at: 8 }).returning('*');
        await db('member_removals').insert({ user_id: '@n:camp.test', reason: 'gone', deactivate: false, requested_by: '@admin:camp.test', requested_at: 7, told_at: 8, kicked_at: 8, invitations_revoked_at: 8, finished_at: 9 });

        const jobs = migrations.find((m) => m.name === '0013_jobs');
        await jobs?.up(db);

        const store = createJobsStore(db);
        const aclJob = (await store.unfinished('acl-push'))[0];
        assert.ok(aclJob);
        assert.equal(aclJob.subject, 'far.test defederated');
        assert.deepEqual(await store.counts(aclJob.id), { total: 2, pending: 1, done: 1, failed: 0, refused: 0 });
        const delivery = (await store.unfinished('bugle-delivery'))[0];
        assert.ok(delivery);
        assert.equal(delivery.subject, String(broadcast?.id));
        assert.deepEqual((await store.pendingItems(delivery.id)).map((i) => [i.key, i.attempts, i.txnId]), [['@b:camp.test', 2, `dm.bugle.${broadcast?.id}.@b:camp.test`]],
          'a copy that was tried keeps the transaction ID it went with');
        assert.equal((await store.items(delivery.id, 'done')).length, 1);
        const removals = await store.unfinished('member-removal');
        assert.deepEqual(removals.map((j) => j.subject), [String(removal?.id)], 'only the unfinished removal');
        assert.deepEqual((await store.pendingItems(removals[0]?.id ?? 0)).map((i) => i.key), ['room:!space', 'room:!topic', 'kicked', 'invitations'], 'the steps not yet stamped, the space first');
        for (const old of ['acl_jobs', 'acl_job_rooms', 'bugle_deliveries']) assert.equal(await db.schema.hasTable(old), false, old);
      } finally {
        await db.destroy();
      }
    });
  });
}
