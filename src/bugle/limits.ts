// Whether a member may broadcast now: pure rules over the times of earlier
// broadcasts, each refusal saying why and when to try again.
import { graphemesOf } from '../text/graphemes.ts';

export interface BugleLimits {
  perMemberPerDay: number;
  hourlyCap: number;
  maxLength: number;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Length as a person counts it: an emoji is one character. */
export function characters(text: string): number {
  return graphemesOf(text).length;
}

export function checkText(text: string, limits: BugleLimits): Verdict {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'A broadcast needs a message: !bugle Movie night on Friday at 8!' };
  const length = characters(trimmed);
  if (length > limits.maxLength) {
    return { ok: false, reason: `That message is ${length} characters; a broadcast may have at most ${limits.maxLength}. Shorten it and try again.` };
  }
  return { ok: true };
}

function at(time: number): string {
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * @param mine when the sender broadcast in the last 24 hours, oldest first
 * @param everyone when anyone broadcast in the last hour, oldest first
 */
export function checkRate(now: number, mine: readonly number[], everyone: readonly number[], limits: BugleLimits): Verdict {
  if (mine.length >= limits.perMemberPerDay) {
    const oldest = mine[mine.length - limits.perMemberPerDay] ?? now;
    return { ok: false, reason: `You have sent ${mine.length} broadcasts in the last 24 hours, the most a member may. You can send again after ${at(oldest + DAY_MS)}.` };
  }
  if (everyone.length >= limits.hourlyCap) {
    const oldest = everyone[everyone.length - limits.hourlyCap] ?? now;
    return { ok: false, reason: `The community has sent ${everyone.length} broadcasts in the last hour, the most it may. You can send again after ${at(oldest + HOUR_MS)}.` };
  }
  return { ok: true };
}
