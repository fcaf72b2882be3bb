// `!neighborhood status` in words: where this community stands, who the
// members are, what each candidacy and removal waits for, and what was set
// aside as not speaking for anyone.
import { neighborsOf } from './acl.ts';
import { waitingFor, type Situation } from './commands-logic.ts';
import { deriveNeighborhood, type Neighborhood } from './derive.ts';

function describeCouncil(n: Neighborhood, s: Situation): string[] {
  const lines = [`Members: ${n.members.join(', ') || 'none'}.`];
  const neighbors = neighborsOf(n, s.self, s.defederatedBySelf);
  const held = n.members.filter((m) => m !== s.self && !neighbors.includes(m));
  if (n.standing === 'member') {
    lines.push(`This community's neighborhood rooms allow: ${[s.self, ...neighbors].sort().join(', ')}.`);
    if (held.length > 0) lines.push(`Members these rooms do not allow (cut off): ${held.join(', ')}.`);
  }
  if (n.candidates.length > 0) lines.push('Candidates:');
  for (const c of n.candidates) {
    if (c.declined) lines.push(`- ${c.server}: declined the invitation.`);
    else if (c.cutBy.length > 0) lines.push(`- ${c.server}: cut off by ${c.cutBy.join(', ')}, so it cannot be approved.`);
    else if (c.rejectedBy.length > 0) lines.push(`- ${c.server}: rejected by ${c.rejectedBy.join(', ')}.`);
    else lines.push(`- ${c.server}: approved by ${c.approvals.join(', ') || 'nobody yet'}; waiting for ${waitingFor(c)}.`);
  }
  for (const r of n.removals) lines.push(`- removing ${r.server}: voted by ${r.votes.join(', ')}; waiting for ${r.missing.join(', ')}.`);
  for (const c of n.cuts) lines.push(`- ${c.by} has cut off ${c.server}.`);
  if (n.ignored.length > 0) lines.push(`${n.ignored.length} statement(s) in the council were ignored (not from a Hearth bot, or malformed); see the log.`);
  return lines;
}

export function describeStatus(s: Situation): string {
  const options = { botLocalpart: s.botLocalpart, self: s.self, defederatedBySelf: s.defederatedBySelf };
  const derived = s.councils.map((view) => deriveNeighborhood(view.state, options));
  const home = derived.find((n) => n.standing === 'member');
  const sections: string[] = [];
  if (home) sections.push(['This community is in a neighborhood.', ...describeCouncil(home, s)].join('\n'));
  for (const n of derived.filter((x) => x.standing === 'accepted')) {
    sections.push([`This community accepted the neighborhood of ${n.members.join(', ')}, which has not admitted it yet:`, ...describeCouncil(n, s)].join('\n'));
  }
  for (const n of derived.filter((x) => x.standing === 'invited')) {
    sections.push(`Invitation from the neighborhood of ${n.members.join(', ')}: say !neighborhood accept ${n.members[0] ?? ''} to join, or !neighborhood reject ${n.members[0] ?? ''} to decline.`);
  }
  for (const n of derived.filter((x) => x.standing === 'removed')) {
    sections.push(`The other members removed this community from the neighborhood of ${n.members.join(', ')}.`);
  }
  if (!home) sections.unshift('This community is not in a neighborhood. Start one with !neighborhood create.');
  return sections.join('\n\n');
}
