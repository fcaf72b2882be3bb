// Work against the homeserver that must eventually happen: retried with
// exponential backoff, waiting as long as a 429 asks, up to a number of
// attempts; and queues worked through a few items at a time.
import { rateLimitDelayMs } from './client.ts';

export interface RetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  /** Told before each wait, for the log. */
  onRetry?: (attempt: number, delayMs: number, rateLimited: boolean, error: unknown) => void;
}

export type RetryOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; error: unknown };

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withRetries(work: (attempt: number) => Promise<void>, options: RetryOptions): Promise<RetryOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      await work(attempt);
      return { ok: true, attempts: attempt };
    } catch (error) {
      if (attempt >= options.maxAttempts) return { ok: false, attempts: attempt, error };
      const limited = rateLimitDelayMs(error);
      const delay = limited ?? options.baseDelayMs * 2 ** (attempt - 1);
      options.onRetry?.(attempt, delay, limited !== null, error);
      await sleep(delay);
    }
  }
}

/** Runs `work` on every item, at most `concurrency` at a time, until done or `stopping()`. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>, stopping: () => boolean): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined && !stopping(); item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
