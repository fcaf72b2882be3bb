import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepQueue } from '../../src/matrix/crypto/step-queue.ts';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('a crypto device\'s step queue', () => {
  it('runs one step at a time, in the order they were asked for, past a failing one', async () => {
    const queue = new StepQueue();
    const log: string[] = [];
    const step = (name: string, fail = false) => queue.run(async () => {
      log.push(`${name} begins`);
      await tick();
      log.push(`${name} ends`);
      if (fail) throw new Error(name);
    });
    const results = await Promise.allSettled([step('a'), step('b', true), step('c')]);
    assert.deepEqual(log, ['a begins', 'a ends', 'b begins', 'b ends', 'c begins', 'c ends']);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  });

  it('a burst of encryptions shares one save, and none of them is answered before a save that came after it', async () => {
    const queue = new StepQueue();
    let stepsDone = 0;
    const saves: number[] = [];
    const answered: { step: number; savedThrough: number }[] = [];
    await Promise.all(Array.from({ length: 10 }, async () => {
      const mine = await queue.run(async () => {
        await tick();
        return ++stepsDone;
      });
      await queue.runShared('save', async () => {
        await tick();
        saves.push(stepsDone);
      });
      answered.push({ step: mine, savedThrough: saves.at(-1) ?? 0 });
    }));
    assert.deepEqual(saves, [10], 'one save, after all ten steps');
    for (const { step, savedThrough } of answered) assert.ok(savedThrough >= step, `step ${step} was answered after a save through step ${savedThrough}`);
  });

  it('a step that ends after a save began waits for the next save', async () => {
    const queue = new StepQueue();
    const saved: string[] = [];
    const first = queue.run(() => Promise.resolve('first')).then(async () => queue.runShared('save', async () => { saved.push('save 1'); await tick(); }));
    await tick();
    // The first save is running or done: a step queued now is not in it.
    const second = queue.run(() => Promise.resolve('second')).then(async () => queue.runShared('save', () => { saved.push('save 2'); return Promise.resolve(); }));
    await Promise.all([first, second]);
    assert.deepEqual(saved, ['save 1', 'save 2']);
  });

  it('a save that fails fails every caller that shared it, and the next save is tried afresh', async () => {
    const queue = new StepQueue();
    let tries = 0;
    const save = (): Promise<void> => {
      tries++;
      return tries === 1 ? Promise.reject(new Error('the database is away')) : Promise.resolve();
    };
    const burst = await Promise.allSettled([1, 2, 3].map(async () => {
      await queue.run(() => Promise.resolve());
      await queue.runShared('save', save);
    }));
    assert.deepEqual(burst.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    await queue.run(() => Promise.resolve());
    await queue.runShared('save', save);
    assert.equal(tries, 2);
  });
});
