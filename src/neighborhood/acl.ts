// From the derived neighborhood to allow-lists: which servers this server's
// neighborhood rooms allow (what the tier policy reads as `facts.neighbors`),
// and which servers the council room itself lets in.
import { deriveNeighborhood, type DeriveOptions, type Neighborhood } from './derive.ts';
import type { CouncilStateEvent } from './events.ts';

/**
 * The other servers this server's neighborhood rooms must allow: the members,
 * minus any this server has defederated, minus any pair cut off in either
 * direction (a cut is mutual: neither side keeps allowing the other). Empty
 * when this server is not a member itself, so a server that left or was
 * removed stops allowing the others at once.
 */
export function neighborsOf(n: Neighborhood, self: string, defederatedBySelf: (server: string) => boolean): string[] {
  if (n.standing !== 'member') return [];
  const cutWithSelf = new Set(n.cuts.filter((c) => c.by === self || c.server === self).map((c) => (c.by === self ? c.server : c.by)));
  return n.members.filter((server) => server !== self && !defederatedBySelf(server) && !cutWithSelf.has(server));
}

/** Candidates that can still become members: proposed by a member, not declined, not rejected. */
export function openCandidates(n: Neighborhood): string[] {
  return n.candidates
    .filter((c) => !c.declined && c.rejectedBy.length === 0 && c.cutBy.length === 0 && c.approvals.length + c.outdated.length > 0)
    .map((c) => c.server);
}

/**
 * The council room's own m.room.server_acl: members and open candidates, so a
 * candidate can join to answer and nobody else can take part. It depends on
 * the council's state only (never on one member's deny list), so every member
 * computes the same content and their writes never fight. Null when the
 * neighborhood has no member left to keep it.
 */
export function councilServerAcl(n: Neighborhood): { allow: string[]; deny: string[]; allow_ip_literals: false } | null {
  if (n.members.length === 0) return null;
  return { allow: [...new Set([...n.members, ...openCandidates(n)])].sort(), deny: [], allow_ip_literals: false };
}

/**
 * `facts.neighbors` from every council room this server's bot is in: the
 * neighbors in the one it is a member of, or none. Hearth never accepts a
 * second neighborhood; should two ever derive this server as a member, the
 * first by room ID is the one that counts, the same choice the commands make.
 */
export function currentNeighbors(councils: readonly { roomId: string; state: readonly CouncilStateEvent[] }[], options: DeriveOptions): string[] {
  const sorted = [...councils].sort((a, b) => (a.roomId < b.roomId ? -1 : 1));
  for (const { state } of sorted) {
    const n = deriveNeighborhood(state, options);
    if (n.standing === 'member') return neighborsOf(n, options.self, options.defederatedBySelf);
  }
  return [];
}
