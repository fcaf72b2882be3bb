// The inbox worker never stays stuck on one event: each attempt is counted
// before its handler runs, so an event the process dies in uses up its
// attempts and is set aside; a handler that runs too long is left behind and
// its event retried, while the events after it are handled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MatrixEvent } from '../../src/matrix/event.ts';
import { FORGET_CHUNK, FORGET_EVERY_MS, InboxWorker, nextBatch, type InboxWorkerOptions } from '../../src/matrix/inbox/worker.ts';
import { MemoryInboxStore } from '../support/memory-inbox-store.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { waitUntil } from '../support/wait-until.ts';

const HOUR_MS = 3_600_000;

/** A handler that never settles, as one does when the process dies (or hangs) inside it. */
function never(): Promise<void> {
  return new Promise<void>(() => undefined);
}

function workerOn(store: MemoryInboxStore, handle: (event: MatrixEvent) => Promise<void>, options: Partial<InboxWorkerOptions> = {}): InboxWorker {
  return new InboxWorker({
    store,
    handle,
    log: silentLogger(),
    maxAttempts: 3,
    // Retries far off, so each test sees one pass over the inbox.
    retryBaseMs: HOUR_MS,
    retryMaxMs: HOUR_MS,
    batchSize: 100,
    ...options,
  });
}

