// What a Hearth restates on its own, without an admin, each time the council's
// state changes. None of it changes what the admins decided; all of it keeps
// the council's state true to it:
// - a member carries its standing approvals forward to the current point of
//   the history, and a candidate that accepted carries its acceptance (unless
//   a member admitted meanwhile is one it has cut off);
// - a member records every departure and every declined candidacy it sees as
//   a removal vote, so a server cannot come back by restating an old answer;
// - a member announces the servers of the council it has cut off, and stops
//   announcing those it has let back in.
import type { Neighborhood } from './derive.ts';
import {
  authorOf,
  checkMembership,
  entryKey,
  MEMBERSHIP_TYPE,
  parseEntryKey,
  type Approval,
  type CouncilStateEvent,
  type CutOff,
  type EntryRef,
  type VotesContent,
} from './events.ts';
import { membershipEvent, ownMembership, ownVotes, votesEvent, type OutgoingState } from './statements.ts';

function canonical(votes: VotesContent): string {
  const byKey = <T extends { server: string; round?: number }>(list: readonly T[]): T[] =>
    [...list].sort((a, b) => (a.server === b.server ? (a.round ?? 0) - (b.round ?? 0) : a.server < b.server ? -1 : 1));
  return JSON.stringify({ approve: byKey(votes.approve), reject: byKey(votes.reject), remove: byKey(votes.remove), cut_off: byKey(votes.cut_off) });
}

function restatedApprovals(n: Neighborhood, approvals: readonly Approval[], defederatedBySelf: (server: string) => boolean): Approval[] {
  const history = new Set(n.history);
  const point = [...n.history].sort();
  const result = new Map<string, Approval>();
  for (const approval of approvals) {
    const key = entryKey(approval.server, approval.round);
    const open = n.candidates.some((c) => c.server === approval.server && c.round === approval.round && !c.declined);
    // An approval of an admission in the history is the proof of it, and one of
    // a closed candidacy is for that candidacy only: neither is touched.
    if (history.has(key) || !open) {
      result.set(key, approval);
      continue;
    }
    // Defederation wins: a server this community has cut off keeps no approval from it.
    if (defederatedBySelf(approval.server)) continue;
    // Still a candidate: the approval follows it to the current point of the history.
    result.set(key, { ...approval, after: point });
  }
  return [...result.values()];
}

/**
 * Every admission that no longer stands (left, replaced by a later one) and
 * every candidacy answered with a leave or decline, as removal votes: a round
 * once closed stays closed, whatever its server says later.
 */
function departures(n: Neighborhood, self: string, closed: readonly EntryRef[], remove: readonly EntryRef[]): EntryRef[] {
  const kept = [...remove];
  const record = (entry: EntryRef): void => {
    if (entry.server === self || n.rounds[entry.server] === entry.round) return;
    if (!kept.some((r) => r.server === entry.server && r.round === entry.round)) kept.push(entry);
  };
  for (const key of n.history) {
    const entry = parseEntryKey(key);
    if (entry) record(entry);
  }
  for (const entry of closed) record(entry);
  return kept;
}

/** The rounds servers have closed themselves, by leaving or declining. */
export function closedRounds(state: readonly CouncilStateEvent[], botLocalpart: string): EntryRef[] {
  const closed: EntryRef[] = [];
  for (const event of state) {
    if (event.type !== MEMBERSHIP_TYPE) continue;
    const author = authorOf(event, botLocalpart);
    const content = checkMembership(event.content);
    if (author.ok && content.ok && content.value.membership !== 'join') closed.push({ server: author.value, round: content.value.round });
  }
  return closed;
}

function restatedCuts(n: Neighborhood, self: string, cuts: readonly CutOff[], defederatedBySelf: (server: string) => boolean): CutOff[] {
  const known = new Set([...n.members, ...n.candidates.map((c) => c.server)]);
  // Refederated servers are no longer announced; those still cut off keep the point they were cut at.
  const kept = cuts.filter((c) => defederatedBySelf(c.server));
  for (const server of [...known].sort()) {
    if (server !== self && defederatedBySelf(server) && !kept.some((c) => c.server === server)) kept.push({ server, at: n.history.length });
  }
  return kept;
}

/**
 * The votes a member should hold now, or null when they are right as they
 * are (or when this server is not a member: only members' votes count).
 * Removal votes and rejections are never withdrawn here: a removal that
 * completed stays complete only as long as its votes do.
 */
export function restateVotes(n: Neighborhood, self: string, votes: VotesContent, closed: readonly EntryRef[], defederatedBySelf: (server: string) => boolean): VotesContent | null {
  if (n.standing !== 'member') return null;
  const next: VotesContent = {
    approve: restatedApprovals(n, votes.approve, defederatedBySelf),
    reject: votes.reject,
    remove: departures(n, self, closed, votes.remove),
    cut_off: restatedCuts(n, self, votes.cut_off, defederatedBySelf),
  };
  return canonical(next) === canonical(votes) ? null : next;
}

export interface UpkeepInput {
  n: Neighborhood;
  state: readonly CouncilStateEvent[];
  self: string;
  botLocalpart: string;
  defederatedBySelf: (server: string) => boolean;
}

/** The statements to send after a change to the council's state; empty when there is nothing to restate. */
export function planUpkeep(input: UpkeepInput): OutgoingState[] {
  const { n, state, self, botLocalpart, defederatedBySelf } = input;
  const events: OutgoingState[] = [];
  const votes = restateVotes(n, self, ownVotes(state, self, botLocalpart), closedRounds(state, botLocalpart), defederatedBySelf);
  if (votes) events.push(votesEvent(botLocalpart, self, votes));
  const own = ownMembership(state, self, botLocalpart);
  const point = [...n.history].sort();
  // An acceptance is carried over the members admitted while it waited, never over one this server has cut off.
  const cutOffMember = n.members.some((m) => defederatedBySelf(m));
  if (n.standing === 'accepted' && !cutOffMember && own?.membership === 'join' && own.after?.join(',') !== point.join(',')) {
    events.push(membershipEvent(botLocalpart, self, { membership: 'join', round: own.round, after: point }));
  }
  return events;
}
