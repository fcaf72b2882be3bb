// What becomes of an item whose try failed (pure). A refusal for good ends it;
// a 429 is waited out as the homeserver asks, at most a capped time, and is
// never a failure; anything else (the homeserver down, a timeout, a 5xx) is
// tried again after a doubling wait, capped, for as long as it takes: an
// outage ends, and the work must not be lost to it.
import { describeRefusal, permanentRefusal, rateLimitDelayMs } from '../matrix/matrix-error.ts';

export interface BackoffSettings {
  /** The first wait after a failure. */
  baseMs: number;
  /** The longest wait after a failure: how soon the work goes on once the homeserver is back. */
  capMs: number;
  /** The longest a 429 is waited out at once; a homeserver asking for longer is asked again after this. */
  rateLimitCapMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 500, capMs: 30_000, rateLimitCapMs: 60_000 };

/** Thrown by a job kind for a failure that no retry can mend (a setting that is missing). */
export class GiveUp extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GiveUp';
  }
}

export type NextStep =
  | { retry: true; delayMs: number; rateLimited: boolean }
  | { retry: false; reason: string };

/** `failures`: the failures before this one that were not 429s. */
export function nextStep(error: unknown, failures: number, settings: BackoffSettings): NextStep {
  if (error instanceof GiveUp) return { retry: false, reason: error.message };
  const refusal = permanentRefusal(error);
  if (refusal) return { retry: false, reason: `refused for good: ${describeRefusal(refusal)}` };
  const limited = rateLimitDelayMs(error);
  if (limited !== null) return { retry: true, delayMs: Math.min(limited, settings.rateLimitCapMs), rateLimited: true };
  return { retry: true, delayMs: Math.min(settings.baseMs * 2 ** failures, settings.capMs), rateLimited: false };
}
