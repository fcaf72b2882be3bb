// The `!neighborhood` commands as decisions: given the councils this server's
// bot is in and what the admin asked, which statements to send (and whom to
// invite), or why not. The answer says what the command did by deriving the
// council again as it will be once the statements are sent.
import { quoted } from '../commands/text.ts';
import type { CreateRoomRequest } from '../matrix/client.ts';
import { councilCreationRequest } from './council.ts';
import { deriveNeighborhood, type Candidate, type Neighborhood } from './derive.ts';
import { botUserId, isServerName, type CouncilStateEvent } from './events.ts';
import {
  applyOutgoing,
  membershipEvent,
  ownMembership,
  ownVotes,
  votesEvent,
  withApproval,
  withRejection,
  withRemoval,
  type OutgoingState,
} from './statements.ts';

export interface CouncilView {
  roomId: string;
  state: readonly CouncilStateEvent[];
}

export interface Situation {
  self: string;
  botLocalpart: string;
  /** Every council room this server's bot has joined. */
  councils: readonly CouncilView[];
  defederatedBySelf: (server: string) => boolean;
}

export type Decision =
  | { kind: 'refuse'; reason: string }
  | { kind: 'create'; request: CreateRoomRequest; reply: string }
  | { kind: 'send'; roomId: string; events: OutgoingState[]; invite: string[]; reply: string };

interface Derived {
  view: CouncilView;
  n: Neighborhood;
}

const refuse = (reason: string): Decision => ({ kind: 'refuse', reason });
const list = (servers: readonly string[]): string => (servers.length === 0 ? 'nobody' : servers.join(', '));

function deriveAll(s: Situation): Derived[] {
  const options = { botLocalpart: s.botLocalpart, self: s.self, defederatedBySelf: s.defederatedBySelf };
  return [...s.councils].sort((a, b) => (a.roomId < b.roomId ? -1 : 1)).map((view) => ({ view, n: deriveNeighborhood(view.state, options) }));
}

/** The neighborhood this server is a member of. Hearth never accepts a second one, so there is at most one. */
function home(all: readonly Derived[]): Derived | undefined {
  return all.find((d) => d.n.standing === 'member');
}

function others(n: Neighborhood, self: string): string[] {
  return n.members.filter((m) => m !== self);
}

function checkServer(input: string, self: string): { ok: true; server: string } | { ok: false; reason: string } {
  const server = input.trim().toLowerCase();
  if (!isServerName(server)) return { ok: false, reason: `"${quoted(input)}" is not a server name (letters, digits, dots and hyphens, without a port).` };
  if (server === self) return { ok: false, reason: `${server} is this community's own server.` };
  return { ok: true, server };
}

function send(s: Situation, d: Derived, events: OutgoingState[], invite: string[], reply: (after: Neighborhood) => string): Decision {
  const after = deriveNeighborhood(applyOutgoing(d.view.state, events, botUserId(s.botLocalpart, s.self)), {
    botLocalpart: s.botLocalpart,
    self: s.self,
    defederatedBySelf: s.defederatedBySelf,
  });
  return { kind: 'send', roomId: d.view.roomId, events, invite, reply: reply(after) };
}

/** What a candidacy still waits for, in words. */
export function waitingFor(c: Candidate): string {
  const waits: string[] = [];
  if (c.missing.length > 0) waits.push(`approval from ${list(c.missing)}`);
  if (!c.accepted) waits.push(`${c.server} to accept`);
  return waits.join(' and ');
}

const NOT_IN = 'This community is not in a neighborhood. Start one with !neighborhood create, or accept an invitation with !neighborhood accept.';

export function decideCreate(s: Situation, creationKey: string): Decision {
  const all = deriveAll(s);
  const mine = home(all) ?? all.find((d) => d.n.standing === 'accepted');
  if (mine) return refuse(`This community is already in a neighborhood (${list(mine.n.members)}): leave it first with !neighborhood leave.`);
  return {
    kind: 'create',
    request: councilCreationRequest(s.self, s.botLocalpart, creationKey),
    reply: 'Started a neighborhood. Propose a server to join it with !neighborhood propose <server>; it becomes a neighbor once its admins accept.',
  };
}

