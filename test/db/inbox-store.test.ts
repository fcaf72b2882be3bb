import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createInboxStore, type IncomingEvent, type InboxStore } from '../../src/store/inbox-store.ts';
import { ENGINES, useMigratedDatabase } from '../support/databases.ts';

function incoming(id: string): IncomingEvent {
  return { eventId: id, roomId: '!r', type: 'm.room.message', sender: '@a:camp.test', json: JSON.stringify({ event_id: id }) };
}

for (const engine of ENGINES) {
  describe(`the inbox store on ${engine}`, () => {
    const database = useMigratedDatabase(engine);
    let inbox: InboxStore;
    before(() => { inbox = createInboxStore(database()); });

    it('records a transaction once; the same txnId with the same events again changes nothing', async () => {
      assert.equal(await inbox.recordTransaction('t1', [incoming('$1'), incoming('$2')], 1000), 'recorded');
      assert.equal(await inbox.recordTransaction('t1', [incoming('$1'), incoming('$2')], 2000), 'duplicate');
      assert.deepEqual((await inbox.dueEvents(5000, 10)).map((e) => e.eventId), ['$1', '$2']);
    });

    it('records a reused txnId that brings other events: a homeserver restarted and counts from 1 again', async () => {
      assert.equal(await inbox.recordTransaction('t1', [incoming('$after-restart')], 2500), 'recorded');
      assert.deepEqual((await inbox.dueEvents(5000, 10)).map((e) => e.eventId), ['$1', '$2', '$after-restart']);
      // And a retry of that new transaction is again a duplicate.
      assert.equal(await inbox.recordTransaction('t1', [incoming('$after-restart')], 2600), 'duplicate');
    });

    it('answers identical transactions recorded in parallel without a key violation', async () => {
      const same = [incoming('$p1'), incoming('$p2')];
      const outcomes = await Promise.all([1, 2, 3, 4].map(() => inbox.recordTransaction('parallel', same, 2700)));
      assert.ok(outcomes.includes('recorded'));
      const due = (await inbox.dueEvents(5000, 100)).map((e) => e.eventId);
      assert.deepEqual(due.filter((id) => id.startsWith('$p')), ['$p1', '$p2']);
    });

    it('keeps one copy of an event repeated in a later transaction', async () => {
      assert.equal(await inbox.recordTransaction('t2', [incoming('$2'), incoming('$4')], 3000), 'recorded');
      assert.deepEqual((await inbox.dueEvents(5000, 10)).map((e) => e.eventId), ['$1', '$2', '$after-restart', '$p1', '$p2', '$4']);
    });

    it('records a transaction of no events, such as one that brings only device changes, once', async () => {
      assert.equal(await inbox.recordTransaction('empty', [], 3000), 'recorded');
      assert.equal(await inbox.recordTransaction('empty', [], 3001), 'duplicate');
    });

    it('keeps one copy of an event a transaction brings twice', async () => {
      assert.equal(await inbox.recordTransaction('twice', [incoming('$twice'), incoming('$twice')], 3000), 'recorded');
      assert.equal((await inbox.dueEvents(5000, 100)).filter((e) => e.eventId === '$twice').length, 1);
    });

    it('keeps the text of an event exactly as it came, whatever characters it holds', async () => {
      const json = JSON.stringify({ event_id: '$odd', content: { body: 'a "quoted" {brace}, a back\\slash\n, NULL, é 🎉' } });
      await inbox.recordTransaction('odd', [{ ...incoming('$odd'), sender: 'NULL', json }], 3000);
      const row: { event: string; sender: string } = await database()('inbox_events').where({ event_id: '$odd' }).first('event', 'sender');
      assert.deepEqual({ ...row }, { event: json, sender: 'NULL' });
    });

    it('records a large transaction in one go, past the rows one INSERT takes, its events in their order', async () => {
      const many = Array.from({ length: 1_230 }, (_, i) => incoming(`$bulk${i}`));
      assert.equal(await inbox.recordTransaction('t3', many, 3000), 'recorded');
      const due = await inbox.dueEvents(5000, 2000);
      assert.equal(due.length, 1_238);
      assert.deepEqual(due.filter((e) => e.eventId.startsWith('$bulk')).map((e) => e.eventId), many.map((e) => e.eventId));
    });

    it('holds back an event set to retry until its time, and forgets done ones', async () => {
      const [first, second] = await inbox.dueEvents(5000, 2);
      await inbox.markDone([first!.seq], 5000);
      await inbox.markRetry(second!.seq, 1, 9000, 'boom');
      const due = (await inbox.dueEvents(5000, 1000)).map((e) => e.eventId);
      assert.ok(!due.includes('$1') && !due.includes('$2'));
      assert.equal(await inbox.nextDueTime(), 0);
      assert.ok((await inbox.dueEvents(9000, 1000)).some((e) => e.eventId === '$2' && e.attempts === 1));
    });

    it('sets aside a failed event and counts events by status', async () => {
      const [next] = await inbox.dueEvents(9000, 1);
      await inbox.markFailed(next!.seq, 8, 'gave up', 9000);
      const counts = await inbox.countByStatus();
      assert.equal(counts.done, 1);
      assert.equal(counts.failed, 1);
      assert.equal(counts.pending, 1_236);
    });

    it('stores a malformed object as rejected, never to be processed', async () => {
      // What is not an event may have no room, type or sender at all.
      await inbox.recordTransaction('t4', [{ ...incoming('invalid:t4:0'), roomId: null, type: null, sender: null, rejection: 'not an event' }], 9000);
      assert.ok(!(await inbox.dueEvents(9999, 1000)).some((e) => e.eventId === 'invalid:t4:0'));
      assert.equal((await inbox.countByStatus()).rejected, 1);
      const row: { room_id: string | null; type: string | null; last_error: string } = await database()('inbox_events').where({ event_id: 'invalid:t4:0' }).first('room_id', 'type', 'last_error');
      assert.deepEqual({ ...row }, { room_id: null, type: null, last_error: 'not an event' });
    });
  });

  describe(`attempts counted before handling, on ${engine}`, () => {
    const database = useMigratedDatabase(engine);
    let inbox: InboxStore;
    before(() => { inbox = createInboxStore(database()); });

    it('counts nothing while no batch is in hand', async () => {
      assert.equal(await inbox.countAbandoned(), 0);
    });

    it('counts one more attempt for each event of a batch left in hand, and only for those', async () => {
      await inbox.recordTransaction('a1', Array.from({ length: 1_200 }, (_, i) => incoming(`$n${i}`)), 1000);
      const due = await inbox.dueEvents(1000, 2000);
      await inbox.takeInHand(due.slice(0, 1_100), 1000);
      assert.equal(await inbox.countAbandoned(), 1_100, 'past the seqs one UPDATE takes');
      assert.equal(await inbox.countAbandoned(), 0, 'and the batch is no longer in hand');
      const again = await inbox.dueEvents(1000, 2000);
      await inbox.takeInHand(again.slice(0, 2), 1000);
      assert.equal(await inbox.countAbandoned(), 2);
      const attempts = (await inbox.dueEvents(1000, 2000)).map((e) => e.attempts);
      assert.deepEqual(attempts.slice(0, 3), [2, 2, 1]);
      assert.equal(attempts.filter((n) => n === 1).length, 1_098);
      assert.equal(attempts.filter((n) => n === 0).length, 100);
    });

    it('keeps the count a failure or a success recorded, and counts nothing of a batch released', async () => {
      const [first, second, third] = await inbox.dueEvents(1000, 3);
      await inbox.takeInHand([first!, second!, third!], 1000);
      await inbox.markRetry(first!.seq, first!.attempts + 1, 2000, 'boom');
      await inbox.markDone([third!.seq], 1000);
      assert.equal(await inbox.countAbandoned(), 1, 'only the event whose attempt nothing recorded');
      assert.equal((await inbox.dueEvents(2000, 3)).find((e) => e.seq === first!.seq)?.attempts, 3);
      assert.equal((await inbox.countByStatus()).done, 1);

      const [next] = await inbox.dueEvents(2000, 1);
      await inbox.takeInHand([next!], 2000);
      await inbox.releaseInHand();
      assert.equal(await inbox.countAbandoned(), 0);
    });

    it('marks done the events the batch before finished in the same write that takes the next batch in hand', async () => {
      await inbox.recordTransaction('b1', [incoming('$x1'), incoming('$x2'), incoming('$x3')], 3000);
      const due = (await inbox.dueEvents(3000, 5000)).filter((e) => e.eventId.startsWith('$x'));
      await inbox.takeInHand(due.slice(0, 2), 3000);
      await inbox.takeInHand(due.slice(2), 3000, due.slice(0, 2).map((e) => e.seq));
      const rows: { event_id: string; status: string; attempts: number }[] = await database()('inbox_events').where('event_id', 'like', '$x%').orderBy('seq').select('event_id', 'status', 'attempts');
      assert.deepEqual(rows.map((r) => [r.event_id, r.status, r.attempts]), [['$x1', 'done', 1], ['$x2', 'done', 1], ['$x3', 'pending', 0]]);
      assert.equal(await inbox.countAbandoned(), 1, 'only the batch now in hand');
    });
  });

  describe(`events finished with long ago, forgotten on ${engine}`, () => {
    const database = useMigratedDatabase(engine);
    let inbox: InboxStore;
    before(() => { inbox = createInboxStore(database()); });

    async function statuses(): Promise<Record<string, string>> {
      const rows: { event_id: string; status: string }[] = await database()('inbox_events').orderBy('seq').select('event_id', 'status');
      return Object.fromEntries(rows.map((r) => [r.event_id, r.status]));
    }

    it('forgets settled events and txnIds received before the cut-off, the oldest first, and keeps pending and later ones', async () => {
      await inbox.recordTransaction('old', [incoming('$done'), incoming('$failed'), incoming('$waiting'), { ...incoming('bad:old:0'), rejection: 'not an event' }], 1000);
      await inbox.recordTransaction('new', [incoming('$later')], 5000);
      const [done, failed, waiting] = await inbox.dueEvents(5000, 3);
      await inbox.markDone([done!.seq], 5000);
      await inbox.markFailed(failed!.seq, 45, 'gave up', 5000);
      await inbox.markRetry(waiting!.seq, 1, 99_000, 'boom');
      const [later] = (await inbox.dueEvents(5000, 10)).filter((e) => e.eventId === '$later');
      await inbox.markDone([later!.seq], 5000);

      const txnIds = async (): Promise<string[]> => (await database()('appservice_transactions').orderBy('txn_id').select('txn_id')).map((t: { txn_id: string }) => t.txn_id);
      assert.equal(await inbox.forgetSettled(2000, 2), 2, 'the limit holds');
      assert.deepEqual(await statuses(), { '$waiting': 'pending', 'bad:old:0': 'rejected', '$later': 'done' });
      assert.deepEqual(await txnIds(), ['new', 'old'], 'txnIds go once the last chunk of events went');
      assert.equal(await inbox.forgetSettled(2000, 2), 1);
      assert.deepEqual(await statuses(), { '$waiting': 'pending', '$later': 'done' });
      assert.deepEqual(await txnIds(), ['new']);
      assert.equal(await inbox.forgetSettled(2000, 2), 0);
    });

    it('takes a forgotten transaction and its forgotten event as new, should the homeserver ever send them again', async () => {
      assert.equal(await inbox.recordTransaction('old', [incoming('$done')], 6000), 'recorded');
      assert.ok((await inbox.dueEvents(6000, 10)).some((e) => e.eventId === '$done'));
    });
  });
}
