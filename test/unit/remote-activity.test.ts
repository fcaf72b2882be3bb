import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTIVITY_PRECISION_MS, REMEMBERED_ACCOUNTS, RemoteActivity } from '../../src/federation/remote-activity.ts';

function counting(): { activity: RemoteActivity; writes: [string, number][] } {
  const writes: [string, number][] = [];
  const activity = new RemoteActivity({ sawRemoteActivity: (userId, at) => { writes.push([userId, at]); return Promise.resolve(); } });
  return { activity, writes };
}

describe('remote activity', () => {
  it('does not write a sign older than the one written: the store keeps the latest anyway', async () => {
    const { activity, writes } = counting();
    await activity.saw('@a:hood.test', 10 * ACTIVITY_PRECISION_MS);
    await activity.saw('@a:hood.test', 2 * ACTIVITY_PRECISION_MS);
    assert.deepEqual(writes, [['@a:hood.test', 10 * ACTIVITY_PRECISION_MS]]);
  });

  it('writes the sign again when its write failed, since nothing was kept', async () => {
    let fail = true;
    const written: number[] = [];
    const activity = new RemoteActivity({
      sawRemoteActivity: (_userId, at) => {
        if (fail) return Promise.reject(new Error('the database is down'));
        written.push(at);
        return Promise.resolve();
      },
    });
    await assert.rejects(activity.saw('@a:hood.test', 5), /the database is down/);
    fail = false;
    await activity.saw('@a:hood.test', 6);
    assert.deepEqual(written, [6]);
  });

  it('remembers a bounded number of accounts, and starts afresh past it', async () => {
    const { activity, writes } = counting();
    for (let i = 0; i < REMEMBERED_ACCOUNTS; i++) await activity.saw(`@u${i}:hood.test`, 1);
    await activity.saw('@u0:hood.test', 2);
    assert.equal(writes.length, REMEMBERED_ACCOUNTS, 'still remembered');
    await activity.saw('@one-more:hood.test', 1);
    await activity.saw('@u0:hood.test', 3);
    assert.equal(writes.length, REMEMBERED_ACCOUNTS + 2, 'forgotten when the memory started afresh, so written again');
  });
});