/** What proposing or approving a server starts from: a valid name, this server's neighborhood, and a server not yet in it. */
function aboutNonMember(s: Situation, input: string): { server: string; d: Derived } | { refusal: Decision } {
  const checked = checkServer(input, s.self);
  if (!checked.ok) return { refusal: refuse(checked.reason) };
  const { server } = checked;
  const d = home(deriveAll(s));
  if (!d) return { refusal: refuse(NOT_IN) };
  if (d.n.members.includes(server)) return { refusal: refuse(`${server} is already a member of the neighborhood.`) };
  return { server, d };
}

export function decidePropose(s: Situation, input: string): Decision {
  const about = aboutNonMember(s, input);
  if ('refusal' in about) return about.refusal;
  const { server, d } = about;
  if (d.n.candidates.some((c) => c.server === server && !c.declined)) return refuse(`${server} is already proposed: say !neighborhood approve ${server} to approve it, or !neighborhood status to see where it stands.`);
  if (s.defederatedBySelf(server)) return refuse(`This community has cut ${server} off (defederated it), so it can never approve it. Undo that with !refederate ${server} first.`);
  const cutters = d.n.cuts.filter((c) => c.server === server).map((c) => c.by);
  if (cutters.length > 0) return refuse(`${list(cutters)} cut ${server} off, so the neighborhood could never approve it.`);
  const approval = { server, round: d.n.nextRound, after: d.n.history };
  const events = [votesEvent(s.botLocalpart, s.self, withApproval(ownVotes(d.view.state, s.self, s.botLocalpart), approval))];
  return send(s, d, events, [botUserId(s.botLocalpart, server)], (after) => {
    const c = after.candidates.find((x) => x.server === server);
    return `Proposed ${server} for the neighborhood and invited its Hearth. It joins once every member has approved it and its admins have accepted${c ? `; waiting for ${waitingFor(c)}` : ''}.`;
  });
}

function candidacy(d: Derived, server: string): Candidate | undefined {
  return d.n.candidates.find((c) => c.server === server);
}

export function decideApprove(s: Situation, input: string): Decision {
  const about = aboutNonMember(s, input);
  if ('refusal' in about) return about.refusal;
  const { server, d } = about;
  const c = candidacy(d, server);
  if (!c) return refuse(`Nobody has proposed ${server}. Propose it with !neighborhood propose ${server}.`);
  if (s.defederatedBySelf(server)) return refuse(`This community has cut ${server} off (defederated it): it can never approve it while that stands.`);
  if (c.declined) return refuse(`${server} declined the invitation.`);
  if (c.approvals.includes(s.self)) return refuse(`This community has already approved ${server}; waiting for ${waitingFor(c)}.`);
  const votes = withApproval(ownVotes(d.view.state, s.self, s.botLocalpart), { server, round: c.round, after: d.n.history });
  return send(s, d, [votesEvent(s.botLocalpart, s.self, votes)], [], (after) => {
    if (after.members.includes(server)) return `Approved: ${server} is now a member of the neighborhood.`;
    const next = after.candidates.find((x) => x.server === server);
    return `Approved ${server}${next ? `; waiting for ${waitingFor(next)}` : ''}.`;
  });
}

export function decideReject(s: Situation, input: string): Decision {
  const checked = checkServer(input, s.self);
  if (!checked.ok) return refuse(checked.reason);
  const { server } = checked;
  const all = deriveAll(s);
  const d = home(all);
  const c = d ? candidacy(d, server) : undefined;
  if (d && c) {
    const votes = withRejection(ownVotes(d.view.state, s.self, s.botLocalpart), { server: c.server, round: c.round });
    return send(s, d, [votesEvent(s.botLocalpart, s.self, votes)], [], () => `Rejected ${server}: it cannot join while this community rejects it. Changed your mind? !neighborhood approve ${server}.`);
  }
  // A candidate's admins decline an invitation by naming a member of the inviting neighborhood.
  const inviting = all.find((x) => (x.n.standing === 'invited' || x.n.standing === 'accepted') && x.n.members.includes(server));
  const own = inviting?.n.candidates.find((x) => x.server === s.self);
  if (inviting && own) {
    const events = [membershipEvent(s.botLocalpart, s.self, { membership: 'decline', round: own.round })];
    return send(s, inviting, events, [], () => `Declined the invitation to the neighborhood of ${list(inviting.n.members)}.`);
  }
  if (d && d.n.members.includes(server)) return refuse(`${server} is a member, not a candidate: to ask for its removal, say !neighborhood remove ${server}.`);
  return refuse(`${server} is not a candidate of this community's neighborhood, and no neighborhood it belongs to has invited this community.`);
}

