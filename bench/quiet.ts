// Waits for the machine to go quiet before a timed run. What one benchmark
// sets going (a new neighbor's invitations, joins and ACLs federating between
// three homeservers) goes on for seconds after its run ends, on the same two
// cores, and was timed as the next benchmark's start. Read from the CPU
// counters of /proc/stat, over half-second windows.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const WINDOW_MS = 500;
/** Below this share of every CPU in use, the machine counts as quiet. */
const QUIET_SHARE = 0.15;
/** Two quiet windows in a row: one may fall between two bursts. */
const QUIET_WINDOWS = 2;
const MOST_MS = 60_000;

function cpuTicks(): { busy: number; total: number } {
  const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const ticks = first.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, n) => sum + n, 0);
  // idle and iowait: a CPU waiting for the disk is free for other work.
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, total };
}

async function busyShare(ms: number): Promise<number> {
  const before = cpuTicks();
  await sleep(ms);
  const after = cpuTicks();
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : 0;
}

/** Resolves once the CPUs were quiet for a second, or after a minute; says whether they were. */
export async function untilQuiet(): Promise<{ quiet: boolean; waitedMs: number }> {
  const started = performance.now();
  let quietInARow = 0;
  while (performance.now() - started < MOST_MS) {
    quietInARow = (await busyShare(WINDOW_MS)) < QUIET_SHARE ? quietInARow + 1 : 0;
    if (quietInARow >= QUIET_WINDOWS) return { quiet: true, waitedMs: performance.now() - started };
  }
  return { quiet: false, waitedMs: performance.now() - started };
}
