// The inbox worker never stays stuck on one event: each attempt is counted
// before its handler runs, so an event the process dies in uses up its
// attempts and is set aside; a handler that runs too long is left behind and
// its event retried, while the events after it are handled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MatrixEvent } from '../../src/matrix/event.ts';
import { InboxWorker, nextBatch, type InboxWorkerOptions } from '../../src/matrix/inbox/worker.ts';
import { MemoryInboxStore } from '../support/memory-inbox-store.ts';
import { silentLogger } from '../support/silent-logger.ts';

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
  it('records the attempts of a whole batch in one write, before any handler runs', async () => {
    const store = new MemoryInboxStore();
    store.add('$a', '$b', '$c');
    const worker = workerOn(store, (event) => {
      store.writes.push(`handle ${event.event_id}`);
      return Promise.resolve();
    });
    worker.start();
    await worker.idle();
    await worker.stop();
    assert.deepEqual(store.writes, ['recordAttempts $a,$b,$c', 'handle $a', 'handle $b', 'handle $c', 'markDone $a,$b,$c']);
    assert.deepEqual(store.rows.map((r) => [r.eventId, r.status, r.attempts]), [['$a', 'done', 1], ['$b', 'done', 1], ['$c', 'done', 1]]);
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
      assert.equal(store.row('$poison').attempts, run, `run ${run} counted its attempt before the process died`);
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
});
