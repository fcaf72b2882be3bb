// Who is in the neighborhood, derived from the council room's current state
// and nothing else: every Hearth that sees the same state gets the same answer,
// whatever order the events arrived in and whoever was offline. The rule is
// written out in docs/neighborhood-protocol.md; the steps below follow it.
import { readBallots, type Ballots, type Ignored } from './ballots.ts';
import { approvesAt, hasCutOff, isCurrent, pointOf, rejects, walkChain, type ChainEntry } from './chain.ts';
import { entryKey, type CouncilStateEvent } from './events.ts';

export interface DeriveOptions {
  /** The localpart every Hearth bot of the neighborhood uses: `@<botLocalpart>:<server>` speaks for `<server>`. */
  botLocalpart: string;
  /** This server. */
  self: string;
  /** Whether this server has defederated a server (its deny list, globs included). */
  defederatedBySelf: (server: string) => boolean;
}

export interface Candidate {
  server: string;
  /** The candidacy's round: approvals and the acceptance must name it. */
  round: number;
  /** Members whose approval counts now. */
  approvals: string[];
  /** Members still to approve (those with an outdated approval included). */
  missing: string[];
  /** Members who approved before the last admission; their Hearth restates the approval by itself. */
  outdated: string[];
  rejectedBy: string[];
  /** Members that have cut the candidate off: they can never approve it. */
  cutBy: string[];
  accepted: boolean;
  declined: boolean;
  defederatedBySelf: boolean;
}

export interface Removal {
  server: string;
  round: number;
  votes: string[];
  missing: string[];
}

export interface Cut {
  by: string;
  server: string;
}

export type Standing = 'member' | 'accepted' | 'invited' | 'removed' | 'none';

export interface Neighborhood {
  founder: string | null;
  /** The servers in the neighborhood, sorted. */
  members: string[];
  /** Each member's round: the admission a removal vote must name. */
  rounds: Record<string, number>;
  /** Every admission, in the order the chain was rebuilt, as `server#round`, those who left included. */
  history: string[];
  candidates: Candidate[];
  removals: Removal[];
  /** Servers removed by the others that still say they are in. */
  removed: string[];
  /** The cut-offs members have announced (a member that defederated another server says so here). */
  cuts: Cut[];
  /** The round a new proposal takes. */
  nextRound: number;
  /** Where this server stands in this council. */
  standing: Standing;
  ignored: Ignored[];
}

/** Removals complete when every other member has voted; one may let another complete, so repeat until none is left. */
function settle(ballots: Ballots): { chain: ChainEntry[]; removed: Set<string> } {
  const removed = new Set<string>();
  for (;;) {
    const chain = walkChain(ballots, removed);
    const current = chain.filter((e) => isCurrent(e, ballots, removed));
    const done = current.filter((e) => {
      const others = current.filter((o) => o.server !== e.server);
      return others.length > 0 && others.every((o) => ballots.votes.get(o.server)?.remove.some((r) => r.server === e.server && r.round === e.round));
    });
    if (done.length === 0) return { chain, removed };
    for (const e of done) removed.add(e.key);
  }
}

function candidateRound(ballots: Ballots, server: string, members: readonly string[], inChain: ReadonlySet<string>): number | null {
  const rounds = new Set<number>();
  // Approvals of admissions already in the chain are history, not a candidacy.
  const open = (round: number): boolean => !inChain.has(entryKey(server, round));
  for (const member of members) {
    const votes = ballots.votes.get(member);
    for (const a of votes?.approve ?? []) if (a.server === server && open(a.round)) rounds.add(a.round);
    for (const r of votes?.reject ?? []) if (r.server === server && open(r.round)) rounds.add(r.round);
  }
  if (rounds.size === 0) return null;
  // The round the candidate accepted, when it accepted one; otherwise the latest proposal.
  const own = ballots.membership.get(server);
  return own?.membership === 'join' && rounds.has(own.round) ? own.round : Math.max(...rounds);
}

