// Reading the council room's state into what each server has said, through its
// own bot and nobody else. An event that does not come from the bot its state
// key names, or does not parse, is set aside with the reason, so the caller
// can log it; it never counts for anything.
import {
  authorOf,
  checkMembership,
  checkVotes,
  COUNCIL_ROOM_TYPE,
  MEMBERSHIP_TYPE,
  VOTES_TYPE,
  type CouncilStateEvent,
  type MembershipContent,
  type VotesContent,
} from './events.ts';

export interface Ignored {
  eventId: string;
  reason: string;
}

export interface Ballots {
  /** The server whose bot created the council room; null when no Hearth bot did. */
  founder: string | null;
  membership: ReadonlyMap<string, MembershipContent>;
  votes: ReadonlyMap<string, VotesContent>;
  ignored: Ignored[];
}

const OURS = new Set<string>([MEMBERSHIP_TYPE, VOTES_TYPE]);

function founderOf(event: CouncilStateEvent, botLocalpart: string): { founder: string | null; problem?: string } {
  const colon = event.sender.indexOf(':');
  if (event.content.type !== COUNCIL_ROOM_TYPE) return { founder: null, problem: `the room's type is not ${COUNCIL_ROOM_TYPE}: it is not a council` };
  if (event.sender.slice(1, colon) !== botLocalpart) return { founder: null, problem: `the council was created by ${event.sender}, not by a Hearth bot: nobody founded it` };
  return { founder: event.sender.slice(colon + 1) };
}

/** Reads the current state; the order of `state` does not matter. */
export function readBallots(state: readonly CouncilStateEvent[], botLocalpart: string): Ballots {
  const ignored: Ignored[] = [];
  const membership = new Map<string, MembershipContent>();
  const membershipEvents = new Map<string, string>();
  const votes = new Map<string, VotesContent>();
  let founder: string | null = null;
  const seen = new Set<string>();
  // Sorted, so that even a malformed input (two events for one state key) reads the same everywhere.
  const sorted = [...state].sort((a, b) => compare(a.type, b.type) || compare(a.state_key, b.state_key) || compare(a.event_id, b.event_id));
  for (const event of sorted) {
    const slot = `${event.type}\u0000${event.state_key}`;
    if (event.type !== 'm.room.create' && !OURS.has(event.type)) continue;
    if (seen.has(slot)) {
      ignored.push({ eventId: event.event_id, reason: 'another event already holds this state' });
      continue;
    }
    seen.add(slot);
    if (event.type === 'm.room.create') {
      if (event.state_key !== '') continue;
      const found = founderOf(event, botLocalpart);
      founder = found.founder;
      if (found.problem) ignored.push({ eventId: event.event_id, reason: found.problem });
      continue;
    }
    const author = authorOf(event, botLocalpart);
    if (!author.ok) {
      ignored.push({ eventId: event.event_id, reason: author.reason });
      continue;
    }
    if (event.type === MEMBERSHIP_TYPE) {
      const checked = checkMembership(event.content);
      if (!checked.ok) ignored.push({ eventId: event.event_id, reason: `membership of ${author.value}: ${checked.reason}` });
      else {
        membership.set(author.value, checked.value);
        membershipEvents.set(author.value, event.event_id);
      }
    } else {
      const checked = checkVotes(event.content);
      if (!checked.ok) ignored.push({ eventId: event.event_id, reason: `votes of ${author.value}: ${checked.reason}` });
      else votes.set(author.value, checked.value);
    }
  }
  // Round 0 is the founder's alone: anyone else claiming it would jump the queue.
  for (const [server, content] of membership) {
    if (content.round === 0 && server !== founder) {
      membership.delete(server);
      ignored.push({ eventId: membershipEvents.get(server) ?? '', reason: `membership of ${server}: round 0 belongs to the founder` });
    }
  }
  return { founder, membership, votes, ignored };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