export function decideAccept(s: Situation, from?: string): Decision {
  const all = deriveAll(s);
  const mine = home(all);
  if (mine) return refuse(`This community is already in a neighborhood (${list(mine.n.members)}): leave it first with !neighborhood leave.`);
  const waiting = all.find((d) => d.n.standing === 'accepted');
  let invitations = all.filter((d) => d.n.standing === 'invited');
  if (from !== undefined) invitations = invitations.filter((d) => d.n.members.includes(from.trim().toLowerCase()));
  if (waiting) {
    const own = waiting.n.candidates.find((c) => c.server === s.self);
    return refuse(`This community has already accepted the neighborhood of ${list(waiting.n.members)}${own ? `; waiting for ${waitingFor(own)}` : ''}. To go elsewhere, decline it first (!neighborhood reject <one of its members>).`);
  }
  const [d, ...more] = invitations;
  if (!d) return refuse(from === undefined ? 'No neighborhood has invited this community.' : `No neighborhood with ${from} in it has invited this community.`);
  if (more.length > 0) {
    const names = invitations.map((x) => `(${list(x.n.members)})`).join(', ');
    return refuse(`Several neighborhoods invite this community: ${names}. Say !neighborhood accept <server> with one of its members.`);
  }
  const cutOff = d.n.members.filter((m) => s.defederatedBySelf(m));
  if (cutOff.length > 0) return refuse(`This community has cut off ${list(cutOff)}, a member of that neighborhood: refederate first, or decline with !neighborhood reject ${cutOff[0] ?? ''}.`);
  const own = d.n.candidates.find((c) => c.server === s.self);
  if (!own) return refuse('No neighborhood has invited this community.');
  const events = [membershipEvent(s.botLocalpart, s.self, { membership: 'join', round: own.round, after: d.n.history })];
  return send(s, d, events, [], (after) => {
    if (after.members.includes(s.self)) return `This community is now in the neighborhood with ${list(others(after, s.self))}.`;
    const next = after.candidates.find((c) => c.server === s.self);
    return `Accepted the neighborhood of ${list(d.n.members)}. This community joins it once every member has approved it${next ? `; waiting for ${waitingFor(next)}` : ''}.`;
  });
}

export function decideLeave(s: Situation): Decision {
  const all = deriveAll(s);
  const d = home(all) ?? all.find((x) => x.n.standing === 'accepted');
  if (!d) return refuse('This community is not in a neighborhood.');
  const own = ownMembership(d.view.state, s.self, s.botLocalpart);
  if (!own) return refuse('This community is not in a neighborhood.');
  // The leave keeps the point it joined at, so its admission stays in the history everyone replays.
  const leave = own.after ? { membership: 'leave' as const, round: own.round, after: own.after } : { membership: 'leave' as const, round: own.round };
  const events = [membershipEvent(s.botLocalpart, s.self, leave)];
  const gone = others(d.n, s.self);
  return send(s, d, events, [], () =>
    d.n.standing === 'member'
      ? `This community has left the neighborhood. Its neighborhood rooms stop allowing ${list(gone)}, and theirs stop allowing this server.`
      : 'Withdrew the acceptance: this community will not join that neighborhood.',
  );
}

export function decideRemove(s: Situation, input: string): Decision {
  const checked = checkServer(input, s.self);
  if (!checked.ok) return input.trim().toLowerCase() === s.self ? refuse('To take this community out, say !neighborhood leave.') : refuse(checked.reason);
  const { server } = checked;
  const d = home(deriveAll(s));
  if (!d) return refuse(NOT_IN);
  const round = d.n.rounds[server];
  if (round === undefined) return refuse(`${server} is not a member of the neighborhood.`);
  const pending = d.n.removals.find((r) => r.server === server);
  if (pending?.votes.includes(s.self)) return refuse(`This community has already voted to remove ${server}; waiting for ${list(pending.missing)}.`);
  const votes = withRemoval(ownVotes(d.view.state, s.self, s.botLocalpart), { server, round });
  return send(s, d, [votesEvent(s.botLocalpart, s.self, votes)], [], (after) => {
    if (!after.members.includes(server)) return `${server} is removed from the neighborhood: every other member agreed. Its rooms and the neighbors' stop allowing each other.`;
    const next = after.removals.find((r) => r.server === server);
    return `Voted to remove ${server}. It is removed once every other member agrees; waiting for ${list(next?.missing ?? [])}.`;
  });
}
