// Runs benchmarks one after the other, each several times: on a noisy 2-core
// machine one run says little, the median of three says more. A benchmark that
// fails (in its set-up or in any run) is reported with its error and the next
// one still runs, so one failure never hides the others.
import { benchLine, failureLine, summarise, table, type BenchResult, type BenchSummary } from './report.ts';

/** One timed run; several names when one run measures several things (peak memory and its recovery). */
export type Trial = () => Promise<BenchResult | BenchResult[]>;

/** Sets up what every run shares (members, rooms, a neighborhood), untimed, and returns the run. */
export type Benchmark = () => Promise<Trial>;

export const RUNS = 3;

export interface RunOutcome {
  summaries: BenchSummary[];
  /** Names of the benchmarks with at least one failed run or a failed set-up. */
  failed: string[];
}

/** What runs before each timed run, untimed: by default nothing. */
export type BeforeRun = () => Promise<void>;

async function runOne(name: string, benchmark: Benchmark, runs: number, print: (line: string) => void, beforeRun: BeforeRun): Promise<{ results: BenchResult[]; failed: boolean }> {
  let trial: Trial;
  try {
    trial = await benchmark();
  } catch (error) {
    print(failureLine(name, error));
    return { results: [], failed: true };
  }
  const results: BenchResult[] = [];
  let failed = false;
  for (let run = 1; run <= runs; run++) {
    try {
      await beforeRun();
      results.push(...[await trial()].flat());
    } catch (error) {
      print(failureLine(`${name} (run ${run} of ${runs})`, error));
      failed = true;
    }
  }
  for (const summary of summarise(results)) print(benchLine(summary));
  return { results, failed };
}

export async function runBenchmarks(
  benchmarks: ReadonlyMap<string, Benchmark>,
  print: (line: string) => void,
  runs = RUNS,
  beforeRun: BeforeRun = () => Promise.resolve(),
): Promise<RunOutcome> {
  const results: BenchResult[] = [];
  const failed: string[] = [];
  for (const [name, benchmark] of benchmarks) {
    const outcome = await runOne(name, benchmark, runs, print, beforeRun);
    results.push(...outcome.results);
    if (outcome.failed) failed.push(name);
  }
  const summaries = summarise(results);
  print('\n' + table(summaries, failed));
  return { summaries, failed };
}
