// What this server says in the council: reading its own current statements,
// changing them, and the events that carry them. A server only ever writes
// two state events, both keyed by its own bot's user ID, so every change
// rewrites one of them whole.
import type { DesiredState } from '../room-state/writer.ts';
import {
  botUserId,
  checkMembership,
  checkVotes,
  MEMBERSHIP_TYPE,
  NO_VOTES,
  VOTES_TYPE,
  type Approval,
  type CouncilStateEvent,
  type EntryRef,
  type MembershipContent,
  type VotesContent,
} from './events.ts';

/** A state event this server's bot wants in a council, handed to the writer of room state; its state key is always the bot's user ID. */
export type OutgoingState = DesiredState;

function own(state: readonly CouncilStateEvent[], type: string, self: string, botLocalpart: string): CouncilStateEvent | undefined {
  const bot = botUserId(botLocalpart, self);
  return state.find((e) => e.type === type && e.state_key === bot && e.sender === bot);
}

export function ownVotes(state: readonly CouncilStateEvent[], self: string, botLocalpart: string): VotesContent {
  const event = own(state, VOTES_TYPE, self, botLocalpart);
  const checked = event ? checkVotes(event.content) : null;
  return checked?.ok ? checked.value : NO_VOTES;
}

export function ownMembership(state: readonly CouncilStateEvent[], self: string, botLocalpart: string): MembershipContent | null {
  const event = own(state, MEMBERSHIP_TYPE, self, botLocalpart);
  const checked = event ? checkMembership(event.content) : null;
  return checked?.ok ? checked.value : null;
}

const same = (ref: EntryRef) => (other: EntryRef): boolean => other.server === ref.server && other.round === ref.round;
const not = <T>(test: (value: T) => boolean) => (value: T): boolean => !test(value);

/** Approves an admission at a point of the chain, replacing an earlier approval or rejection of it. */
export function withApproval(votes: VotesContent, approval: Approval): VotesContent {
  return {
    ...votes,
    approve: [...votes.approve.filter(not(same(approval))), { ...approval, after: [...approval.after].sort() }],
    reject: votes.reject.filter(not(same(approval))),
  };
}

export function withRejection(votes: VotesContent, ref: EntryRef): VotesContent {
  return { ...votes, approve: votes.approve.filter(not(same(ref))), reject: [...votes.reject.filter(not(same(ref))), { ...ref }] };
}

export function withRemoval(votes: VotesContent, ref: EntryRef): VotesContent {
  return { ...votes, remove: [...votes.remove.filter(not(same(ref))), { ...ref }] };
}

export function votesEvent(botLocalpart: string, self: string, votes: VotesContent): OutgoingState {
  return { type: VOTES_TYPE, stateKey: botUserId(botLocalpart, self), content: votes };
}

export function membershipEvent(botLocalpart: string, self: string, membership: MembershipContent): OutgoingState {
  const content = membership.after ? { ...membership, after: [...membership.after].sort() } : membership;
  return { type: MEMBERSHIP_TYPE, stateKey: botUserId(botLocalpart, self), content };
}

/**
 * The state as it will be once `events` are sent by `sender`: used to tell an
 * admin what their command did before the homeserver has echoed it back.
 */
export function applyOutgoing(state: readonly CouncilStateEvent[], events: readonly OutgoingState[], sender: string): CouncilStateEvent[] {
  let next = [...state];
  for (const event of events) {
    next = next.filter((e) => !(e.type === event.type && e.state_key === event.stateKey));
    next.push({ event_id: `$pending:${event.type}:${event.stateKey}`, type: event.type, state_key: event.stateKey, sender, content: event.content });
  }
  return next;
}