describe('the inbox worker', () => {
  it('records a whole batch as in hand in one write before any handler runs, and marks it done in one write after', async () => {
    const store = new MemoryInboxStore();
    store.add('$a', '$b', '$c');
    const worker = workerOn(store, (event) => {
      store.writes.push(`handle ${event.event_id}`);
      return Promise.resolve();
    });
    worker.start();
    await worker.idle();
    await worker.stop();
    assert.deepEqual(store.writes, ['takeInHand $a,$b,$c', 'handle $a', 'handle $b', 'handle $c', 'markDone $a,$b,$c']);
    assert.deepEqual(store.rows.map((r) => [r.eventId, r.status, r.attempts]), [['$a', 'done', 1], ['$b', 'done', 1], ['$c', 'done', 1]]);
    assert.equal(await store.countAbandoned(), 0, 'nothing of the batch is left to count');
  });

  it('marks a batch done in the same write that takes the next batch in hand: one write per batch', async () => {
    const store = new MemoryInboxStore();
    store.add('$a', '$b', '$c');
    const worker = workerOn(store, (event) => {
      store.writes.push(`handle ${event.event_id}`);
      return Promise.resolve();
    }, { batchSize: 2 });
    worker.start();
    await worker.idle();
    await worker.stop();
    assert.deepEqual(store.writes, ['takeInHand $a,$b', 'handle $a', 'handle $b', 'markDone $a,$b + takeInHand $c', 'handle $c', 'markDone $c']);
    assert.deepEqual(store.rows.map((r) => [r.eventId, r.status, r.attempts]), [['$a', 'done', 1], ['$b', 'done', 1], ['$c', 'done', 1]]);
  });

  it('marks what finished done when a stop comes between two batches, and leaves the next batch untouched', async () => {
    const store = new MemoryInboxStore();
    store.add('$a', '$b', '$c');
    let worker: InboxWorker | null = null;
    let stopping: Promise<void> = Promise.resolve();
    worker = workerOn(store, (event) => {
      if (event.event_id === '$b') stopping = worker?.stop() ?? Promise.resolve();
      return Promise.resolve();
    }, { batchSize: 2 });
    worker.start();
    await new Promise((resolve) => setImmediate(resolve));
    await stopping;
    assert.deepEqual(store.rows.map((r) => [r.eventId, r.status, r.attempts]), [['$a', 'done', 1], ['$b', 'done', 1], ['$c', 'pending', 0]]);
    assert.equal(await store.countAbandoned(), 0, 'the batch in hand finished: nothing to count');
  });

  it('handles again, with the attempt counted, the finished events of a batch whose done write failed', async () => {
    const store = new MemoryInboxStore();
    store.add('$a', '$b');
    const takeInHand = store.takeInHand.bind(store);
    let failed = false;
    store.takeInHand = (batch, now, doneBefore) => {
      if (doneBefore?.length && !failed) {
        failed = true;
        return Promise.reject(new Error('the database is out'));
      }
      return takeInHand(batch, now, doneBefore);
    };
    const handled: string[] = [];
    const worker = workerOn(store, (event) => {
      handled.push(event.event_id);
      return Promise.resolve();
    }, { batchSize: 1, retryBaseMs: 1 });
    worker.start();
    await waitUntil('both events done', () => store.rows.every((r) => r.status === 'done'));
    await worker.stop();
    assert.deepEqual(handled, ['$a', '$a', '$b'], '$a again: its done was in the write that failed');
    assert.deepEqual(store.rows.map((r) => [r.eventId, r.attempts]), [['$a', 2], ['$b', 1]]);
  });

  it('is not idle while events recorded during the write marking the last batch done are still due', async () => {
    const store = new MemoryInboxStore();
    store.add('$a');
    let worker: InboxWorker | null = null;
    let lateAtIdle: Promise<string> = Promise.resolve('never asked');
    const markDone = store.markDone.bind(store);
    store.markDone = async (seqs) => {
      if (store.row('$a').status === 'pending' && worker) {
        // The homeserver's next transaction is recorded, and someone asks for idle, while this write is on its way.
        store.add('$late');
        worker.wake();
        lateAtIdle = worker.idle().then(() => store.row('$late').status);
      }
      await markDone(seqs);
    };
    worker = workerOn(store, () => Promise.resolve());
    worker.start();
    await waitUntil('the late event recorded', () => store.rows.length === 2);
    assert.equal(await lateAtIdle, 'done', 'idle came only once the late event was handled');
    await worker.stop();
  });

  it('takes an event tried before on its own, so the next batch never pays for its attempts', () => {
    const event = (eventId: string, attempts: number) => ({ seq: 0, eventId, json: '{}', attempts });
    assert.deepEqual(nextBatch([event('$retried', 2), event('$new', 0)]).map((e) => e.eventId), ['$retried']);
    assert.deepEqual(nextBatch([event('$new1', 0), event('$new2', 0), event('$retried', 1), event('$new3', 0)]).map((e) => e.eventId), ['$new1', '$new2']);
    assert.deepEqual(nextBatch([]), []);
  });

  it('sets aside an event the process dies in every time, after max_attempts, and handles the events behind it', async () => {
    const store = new MemoryInboxStore();
    store.add('$poison', '$after1', '$after2');
    const handled: string[] = [];
    // Each "run" is a worker that gets stuck in the poison event for good, as a
    // process killed inside the handler would; the next run starts afresh on the same inbox.
    for (let run = 1; run <= 3; run++) {
      let reachedPoison: () => void = () => undefined;
      const stuck = new Promise<void>((resolve) => { reachedPoison = resolve; });
      const worker = workerOn(store, (event) => {
        handled.push(event.event_id);
        if (event.event_id !== '$poison') return Promise.resolve();
        reachedPoison();
        return never();
      }, { handlerTimeoutMs: HOUR_MS });
      worker.start();
      await stuck;
      assert.equal(store.inHand?.get(store.row('$poison').seq), run - 1, `run ${run} recorded its attempt before the process died`);
    }

    const worker = workerOn(store, (event) => {
      handled.push(event.event_id);
      return Promise.resolve();
    });
    worker.start();
    await worker.idle();
    await worker.stop();
    assert.equal(store.row('$poison').status, 'failed');
    assert.match(store.row('$poison').lastError ?? '', /never finished.*3 attempts/);
    assert.deepEqual([store.row('$after1').status, store.row('$after2').status], ['done', 'done']);
    assert.deepEqual(handled, ['$poison', '$poison', '$poison', '$after1', '$after2'], 'the poison event never ran a fourth time');
  });

  it('leaves a handler behind when it runs past its time limit, sets its event to be retried, and handles the next events', async () => {
    const store = new MemoryInboxStore();
    store.add('$slow', '$next');
    const worker = workerOn(store, (event) => (event.event_id === '$slow' ? never() : Promise.resolve()), { handlerTimeoutMs: 20 });
    worker.start();
    await worker.idle();
    await worker.stop();
    const slow = store.row('$slow');
    assert.deepEqual([slow.status, slow.attempts], ['pending', 1]);
    assert.ok(slow.nextAttemptAt > Date.now(), 'due again later');
    assert.match(slow.lastError ?? '', /did not finish within 0\.02 s/);
    assert.equal(store.row('$next').status, 'done');
  });

  it('sets aside an event whose last attempt ran past the time limit', async () => {
    const store = new MemoryInboxStore();
    store.add('$slow');
    const worker = workerOn(store, never, { handlerTimeoutMs: 20, maxAttempts: 1 });
    worker.start();
    await worker.idle();
    await worker.stop();
    assert.deepEqual([store.row('$slow').status, store.row('$slow').attempts], ['failed', 1]);
  });

  it('counts the attempt of a batch a stop cut short only for the events whose handlers began', async () => {
    const store = new MemoryInboxStore();
    store.add('$first', '$second');
    let worker: InboxWorker | null = null;
    let stopping: Promise<void> = Promise.resolve();
    worker = workerOn(store, () => {
      stopping = worker?.stop() ?? Promise.resolve();
      return Promise.resolve();
    });
    worker.start();
    await new Promise((resolve) => setImmediate(resolve));
    await stopping;
    assert.deepEqual(store.rows.map((r) => [r.eventId, r.status, r.attempts]), [['$first', 'done', 1], ['$second', 'pending', 0]]);
    assert.equal(store.inHand, null);
  });

  it('does not count twice an attempt whose failure was recorded before the process died', async () => {
    const store = new MemoryInboxStore();
    store.add('$failed', '$stuck');
    let reachedStuck: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => { reachedStuck = resolve; });
    const dying = workerOn(store, (event) => {
      if (event.event_id === '$failed') return Promise.reject(new Error('boom'));
      reachedStuck();
      return never();
    }, { handlerTimeoutMs: HOUR_MS });
    dying.start();
    await stuck;
    assert.equal(store.row('$failed').attempts, 1, 'its failure recorded its attempt');

    const next = workerOn(store, () => Promise.resolve());
    next.start();
    await next.idle();
    await next.stop();
    assert.deepEqual(store.rows.map((r) => [r.eventId, r.attempts]), [['$failed', 1], ['$stuck', 2]], '$stuck: the attempt it died in, then the one that finished');
  });

  it('passes each handler the attempt it is on, counting the ones the process died in', async () => {
    const store = new MemoryInboxStore();
    store.add('$e');
    store.row('$e').attempts = 2;
    const attempts: number[] = [];
    const worker = new InboxWorker({
      store, log: silentLogger(), maxAttempts: 5, retryBaseMs: HOUR_MS, retryMaxMs: HOUR_MS, batchSize: 10,
      handle: (_event, delivery) => { attempts.push(delivery.attempt); return Promise.resolve(); },
    });
    worker.start();
    await worker.idle();
    await worker.stop();
    assert.deepEqual(attempts, [3]);
    assert.equal(store.row('$e').attempts, 3);
  });

  it('forgets, once idle, the events it finished with longer ago than it keeps them, and keeps pending and recent ones', async () => {
    const DAY_MS = 24 * HOUR_MS;
    const store = new MemoryInboxStore();
    store.addReceivedAt(0, '$old-done', '$old-failed', '$old-waiting');
    store.addReceivedAt(9 * DAY_MS, '$recent');
    Object.assign(store.row('$old-done'), { status: 'done' });
    Object.assign(store.row('$old-failed'), { status: 'failed' });
    // A retry far off: still pending, however old.
    Object.assign(store.row('$old-waiting'), { attempts: 1, nextAttemptAt: 20 * DAY_MS });
    const worker = workerOn(store, () => Promise.resolve(), { keepDays: 7, now: () => 10 * DAY_MS });
    worker.start();
    await worker.idle();
    await worker.idle();
    await worker.stop();
    assert.deepEqual(store.rows.map((r) => [r.eventId, r.status]), [['$old-waiting', 'pending'], ['$recent', 'done']]);
  });

  it('forgets a large backlog a chunk at a time, then looks again only an hour later', async () => {
    const store = new MemoryInboxStore();
    const ids = Array.from({ length: FORGET_CHUNK * 2 + 5 }, (_, i) => `$e${i}`);
    store.addReceivedAt(0, ...ids);
    for (const row of store.rows) row.status = 'done';
    let now = 2 * 24 * HOUR_MS;
    const worker = workerOn(store, () => Promise.resolve(), { keepDays: 1, now: () => now });
    const forgetting = () => store.writes.filter((w) => w.startsWith('forgetSettled')).length;
    worker.start();
    // Each wake-up may interrupt the clean-up between chunks; the next idle moment goes on.
    await waitUntil('every old event is forgotten', () => store.rows.length === 0, () => worker.idle());
    await worker.idle();
    assert.equal(forgetting(), 3, 'two full chunks and the rest');
    now += FORGET_EVERY_MS - 1;
    await worker.idle();
    await worker.idle();
    assert.equal(forgetting(), 3, 'not again within the hour');
    now += 1;
    await worker.idle();
    await worker.idle();
    await worker.stop();
    assert.equal(forgetting(), 4);
  });

  it('wakes for the retry it set, and asks the database when the next retry comes only at the start and once one came due', async () => {
    class CountingStore extends MemoryInboxStore {
      asked = 0;
      override nextDueTime(): Promise<number | null> {
        this.asked++;
        return super.nextDueTime();
      }
    }
    const store = new CountingStore();
    store.add('$flaky');
    let failures = 1;
    const worker = workerOn(store, () => (failures-- > 0 ? Promise.reject(new Error('once')) : Promise.resolve()), { retryBaseMs: 20, idlePollMs: HOUR_MS });
    worker.start();
    // Nothing wakes the worker but the retry's own time: the idle poll is an hour.
    await waitUntil('the retry is done', () => store.row('$flaky').status === 'done');
    for (let i = 0; i < 5; i++) {
      store.add(`$new${i}`);
      await worker.idle();
    }
    await worker.stop();
    assert.equal(store.row('$flaky').attempts, 2);
    assert.equal(store.asked, 2, 'at the start, and after the retry came due');
  });
});