function candidatesOf(ballots: Ballots, chain: readonly ChainEntry[], members: readonly string[], options: DeriveOptions): Candidate[] {
  const point = pointOf(chain);
  const inChain = new Set(chain.map((e) => e.key));
  const servers = new Set<string>();
  for (const member of members) for (const a of ballots.votes.get(member)?.approve ?? []) servers.add(a.server);
  for (const member of members) for (const r of ballots.votes.get(member)?.reject ?? []) servers.add(r.server);
  const found: Candidate[] = [];
  for (const server of [...servers].sort()) {
    if (members.includes(server)) continue;
    const round = candidateRound(ballots, server, members, inChain);
    if (round === null) continue;
    const entry = { server, round, key: entryKey(server, round) };
    const approvals = members.filter((m) => approvesAt(ballots, m, entry, point, chain.length));
    const outdated = members.filter((m) => !approvals.includes(m) && ballots.votes.get(m)?.approve.some((a) => a.server === server && a.round === round) === true);
    const own = ballots.membership.get(server);
    found.push({
      server,
      round,
      approvals,
      missing: members.filter((m) => !approvals.includes(m)),
      outdated,
      rejectedBy: members.filter((m) => rejects(ballots.votes.get(m), server, round)),
      cutBy: members.filter((m) => hasCutOff(ballots.votes.get(m), server, chain.length)),
      accepted: own?.round === round && own.membership === 'join',
      declined: own?.round === round && own.membership !== 'join',
      defederatedBySelf: options.defederatedBySelf(server),
    });
  }
  return found;
}

function removalsOf(ballots: Ballots, current: readonly ChainEntry[]): Removal[] {
  const found: Removal[] = [];
  for (const e of current) {
    const others = current.filter((o) => o.server !== e.server).map((o) => o.server);
    const votes = others.filter((o) => ballots.votes.get(o)?.remove.some((r) => r.server === e.server && r.round === e.round));
    if (votes.length > 0) found.push({ server: e.server, round: e.round, votes, missing: others.filter((o) => !votes.includes(o)) });
  }
  return found.sort((a, b) => (a.server < b.server ? -1 : 1));
}

function nextRoundOf(ballots: Ballots, chain: readonly ChainEntry[]): number {
  // Only what servers of the chain said moves the rounds on: a mere candidate cannot push them.
  const speakers = new Set(chain.map((e) => e.server));
  let highest = 0;
  for (const e of chain) highest = Math.max(highest, e.round);
  for (const server of speakers) {
    const votes = ballots.votes.get(server);
    for (const list of [votes?.approve ?? [], votes?.reject ?? [], votes?.remove ?? []]) for (const r of list) highest = Math.max(highest, r.round);
    highest = Math.max(highest, ballots.membership.get(server)?.round ?? 0);
  }
  return highest + 1;
}

/**
 * A fresh candidacy outranks an earlier removal: a removed server's old
 * admission is in the history, so any candidacy of it is a new round, proposed
 * by a member after the removal, and it answers that one like any candidate.
 */
function standingOf(self: string, members: readonly string[], candidates: readonly Candidate[], removed: readonly string[]): Standing {
  if (members.includes(self)) return 'member';
  const candidacy = candidates.find((c) => c.server === self);
  if (candidacy && !candidacy.declined) return candidacy.accepted ? 'accepted' : 'invited';
  if (removed.includes(self)) return 'removed';
  return 'none';
}

export function deriveNeighborhood(state: readonly CouncilStateEvent[], options: DeriveOptions): Neighborhood {
  const ballots = readBallots(state, options.botLocalpart);
  const { chain, removed } = settle(ballots);
  const current = chain.filter((e) => isCurrent(e, ballots, removed));
  const members = current.map((e) => e.server).sort();
  const candidates = candidatesOf(ballots, chain, members, options);
  const cuts: Cut[] = [];
  for (const by of members) for (const c of ballots.votes.get(by)?.cut_off ?? []) if (c.server !== by) cuts.push({ by, server: c.server });
  const removedServers = chain.filter((e) => removed.has(e.key) && ballots.membership.get(e.server)?.round === e.round && ballots.membership.get(e.server)?.membership === 'join').map((e) => e.server).sort();
  return {
    founder: ballots.founder,
    members,
    rounds: Object.fromEntries(current.map((e) => [e.server, e.round])),
    history: chain.map((e) => e.key),
    candidates,
    removals: removalsOf(ballots, current),
    removed: removedServers,
    cuts,
    nextRound: nextRoundOf(ballots, chain),
    standing: standingOf(options.self, members, candidates, removedServers),
    ignored: ballots.ignored,
  };
}
