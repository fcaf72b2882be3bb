// npm run bench [-- <name>...]: runs the named benchmarks (all by default) and
// prints a BENCH line for each, then a table.
import { configureLogging } from '../src/logging/logger.ts';
import { scratchDatabase } from '../test/support/databases.ts';
import { benchLine, table, type BenchResult } from './report.ts';
import { transactionIngest } from './transaction-ingest.ts';
import { aclPropagation } from './acl-propagation.ts';
import { bugleFanout, bugleFanoutEncrypted } from './bugle-fanout.ts';
import { neighborhoodConvergence } from './neighborhood-convergence.ts';
import { idleMemory } from './idle-memory.ts';

type Benchmark = () => Promise<BenchResult>;

async function withScratch(engine: 'sqlite' | 'postgres', run: (db: Awaited<ReturnType<typeof scratchDatabase>>) => Promise<BenchResult>): Promise<BenchResult> {
  const database = await scratchDatabase(engine);
  try {
    return await run(database);
  } finally {
    await database.drop();
  }
}

const BENCHMARKS: Readonly<Record<string, Benchmark>> = {
  'transaction-ingest': () => withScratch('sqlite', (db) => transactionIngest('transaction-ingest', db)),
  'transaction-ingest-postgres': () => withScratch('postgres', (db) => transactionIngest('transaction-ingest-postgres', db)),
  'acl-propagation': aclPropagation,
  'bugle-fanout': bugleFanout,
  'bugle-fanout-encrypted': bugleFanoutEncrypted,
  'neighborhood-convergence': neighborhoodConvergence,
  'idle-memory': idleMemory,
};

async function main(names: readonly string[]): Promise<void> {
  configureLogging({ level: 'error', format: 'text' });
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  const results: BenchResult[] = [];
  for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) {
    const result = await BENCHMARKS[name]?.();
    if (!result) continue;
    process.stdout.write(benchLine(result) + '\n');
    results.push(result);
  }
  process.stdout.write('\n' + table(results) + '\n');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
