// Gives back the memory a burst of work leaves behind. After a broadcast or an
// ACL push to every room, V8 keeps the heap it grew for it: its own memory
// reducer did not shrink it, not in minutes, and on a small board that memory
// belongs to Synapse and the system. So once the process is quiet again and its
// heap is well above where it rested, one last-resort collection (the kind that
// compacts and returns empty pages) brings it back. It needs `gc`, which Node
// exposes with `--expose-gc` (docs/operations.md, "Running on a small board");
// without it nothing is done.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logging/logger.ts';

/** The collection V8 offers under `--expose-gc`; `last-resort` is the one that returns memory. */
export type ExposedGc = (options: { type: 'major'; execution: 'async'; flavor: 'last-resort' }) => Promise<void>;

export interface HeapReading {
  /** V8's committed heap now (process.memoryUsage().heapTotal). */
  heapTotal: number;
  /** The committed heap after the last release, or the least seen since; 0 before the first. */
  restingHeap: number;
  /** The event loop's busy share since the last look, 0 to 1. */
  utilization: number;
}

/** Quiet: the event loop was busy for at most this share of the last interval. */
export const QUIET_UTILIZATION = 0.05;
/** Growth worth a collection: less is the heap's ordinary breathing. */
export const GROWTH_BYTES = 8 * 1024 * 1024;
const CHECK_EVERY_MS = 10_000;

/** Pure: collect now when the burst is over and it left the heap grown. */
export function shouldRelease(reading: HeapReading): boolean {
  return reading.utilization <= QUIET_UTILIZATION && reading.heapTotal >= reading.restingHeap + GROWTH_BYTES;
}

export function exposedGc(): ExposedGc | null {
  const candidate: unknown = Reflect.get(globalThis, 'gc');
  return typeof candidate === 'function' ? (candidate as ExposedGc) : null;
}

export interface MemoryReleaseOptions {
  log: Logger;
  gc?: ExposedGc | null;
  checkEveryMs?: number;
  heapTotal?: () => number;
  /** The event loop's busy share since the last call. */
  utilization?: () => number;
}

/** The event loop's busy share between one call and the next. */
function utilizationMeter(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    return utilization;
  };
}

/** Starts looking every few seconds; returns how to stop, or null when `gc` is not exposed. */
export function startMemoryRelease(o: MemoryReleaseOptions): { stop(): void } | null {
  const gc = o.gc === undefined ? exposedGc() : o.gc;
  if (!gc) {
    o.log.debug('memory is not given back after bursts of work: node runs without --expose-gc');
    return null;
  }
  const heapTotal = o.heapTotal ?? (() => process.memoryUsage().heapTotal);
  const utilization = o.utilization ?? utilizationMeter();
  // The start is a burst of work too (modules, migrations, the rooms' check):
  // nothing has rested yet, so the first quiet look collects.
  let restingHeap = 0;
  let collecting = false;
  const look = (): void => {
    const reading = { heapTotal: heapTotal(), restingHeap, utilization: utilization() };
    restingHeap = Math.min(restingHeap, reading.heapTotal);
    if (collecting || !shouldRelease(reading)) return;
    collecting = true;
    gc({ type: 'major', execution: 'async', flavor: 'last-resort' }).then(
      () => {
        restingHeap = heapTotal();
        o.log.debug('gave back memory after a burst of work', { heap_before_mib: mib(reading.heapTotal), heap_after_mib: mib(restingHeap) });
      },
      (error: unknown) => { o.log.warn('a collection to give back memory failed', { error: error instanceof Error ? error.message : String(error) }); },
    ).finally(() => { collecting = false; });
  };
  const timer = setInterval(look, o.checkEveryMs ?? CHECK_EVERY_MS);
  // Housekeeping: no reason to keep the process alive.
  timer.unref();
  o.log.info('gives memory back after bursts of work (gc is exposed)');
  return { stop: () => { clearInterval(timer); } };
}

function mib(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}
