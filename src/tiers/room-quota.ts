// How many topic rooms a member may create with !room create: a pure rule over
// when they created their last ones, whose refusal says when they can again.
// Admins have no quota; they can clean up after themselves.
import { count } from '../text/plural.ts';

export const DAY_MS = 86_400_000;

/** The creation keys of rooms made with !room create (as the command writes them). */
export const TOPIC_KEY_PREFIX = 'topic:';

export interface RoomQuota {
  perDay: number;
  /** The topic rooms the member asked for, pending ones included. */
  createdBy(userId: string): Promise<readonly { creationKey: string; createdAt: number }[]>;
}

export type QuotaVerdict = { ok: true } | { ok: false; reason: string };

function at(time: number): string {
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** @param created when the member created topic rooms, in any order; those older than a day do not count */
export function checkRoomQuota(now: number, created: readonly number[], perDay: number): QuotaVerdict {
  const recent = created.filter((time) => time > now - DAY_MS).sort((a, b) => a - b);
  if (recent.length < perDay) return { ok: true };
  if (perDay === 0) return { ok: false, reason: 'On this server only admins create rooms. Ask one of them to create it for you.' };
  // The room whose first day ends first makes room for the next one.
  const freedBy = recent[recent.length - perDay] ?? now;
  return {
    ok: false,
    reason: `You have created ${count(recent.length, 'room')} in the last 24 hours, the most a member may. You can create another after ${at(freedBy + DAY_MS)}.`,
  };
}
