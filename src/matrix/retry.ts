// Work against the homeserver that must eventually happen: retried with
// exponential backoff up to a number of failures; a 429 is waited out (no
// longer than a minute at a time) and is not a failure; a refusal for good
// ends it at once. And queues worked through a few items at a time.
import { permanentRefusal, rateLimitDelayMs } from './matrix-error.ts';

export interface RetryOptions {
  /** Failures before giving up; 429s are not failures. */
  maxAttempts: number;
  baseDelayMs: number;
  /** Told before each wait, for the log. */
  onRetry?: (attempt: number, delayMs: number, rateLimited: boolean, error: unknown) => void;
  /** How a wait is made (tests record the waits instead of sleeping). */
  sleep?: (ms: number) => Promise<void>;
}

/** `attempts` counts every try, 429s included. */
export type RetryOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; error: unknown };

/**
 * The longest a 429 is waited out at once. A homeserver that asks for longer
 * is asked again after this; Hearth's stop never waits on a longer sleep.
 */
export const RATE_LIMIT_WAIT_CAP_MS = 60_000;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withRetries(work: (attempt: number) => Promise<void>, options: RetryOptions): Promise<RetryOutcome> {
  let failures = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      await work(attempt);
      return { ok: true, attempts: attempt };
    } catch (error) {
      const limited = rateLimitDelayMs(error);
      if (limited === null) {
        failures++;
        if (permanentRefusal(error) !== null || failures >= options.maxAttempts) return { ok: false, attempts: attempt, error };
      }
      const delay = limited === null ? options.baseDelayMs * 2 ** (failures - 1) : Math.min(limited, RATE_LIMIT_WAIT_CAP_MS);
      options.onRetry?.(attempt, delay, limited !== null, error);
      await (options.sleep ?? sleep)(delay);
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
