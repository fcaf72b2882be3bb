// The job runner on a fake clock: waits pass at once and are recorded, so a
// five-minute outage takes no real time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GiveUp, JobRunner, type Clock, type ItemContext, type ItemNote, type JobCounts, type JobKind, type OpenJob } from '../../src/jobs/index.ts';
import { MatrixError } from '../../src/matrix/matrix-error.ts';
import { MemoryJobsStore } from '../support/memory-jobs-store.ts';
import { recordingLogger, type LogLine } from '../support/recording-logger.ts';

class FakeClock implements Clock {
  time = 0;
  readonly waits: number[] = [];

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.waits.push(ms);
    this.time += ms;
    await Promise.resolve();
  }
}

/** A clock whose waits end only at the stop: a job caught in one is what a stop finds. */
class StoppedClock extends FakeClock {
  override sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.waits.push(ms);
    return new Promise((resolve) => { signal.addEventListener('abort', () => { resolve(); }, { once: true }); });
  }
}

const connectionRefused = (): Error => new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:18008'), { code: 'ECONNREFUSED' }) });
const badGateway = (): MatrixError => new MatrixError({ error: 'Bad Gateway' }, 502);
const rateLimited = (ms: number): MatrixError => new MatrixError({ errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: ms }, 429);
const tooLarge = (): MatrixError => new MatrixError({ errcode: 'M_TOO_LARGE', error: 'event too large' }, 413);

interface Setup {
  runner: JobRunner;
  store: MemoryJobsStore;
  clock: FakeClock;
  stop: AbortController;
  lines: LogLine[];
  finished: JobCounts[];
}

function setUp(runItem: (item: ItemContext) => Promise<ItemNote>, options: { kind?: Partial<JobKind>; open?: Partial<OpenJob>; clock?: FakeClock; store?: MemoryJobsStore } = {}): Setup {
  const store = options.store ?? new MemoryJobsStore();
  const clock = options.clock ?? new FakeClock();
  const stop = new AbortController();
  const lines: LogLine[] = [];
  const finished: JobCounts[] = [];
  const runner = new JobRunner({ store, log: recordingLogger(lines), stop: stop.signal, clock });
  runner.register({
    name: 'test', concurrency: 1, itemDelayMs: 0,
    open: () => Promise.resolve({ runItem, finished: (counts) => { finished.push(counts); return Promise.resolve(); }, ...options.open }),
    ...options.kind,
  });
  return { runner, store, clock, stop, lines, finished };
}

/** Fails with each error of the script in turn, then succeeds. */
function scripted(...errors: Error[]): (item: ItemContext) => Promise<ItemNote> {
  return () => {
    const next = errors.shift();
    return next ? Promise.reject(next) : Promise.resolve(undefined);
  };
}

