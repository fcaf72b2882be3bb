// The council's history as a chain of admissions, rebuilt from the current
// state alone. Each approval names the point of the chain it was given at (its
// `after`), so the chain can be replayed without knowing in which order the
// events arrived: starting from the founder, a candidacy joins the chain at the
// point its approvals name, once every server still in the neighborhood at
// that point has approved it there.
import type { Ballots } from './ballots.ts';
import { entryKey, type VotesContent } from './events.ts';

export interface ChainEntry {
  server: string;
  round: number;
  /** `server#round` */
  key: string;
}

/** The canonical name of a point of the chain: its entry keys, sorted. */
export function pointOf(chain: readonly ChainEntry[]): string {
  return chain.map((e) => e.key).sort().join(',');
}

/** Whether an admission still stands: its server says it is in, for that round, and it was not removed. */
export function isCurrent(entry: ChainEntry, ballots: Ballots, removed: ReadonlySet<string>): boolean {
  const own = ballots.membership.get(entry.server);
  return own?.membership === 'join' && own.round === entry.round && !removed.has(entry.key);
}

export function rejects(votes: VotesContent | undefined, server: string, round: number): boolean {
  return votes?.reject.some((r) => r.server === server && r.round === round) ?? false;
}

/** A server that has cut `server` off can no longer approve it at a point with `size` admissions or more. */
export function hasCutOff(votes: VotesContent | undefined, server: string, size: number): boolean {
  return votes?.cut_off.some((c) => c.server === server && c.at <= size) ?? false;
}

/** `voter` approves `entry` at exactly this point of the chain, and has neither rejected nor cut it off. */
export function approvesAt(ballots: Ballots, voter: string, entry: ChainEntry, point: string, size: number): boolean {
  const votes = ballots.votes.get(voter);
  if (!votes || rejects(votes, entry.server, entry.round) || hasCutOff(votes, entry.server, size)) return false;
  return votes.approve.some((a) => a.server === entry.server && a.round === entry.round && a.after.join(',') === point);
}

function byRoundThenName(a: ChainEntry, b: ChainEntry): number {
  return a.round - b.round || (a.server < b.server ? -1 : a.server > b.server ? 1 : 0);
}

/** Every admission anyone has spoken of: the candidacies the chain could contain. */
function possibleEntries(ballots: Ballots): ChainEntry[] {
  const keys = new Map<string, ChainEntry>();
  const add = (server: string, round: number): void => {
    // Round 0 is the founder's; nobody else can be admitted under it.
    if (round === 0 && server !== ballots.founder) return;
    keys.set(entryKey(server, round), { server, round, key: entryKey(server, round) });
  };
  if (ballots.founder !== null) add(ballots.founder, 0);
  for (const [server, own] of ballots.membership) add(server, own.round);
  for (const votes of ballots.votes.values()) for (const a of votes.approve) add(a.server, a.round);
  return [...keys.values()].sort(byRoundThenName);
}

/**
 * Rebuilds the chain. Where two candidacies could both follow the same point
 * (a fork: two candidates approved at the same time, or a server approving two
 * different histories), the branch that keeps the most servers in the
 * neighborhood wins, then the lower round, then the lower name.
 */
export function walkChain(ballots: Ballots, removed: ReadonlySet<string>): ChainEntry[] {
  const candidates = possibleEntries(ballots);
  // An admission that later approvals were given after is proven, even once its
  // server has moved on (left and been proposed again) and no longer says so itself.
  const attested = new Set<string>();
  for (const votes of ballots.votes.values()) for (const a of votes.approve) for (const key of a.after) attested.add(key);
  // A candidate accepts at a point of the history too, so an old acceptance
  // cannot slip in behind later admissions. A leave keeps that point: the
  // admission it ends stays in the history.
  const accepted = (e: ChainEntry, point: string): boolean => {
    const own = ballots.membership.get(e.server);
    return (own !== undefined && own.membership !== 'decline' && own.round === e.round && own.after?.join(',') === point) || attested.has(e.key);
  };
  const admissible = (chain: readonly ChainEntry[], point: string, e: ChainEntry): boolean => {
    if (chain.some((c) => c.key === e.key || (c.server === e.server && isCurrent(c, ballots, removed)))) return false;
    if (!accepted(e, point)) return false;
    if (chain.length === 0) return e.server === ballots.founder && e.round === 0;
    const servers = new Set(chain.map((c) => c.server));
    const required = new Set(chain.filter((c) => isCurrent(c, ballots, removed)).map((c) => c.server));
    const voters = [...servers].filter((s) => s !== e.server && approvesAt(ballots, s, e, point, chain.length));
    // Those who have left are not waited for, but somebody who was there must have said yes.
    return voters.length > 0 && [...required].every((s) => voters.includes(s));
  };
  const memo = new Map<string, ChainEntry[]>();
  const best = (chain: readonly ChainEntry[]): ChainEntry[] => {
    const point = pointOf(chain);
    const known = memo.get(point);
    if (known) return [...chain, ...known.slice(chain.length)];
    let winner: ChainEntry[] = [...chain];
    let winnerScore = -1;
    for (const e of candidates) {
      if (!admissible(chain, point, e)) continue;
      const result = best([...chain, e]);
      const score = result.filter((c) => isCurrent(c, ballots, removed)).length;
      if (score > winnerScore) {
        winner = result;
        winnerScore = score;
      }
    }
    memo.set(point, winner);
    return winner;
  };
  return best([]);
}
