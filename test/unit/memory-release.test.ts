import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { GROWTH_BYTES, QUIET_UTILIZATION, shouldRelease, startMemoryRelease, type ExposedGc } from '../../src/lifecycle/memory-release.ts';
import { silentLogger } from '../support/silent-logger.ts';

const MIB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('giving memory back after a burst of work', () => {
  it('collects once the process is quiet and its heap grew well past where it rested', () => {
    assert.equal(shouldRelease({ heapTotal: 60 * MIB, restingHeap: 35 * MIB, utilization: 0.01 }), true);
  });

  it('leaves a busy process alone, however grown: the burst is not over', () => {
    assert.equal(shouldRelease({ heapTotal: 60 * MIB, restingHeap: 35 * MIB, utilization: QUIET_UTILIZATION + 0.01 }), false);
  });

  it('leaves a heap that only breathes alone', () => {
    assert.equal(shouldRelease({ heapTotal: 35 * MIB + GROWTH_BYTES - 1, restingHeap: 35 * MIB, utilization: 0 }), false);
  });

  it('does nothing without an exposed gc', () => {
    assert.equal(startMemoryRelease({ log: silentLogger(), gc: null }), null);
  });

  it('collects after the start and after a burst, then rests at the heap the collection left', async () => {
    let heap = 30 * MIB;
    let busy = 0.5;
    const collections: number[] = [];
    const gc: ExposedGc = () => {
      collections.push(heap);
      heap = 31 * MIB;
      return Promise.resolve();
    };
    const release = startMemoryRelease({ log: silentLogger(), gc, checkEveryMs: 5, heapTotal: () => heap, utilization: () => busy });
    try {
      busy = 0.01;
      await sleep(30);
      assert.deepEqual(collections, [30 * MIB], 'the start counts as a burst: the first quiet look collects');
      collections.length = 0;
      busy = 0.5;
      heap = 70 * MIB; // the burst
      await sleep(30);
      assert.deepEqual(collections, [], 'nothing is collected while the burst goes on');
      busy = 0.01;
      await sleep(30);
      assert.deepEqual(collections, [70 * MIB], 'one collection once quiet');
      await sleep(30);
      assert.equal(collections.length, 1, 'a heap back at rest is not collected again');
    } finally {
      release?.stop();
    }
  });

  it('with V8\'s own gc exposed, a heap grown by a burst is given back once the process is quiet', async () => {
    // A process of its own: only there is `gc` exposed, as `node --expose-gc` exposes it to Hearth.
    const child = `
      import { startMemoryRelease } from ${JSON.stringify(new URL('../../src/lifecycle/memory-release.ts', import.meta.url).href)};
      const said = [];
      const log = { debug: (message) => said.push(message), info() {}, warn: (message) => said.push(message), error() {}, child: () => log };
      const release = startMemoryRelease({ log, checkEveryMs: 100 });
      let burst = Array.from({ length: 300_000 }, (_, i) => ({ text: 'x'.repeat(40) + i, list: [i, i + 1] }));
      const grown = process.memoryUsage().heapTotal;
      burst = null;
      for (let waited = 0; !said.includes('gave back memory after a burst of work') && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      release.stop();
      console.log(JSON.stringify({ grown, after: process.memoryUsage().heapTotal, said }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--input-type=module', '-e', child]);
    const { grown, after, said } = JSON.parse(stdout) as { grown: number; after: number; said: string[] };
    assert.deepEqual(said, ['gave back memory after a burst of work']);
    assert.ok(after < grown - 20 * MIB, `the heap went from ${Math.round(grown / MIB)} MiB to ${Math.round(after / MIB)} MiB`);
  });
});