describe('the job runner', () => {
  it('tries an item again after a transient error, waiting twice as long each time up to 30 s', async () => {
    const failures = [connectionRefused(), badGateway(), connectionRefused(), connectionRefused(), badGateway(), connectionRefused(), connectionRefused(), connectionRefused()];
    const { runner, store, clock, finished } = setUp(scripted(...failures));
    const job = await runner.enqueue('test', 'one item', ['a']);
    await runner.idle();
    assert.deepEqual(clock.waits, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    assert.deepEqual({ ...store.item(job.id, 'a') }, { key: 'a', status: 'done', attempts: 9, txnId: null, lastError: null, note: null });
    assert.equal(finished.length, 1);
    assert.notEqual(store.job(job.id).record.finishedAt, null);
  });

  it('waits out a 429 as long as asked, a minute at most, and never counts it as a failure', async () => {
    const { runner, store, clock } = setUp(scripted(rateLimited(2_000), connectionRefused(), rateLimited(3_600_000), rateLimited(500), connectionRefused(), rateLimited(10)));
    const job = await runner.enqueue('test', 'one item', ['a']);
    await runner.idle();
    assert.deepEqual(clock.waits, [2_000, 500, 60_000, 500, 1_000, 10], 'the backoff after the second failure is the second step, whatever the 429s between');
    assert.equal(store.item(job.id, 'a').status, 'done');
    assert.equal(store.item(job.id, 'a').attempts, 7, 'every try is counted, 429s too');
  });

  it('rides out a homeserver outage of five minutes and finishes every item once it is back', async () => {
    const clock = new FakeClock();
    const backAt = 5 * 60_000;
    const sent: string[] = [];
    const { runner, store, finished } = setUp(({ key }) => {
      if (clock.now() < backAt) return Promise.reject(clock.now() % 2 === 0 ? connectionRefused() : badGateway());
      sent.push(key);
      return Promise.resolve(undefined);
    }, { clock, kind: { concurrency: 2 } });
    const job = await runner.enqueue('test', 'during an outage', ['a', 'b', 'c', 'd']);
    await runner.idle();
    assert.deepEqual(sent.sort(), ['a', 'b', 'c', 'd'], 'each item once');
    assert.deepEqual(finished, [{ total: 4, pending: 0, done: 4, failed: 0, refused: 0 }]);
    assert.ok(clock.now() >= backAt);
    assert.ok(clock.waits.every((ms) => ms <= 30_000), 'no wait longer than the cap');
    assert.ok(store.item(job.id, 'a').attempts > 6, 'more tries than the old limit of six');
  });

  it('sets an item the homeserver refused for good aside at once, with the reason, and goes on', async () => {
    const { runner, store, clock, finished } = setUp(({ key }) => (key === 'b' ? Promise.reject(new Error('while sending', { cause: tooLarge() })) : Promise.resolve(undefined)));
    const job = await runner.enqueue('test', 'one refusal', ['a', 'b', 'c']);
    await runner.idle();
    assert.deepEqual({ ...store.item(job.id, 'b') }, { key: 'b', status: 'failed', attempts: 1, txnId: null, lastError: 'refused for good: M_TOO_LARGE (413): event too large', note: null });
    assert.deepEqual(clock.waits, []);
    assert.deepEqual(finished, [{ total: 3, pending: 0, done: 2, failed: 1, refused: 0 }]);
    assert.notEqual(store.job(job.id).record.finishedAt, null, 'a job with a failed item is finished all the same');
  });

  it('records a refusal its kind expects as refused, and a GiveUp as failed', async () => {
    const blocked = new MatrixError({ errcode: 'M_INVITE_BLOCKED', error: 'no invitations' }, 403);
    const { runner, store } = setUp(({ key }) => Promise.reject(key === 'a' ? blocked : new GiveUp('no admin token')), {
      open: { refusalStatus: (error) => (error === blocked ? 'refused' : 'failed') },
    });
    const job = await runner.enqueue('test', 'refusals', ['a', 'b']);
    await runner.idle();
    assert.deepEqual([store.item(job.id, 'a').status, store.item(job.id, 'b').status, store.item(job.id, 'b').lastError], ['refused', 'failed', 'no admin token']);
  });

  it('ends a job between items at the stop, leaves the rest pending, and resumes it at the next start', async () => {
    const store = new MemoryJobsStore();
    const done: string[] = [];
    const first = setUp(({ key }) => {
      done.push(key);
      if (key === 'b') first.stop.abort();
      return Promise.resolve(undefined);
    }, { store });
    const job = await first.runner.enqueue('test', 'stopped halfway', ['a', 'b', 'c', 'd']);
    await first.runner.idle();
    assert.deepEqual(done, ['a', 'b'], 'the item in hand finishes; no other starts');
    assert.deepEqual(store.job(job.id).items.map((i) => i.status), ['done', 'done', 'pending', 'pending']);
    assert.equal(store.job(job.id).record.finishedAt, null);
    assert.deepEqual(first.finished, []);

    const second = setUp(({ key }) => { done.push(key); return Promise.resolve(undefined); }, { store });
    await second.runner.resume('test');
    await second.runner.idle();
    assert.deepEqual(done, ['a', 'b', 'c', 'd'], 'each item once, across the restart');
    assert.notEqual(store.job(job.id).record.finishedAt, null);
  });

  it('cuts a wait short at the stop; the item stays pending with its try recorded', async () => {
    const { runner, store, clock, stop } = setUp(scripted(connectionRefused()), { clock: new StoppedClock() });
    const job = await runner.enqueue('test', 'waiting', ['a']);
    while (clock.waits.length === 0) await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    await runner.idle();
    assert.deepEqual({ ...store.item(job.id, 'a') }, { key: 'a', status: 'pending', attempts: 1, txnId: null, lastError: 'fetch failed', note: null });
    assert.equal(store.job(job.id).record.finishedAt, null);
  });

  it('goes on when a progress notice cannot be sent, and still finishes the job', async () => {
    const clock = new FakeClock();
    let notices = 0;
    const { runner, store, lines, finished } = setUp(() => { clock.time += 1_000; return Promise.resolve(undefined); }, {
      clock,
      kind: { progressEveryMs: 1_000 },
      open: { progress: () => { notices++; return Promise.reject(connectionRefused()); } },
    });
    const job = await runner.enqueue('test', 'with progress', ['a', 'b', 'c', 'd']);
    await runner.idle();
    assert.equal(notices, 3, 'one after each item but the last');
    assert.deepEqual(store.job(job.id).items.map((i) => i.status), ['done', 'done', 'done', 'done']);
    assert.equal(finished.length, 1);
    assert.notEqual(store.job(job.id).record.finishedAt, null);
    assert.ok(lines.some((l) => l.level === 'warn' && /could not report a job's progress/.test(l.message)));
  });

  it('marks a job finished even when its final report is refused for good', async () => {
    const { runner, store, lines } = setUp(scripted(), { open: { finished: () => Promise.reject(tooLarge()) } });
    const job = await runner.enqueue('test', 'report refused', ['a']);
    await runner.idle();
    assert.notEqual(store.job(job.id).record.finishedAt, null);
    assert.ok(lines.some((l) => l.level === 'error' && /reporting the job finished failed for good/.test(l.message)));
  });

  it('keeps an item\'s transaction ID from its first try, and says a later try reuses it, even after a restart', async () => {
    const store = new MemoryJobsStore();
    const seen: { txnId: string; reused: boolean }[] = [];
    const first = setUp(async (item) => {
      seen.push(await item.transactionId(() => `txn.${item.key}.${seen.length}`));
      if (seen.length === 1) throw badGateway();
      first.stop.abort();
      throw connectionRefused();
    }, { store });
    const job = await first.runner.enqueue('test', 'a message', ['a']);
    await first.runner.idle();
    assert.equal(store.item(job.id, 'a').status, 'pending');

    const second = setUp(async (item) => { seen.push(await item.transactionId(() => 'a new one')); return undefined; }, { store });
    await second.runner.resume('test');
    await second.runner.idle();
    assert.deepEqual(seen, [{ txnId: 'txn.a.0', reused: false }, { txnId: 'txn.a.0', reused: true }, { txnId: 'txn.a.0', reused: true }]);
    assert.equal(store.item(job.id, 'a').status, 'done');
  });
});
