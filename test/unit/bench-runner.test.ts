// How `npm run bench` reports: each benchmark run several times and summarised
// by its median, and a failing benchmark reported without hiding the others.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, summarise, type BenchResult } from '../../bench/report.ts';
import { runBenchmarks, type Benchmark } from '../../bench/runner.ts';

function result(name: string, hearth: number, baseline: number): BenchResult {
  return { name, hearth, baseline, unit: 'ms', note: 'measured', target: { ratio: 2 } };
}

/** A benchmark whose runs return these figures of Hearth, against a baseline of 100. */
function figures(name: string, ...hearth: number[]): Benchmark {
  return () => {
    const queue = [...hearth];
    return Promise.resolve(() => Promise.resolve(result(name, queue.shift() ?? NaN, 100)));
  };
}

async function run(benchmarks: [string, Benchmark][]): Promise<{ lines: string[]; failed: string[] }> {
  const lines: string[] = [];
  const { failed } = await runBenchmarks(new Map(benchmarks), (line) => { lines.push(line); });
  return { lines, failed };
}

describe('benchmark summaries', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    assert.equal(median([300, 100, 200]), 200);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it('reports the median ratio with the smallest and the largest', () => {
    const [summary] = summarise([result('x', 150, 100), result('x', 300, 100), result('x', 200, 100)]);
    assert.deepEqual([summary?.ratio, summary?.minRatio, summary?.maxRatio, summary?.runs], [2, 1.5, 3, 3]);
  });
});

describe('npm run bench', () => {
  it('runs each benchmark three times and prints its median ratio with min and max', async () => {
    const { lines, failed } = await run([['ingest', figures('ingest', 250, 150, 200)]]);
    assert.deepEqual(failed, []);
    assert.equal(lines[0], 'BENCH ingest hearth_ms=200 baseline_ms=100 ratio=2.00 min=1.50 max=2.50 runs=3');
  });

  it('prints a failing benchmark\'s error and still runs the ones after it', async () => {
    const broken: Benchmark = () => Promise.reject(new Error('the testbed is down'));
    const { lines, failed } = await run([['broken', broken], ['after', figures('after', 100, 100, 100)]]);
    assert.deepEqual(failed, ['broken']);
    assert.match(lines[0] ?? '', /^BENCH broken FAILED Error: the testbed is down/);
    assert.match(lines[1] ?? '', /^BENCH after .* ratio=1\.00/);
    assert.match(lines.at(-1) ?? '', /broken .*FAILED/);
  });

  it('keeps the runs that worked when one run fails, and still counts the benchmark as failed', async () => {
    let calls = 0;
    const flaky: Benchmark = () => Promise.resolve(() => (++calls === 2 ? Promise.reject(new Error('a timeout')) : Promise.resolve(result('flaky', 120, 100))));
    const { lines, failed } = await run([['flaky', flaky]]);
    assert.deepEqual(failed, ['flaky']);
    assert.match(lines[0] ?? '', /^BENCH flaky \(run 2 of 3\) FAILED Error: a timeout/);
    assert.match(lines[1] ?? '', /^BENCH flaky .* ratio=1\.20 min=1\.20 max=1\.20 runs=2$/);
  });

  it('says in the table whether each median meets its target', async () => {
    const { lines } = await run([['fast', figures('fast', 150, 150, 150)], ['slow', figures('slow', 300, 300, 300)]]);
    const table = lines.at(-1) ?? '';
    assert.match(table, /fast .*≤2\.00× +met/);
    assert.match(table, /slow .*≤2\.00× +NOT met/);
  });
});
