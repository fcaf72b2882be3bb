// npm run bench [-- <name>...]: runs the named benchmarks (all by default),
// each several times, and prints a BENCH line for each, then a table. Exits
// non-zero when any benchmark failed, after all of them ran.
import { configureLogging } from '../src/logging/logger.ts';
import { scratchDatabase } from '../test/support/databases.ts';
import { failureLine, type BenchResult } from './report.ts';
import { runBenchmarks, RUNS, type Benchmark } from './runner.ts';
import { untilQuiet } from './quiet.ts';
import { transactionIngest } from './transaction-ingest.ts';
import { aclPropagation } from './acl-propagation.ts';
import { bugleFanout, bugleFanoutEncrypted } from './bugle-fanout.ts';
import { neighborhoodConvergence } from './neighborhood-convergence.ts';
import { idleMemory, idleMemoryEncrypted } from './idle-memory.ts';
import { coldStart } from './cold-start.ts';
import { peakMemory } from './peak-memory.ts';

/** Each run on a fresh scratch database, dropped afterwards. */
function onScratch(engine: 'sqlite' | 'postgres', name: string, target: number): Benchmark {
  return () => Promise.resolve(async (): Promise<BenchResult> => {
    const database = await scratchDatabase(engine);
    try {
      return { ...(await transactionIngest(name, database)), target: { ratio: target } };
    } finally {
      await database.drop();
    }
  });
}

const BENCHMARKS = new Map<string, Benchmark>([
  ['transaction-ingest', onScratch('sqlite', 'transaction-ingest', 2.0)],
  ['transaction-ingest-postgres', onScratch('postgres', 'transaction-ingest-postgres', 3.0)],
  ['acl-propagation', aclPropagation],
  ['bugle-fanout', bugleFanout],
  ['bugle-fanout-encrypted', bugleFanoutEncrypted],
  ['neighborhood-convergence', neighborhoodConvergence],
  ['cold-start', coldStart],
  ['idle-memory', idleMemory],
  ['idle-memory-encrypted', idleMemoryEncrypted],
  ['peak-memory', peakMemory],
]);

async function main(names: readonly string[]): Promise<void> {
  configureLogging({ level: 'error', format: 'text' });
  const unknown = names.filter((n) => !BENCHMARKS.has(n));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${[...BENCHMARKS.keys()].join(', ')}`);
  const chosen = names.length > 0 ? new Map([...BENCHMARKS].filter(([name]) => names.includes(name))) : BENCHMARKS;
  const print = (line: string): void => { process.stdout.write(line + '\n'); };
  // Each timed run starts on a quiet machine: the work the run before set going is not timed as its own.
  const settle = async (): Promise<void> => {
    const { quiet, waitedMs } = await untilQuiet();
    if (!quiet) print(`bench: the machine was still busy after ${(waitedMs / 1000).toFixed(0)} s; running all the same`);
  };
  const { failed } = await runBenchmarks(chosen, print, RUNS, settle);
  if (failed.length > 0) {
    process.stderr.write(`bench: ${failed.length} benchmark(s) failed: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

// A stray promise of one benchmark (a poll left running after its run failed)
// must not end the run for the others: it is reported, and fails the run.
process.on('unhandledRejection', (error: unknown) => {
  process.stdout.write(failureLine('a stray promise', error) + '\n');
  process.exitCode = 1;
});

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
