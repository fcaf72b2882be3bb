// The inbox worker on a real database, dying inside a handler: what the batch
// in hand recorded before the handler ran is counted by the next worker, so an
// event the process keeps dying in is set aside, and one it died in once runs
// again with its attempt counted. Each "process" is a worker with its own
// connection pool; a death is a worker whose handler never returns and whose
// pool is closed under it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MatrixEvent } from '../../src/matrix/event.ts';
import { InboxWorker } from '../../src/matrix/inbox/worker.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { createInboxStore, type IncomingEvent } from '../../src/store/inbox-store.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { ENGINES, scratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { recordingLogger, type LogLine } from '../support/recording-logger.ts';
import { silentLogger } from '../support/silent-logger.ts';

const HOUR_MS = 3_600_000;

function incoming(id: string): IncomingEvent {
  return { eventId: id, roomId: '!r:camp.test', type: 'm.room.message', sender: '@a:camp.test', json: JSON.stringify({ event_id: id }) };
}

interface Row { event_id: string; status: string; attempts: number }

for (const engine of ENGINES) {
  describe(`an inbox worker that dies inside a handler, on ${engine}`, () => {
    let scratch: ScratchDatabase;
    let db: Database;
    before(async () => {
      scratch = await scratchDatabase(engine);
      db = openDatabase(scratch.settings);
      await migrateToLatest(db);
    });
    after(async () => {
      await db.destroy();
      await scratch.drop();
    });

    function worker(on: Database, handle: (event: MatrixEvent) => Promise<void>, maxAttempts: number, log = silentLogger()): InboxWorker {
      return new InboxWorker({
        store: createInboxStore(on), handle, log, maxAttempts,
        retryBaseMs: HOUR_MS, retryMaxMs: HOUR_MS, batchSize: 100, handlerTimeoutMs: HOUR_MS,
      });
    }

    /** Runs a worker in a "process" of its own until its handler reaches `dieIn`, then closes its pool under it. */
    async function dieIn(eventId: string, maxAttempts: number): Promise<void> {
      const own = openDatabase(scratch.settings);
      let reached: () => void = () => undefined;
      const stuck = new Promise<void>((resolve) => { reached = resolve; });
      worker(own, (event) => {
        if (event.event_id !== eventId) return Promise.resolve();
        reached();
        return new Promise<void>(() => undefined);
      }, maxAttempts).start();
      await stuck;
      await own.destroy();
    }

    async function rows(ids: readonly string[]): Promise<Row[]> {
      const found: Row[] = await db('inbox_events').whereIn('event_id', ids).orderBy('seq').select('event_id', 'status', 'attempts');
      // Plain objects: node:sqlite's rows have no prototype.
      return found.map((row) => ({ event_id: row.event_id, status: row.status, attempts: row.attempts }));
    }

    it('counts the attempt a process died in, and the next process handles the event with it counted', async () => {
      await createInboxStore(db).recordTransaction('crash-1', [incoming('$dies-once'), incoming('$behind')], Date.now());
      await dieIn('$dies-once', 5);

      const attempts: number[] = [];
      const next = worker(db, (event) => {
        if (event.event_id === '$dies-once') attempts.push(1);
        return Promise.resolve();
      }, 5);
      next.start();
      await next.idle();
      await next.stop();
      assert.deepEqual(await rows(['$dies-once', '$behind']), [
        { event_id: '$dies-once', status: 'done', attempts: 2 },
        // It shared the batch the process died in: that attempt is charged to it too, as to every event of the batch.
        { event_id: '$behind', status: 'done', attempts: 2 },
      ]);
      assert.equal(attempts.length, 1);
    });

    it('sets aside an event every process dies in, once its attempts are used, without running it again', async () => {
      await createInboxStore(db).recordTransaction('crash-2', [incoming('$poison')], Date.now());
      for (let death = 1; death <= 3; death++) await dieIn('$poison', 3);

      let ranAgain = false;
      const last = worker(db, (event) => {
        if (event.event_id === '$poison') ranAgain = true;
        return Promise.resolve();
      }, 3);
      last.start();
      await last.idle();
      await last.stop();
      assert.deepEqual(await rows(['$poison']), [{ event_id: '$poison', status: 'failed', attempts: 3 }]);
      assert.equal(ranAgain, false);
      const [left] = await db('inbox_in_hand').count({ n: '*' });
      assert.equal(Number(left?.n), 0, 'nothing left in hand');
    });

    it('forgets a batch in hand that cannot be read, says so, and goes on with the inbox', async () => {
      await createInboxStore(db).recordTransaction('crash-3', [incoming('$after-a-bad-row')], Date.now());
      await db('inbox_in_hand').insert({ id: 1, seqs: '{"not": "pairs"}', taken_at: Date.now() });
      const lines: LogLine[] = [];
      const handled: string[] = [];
      const next = worker(db, (event) => { handled.push(event.event_id); return Promise.resolve(); }, 3, recordingLogger(lines));
      next.start();
      await next.idle();
      await next.stop();
      assert.deepEqual(handled, ['$after-a-bad-row']);
      assert.deepEqual(lines.filter((l) => l.level === 'error').map((l) => [l.message, l.fields.error]), [[
        'forgot a batch in hand that could not be read; its events are handled again without counting that attempt',
        'the inbox\'s batch in hand is not a list of [seq, attempts] pairs: {"not": "pairs"}',
      ]]);
    });
  });
}
