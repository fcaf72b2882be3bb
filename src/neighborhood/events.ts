// The council room's events: their types, their content, and the checks that
// decide whether an event speaks for a server at all. Everything here is pure;
// an event that fails a check is ignored by the derivation with the reason
// given here, never repaired or guessed at.
import { isRecord } from '../matrix/event.ts';

/** `content.type` of the council room's m.room.create: how a Hearth recognises an invitation to one. */
export const COUNCIL_ROOM_TYPE = 'org.hearth.neighborhood.council';
/** A server's own standing: it has joined (accepted), left, or declined a candidacy. */
export const MEMBERSHIP_TYPE = 'org.hearth.neighborhood.membership';
/** A server's votes: approvals, rejections, removals, and the servers it has cut off. */
export const VOTES_TYPE = 'org.hearth.neighborhood.votes';

/** A council room state event as the client-server API returns it. */
export interface CouncilStateEvent {
  event_id: string;
  type: string;
  state_key: string;
  sender: string;
  content: Record<string, unknown>;
}

export type MembershipValue = 'join' | 'leave' | 'decline';

// The contents are type aliases rather than interfaces so that they can be sent
// as they are: an alias is assignable to Record<string, unknown>, an interface is not.

export type MembershipContent = {
  membership: MembershipValue;
  /** The round of the candidacy this statement is about (0 is the founder's). */
  round: number;
  /**
   * The admissions so far when it accepted (sorted entry keys), like an
   * approval's `after`. Required with `join`; a `leave` keeps it, so the
   * admission it ends stays proven.
   */
  after?: string[];
  reason?: string;
};

/** "I approve `server`'s candidacy of `round`, given the council's history `after`." */
export type Approval = {
  server: string;
  round: number;
  /** The admissions so far, as entry keys (`server#round`), sorted: the point of history the approval was given at. */
  after: string[];
};

/** One admission of a server: a rejection or a removal names exactly which one. */
export type EntryRef = {
  server: string;
  round: number;
};

/** "This server has cut `server` off (defederated it); the council had `at` admissions then." */
export type CutOff = {
  server: string;
  at: number;
};

export type VotesContent = {
  approve: Approval[];
  reject: EntryRef[];
  remove: EntryRef[];
  cut_off: CutOff[];
};

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Server names as they appear in ACLs: DNS names only. Ports are left out on
 * purpose (ACLs compare names without port) and IP literals too (ACLs never
 * allow them), so a name accepted here always works in an allow-list.
 */
const SERVER_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const IPV4 = /^\d+(\.\d+){3}$/;
/** Far above any real council; it keeps a hostile event from making the derivation slow. */
const MAX_LIST = 500;
const MAX_REASON = 500;

export function isServerName(text: string): boolean {
  return text.length <= 255 && SERVER_NAME.test(text) && !IPV4.test(text);
}

export function botUserId(botLocalpart: string, server: string): string {
  return `@${botLocalpart}:${server}`;
}

/** The key of one admission: `hood.test#1`. `#` never appears in a server name. */
export function entryKey(server: string, round: number): string {
  return `${server}#${round}`;
}

export function parseEntryKey(key: string): EntryRef | null {
  const at = key.lastIndexOf('#');
  const server = key.slice(0, at);
  const round = Number(key.slice(at + 1));
  if (at <= 0 || !isServerName(server) || !isRound(round) || key.slice(at + 1) !== String(round)) return null;
  return { server, round };
}

/** Rounds only ever grow by one per proposal; the cap keeps a hostile round from exhausting the numbers. */
export const MAX_ROUND = 1_000_000_000;

function isRound(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_ROUND;
}

/**
 * Which server an event speaks for. The state key must be that server's bot
 * (`@<bot localpart>:<server>`) and the sender must be that same bot. Matrix
 * itself rejects a state key starting with `@` that differs from the sender,
 * and a federated event whose sender's server did not sign it; checking again
 * here costs nothing and keeps a misbehaving homeserver from changing that.
 */
export function authorOf(event: CouncilStateEvent, botLocalpart: string): Checked<string> {
  const key = event.state_key;
  const colon = key.indexOf(':');
  if (!key.startsWith('@') || colon < 0) return { ok: false, reason: `state key "${key}" is not a user ID` };
  const server = key.slice(colon + 1);
  if (key.slice(1, colon) !== botLocalpart) return { ok: false, reason: `${key} is not a Hearth bot, so it speaks for nobody` };
  if (!isServerName(server)) return { ok: false, reason: `"${server}" is not a server name Hearth can put in an allow-list` };
  if (event.sender !== key) return { ok: false, reason: `sent by ${event.sender}, not by ${key}, whose state it claims to be` };
  return { ok: true, value: server };
}

export function checkMembership(content: Record<string, unknown>): Checked<MembershipContent> {
  const { membership, round, reason } = content;
  if (membership !== 'join' && membership !== 'leave' && membership !== 'decline') return { ok: false, reason: 'membership must be join, leave or decline' };
  if (!isRound(round)) return { ok: false, reason: `round must be a whole number from 0 to ${MAX_ROUND}` };
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON)) return { ok: false, reason: `reason must be text of at most ${MAX_REASON} characters` };
  const value: MembershipContent = { membership, round };
  if (reason !== undefined) value.reason = reason;
  if (membership === 'decline' || (membership === 'leave' && content.after === undefined)) return { ok: true, value };
  const after = checkAfter(content.after);
  if (typeof after === 'string') return { ok: false, reason: `a ${membership} ${after}` };
  return { ok: true, value: { ...value, after } };
}

function checkList<T>(content: Record<string, unknown>, field: string, item: (value: Record<string, unknown>) => T | string): Checked<T[]> {
  const raw = content[field] ?? [];
  if (!Array.isArray(raw)) return { ok: false, reason: `${field} must be a list` };
  if (raw.length > MAX_LIST) return { ok: false, reason: `${field} holds more than ${MAX_LIST} entries` };
  const items: T[] = [];
  for (const [index, value] of (raw as unknown[]).entries()) {
    const parsed = isRecord(value) ? item(value) : 'must be an object';
    if (typeof parsed === 'string') return { ok: false, reason: `${field}[${index}] ${parsed}` };
    items.push(parsed);
  }
  return { ok: true, value: items };
}

function entryRef(value: Record<string, unknown>): EntryRef | string {
  const { server, round } = value;
  if (typeof server !== 'string' || !isServerName(server)) return 'must name a server';
  if (!isRound(round)) return `must give a round (a whole number from 0 to ${MAX_ROUND})`;
  return { server, round };
}

function approval(value: Record<string, unknown>): Approval | string {
  const ref = entryRef(value);
  if (typeof ref === 'string') return ref;
  const after = checkAfter(value.after);
  return typeof after === 'string' ? after : { ...ref, after };
}

/** A point of the council's history: the admissions so far, as entry keys. */
function checkAfter(after: unknown): string[] | string {
  if (!Array.isArray(after) || after.length > MAX_LIST) return 'must give "after", the list of admissions it was given after';
  const keys = (after as unknown[]).map((key) => (typeof key === 'string' && parseEntryKey(key) ? key : null));
  if (keys.some((key) => key === null)) return 'has an "after" entry that is not server#round';
  // Sorted and unique, so that two statements made at the same point compare equal.
  return [...new Set(keys as string[])].sort();
}

function cutOff(value: Record<string, unknown>): CutOff | string {
  const { server, at } = value;
  if (typeof server !== 'string' || !isServerName(server)) return 'must name a server';
  if (!isRound(at)) return 'must give "at", the number of admissions when it was cut off';
  return { server, at };
}

function duplicate(keys: readonly string[]): string | undefined {
  return keys.find((key, index) => keys.indexOf(key) !== index);
}

export function checkVotes(content: Record<string, unknown>): Checked<VotesContent> {
  const approve = checkList(content, 'approve', approval);
  if (!approve.ok) return approve;
  const reject = checkList(content, 'reject', entryRef);
  if (!reject.ok) return reject;
  const remove = checkList(content, 'remove', entryRef);
  if (!remove.ok) return remove;
  const cut = checkList(content, 'cut_off', cutOff);
  if (!cut.ok) return cut;
  // One statement per admission: two approvals of the same one could disagree about when they were given.
  const twice = duplicate(approve.value.map((a) => entryKey(a.server, a.round)))
    ?? duplicate(reject.value.map((r) => entryKey(r.server, r.round)))
    ?? duplicate(remove.value.map((r) => entryKey(r.server, r.round)))
    ?? duplicate(cut.value.map((c) => c.server));
  if (twice !== undefined) return { ok: false, reason: `${twice} appears twice in one list` };
  return { ok: true, value: { approve: approve.value, reject: reject.value, remove: remove.value, cut_off: cut.value } };
}

export const NO_VOTES: VotesContent = { approve: [], reject: [], remove: [], cut_off: [] };
