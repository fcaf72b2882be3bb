// Defederation with informed consent, as a service the admin commands (and
// later the web pages) call: propose with an impact report and a DM to each
// affected member, collect their replies, then decide (or decide at once for
// abuse), and reverse it. Each decision is recorded, published as a policy
// rule, and propagated to every room's ACL by a persisted job.
import { CommandError } from '../commands/command.ts';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { DirectMessenger } from '../community/direct-messages.ts';
import type { Logger } from '../logging/logger.ts';
import type { DefederationStore, Proposal } from '../store/defederation-store.ts';
import type { RoomMembersStore } from '../store/room-members-store.ts';
import type { CommunityFacts } from '../tiers/facts.ts';
import { serverAcl } from '../tiers/policy.ts';
import { compactDenyList, fitsInAnEvent } from './acl-size.ts';
import type { AclPropagation } from './acl-propagation.ts';
import { computeImpact, gatherRooms, renderImpact, type ImpactReport, type ImpactSources } from './impact.ts';
import type { PolicyList } from './policy-list.ts';
import { checkDefederationTarget } from './server-names.ts';
import { count } from '../text/plural.ts';

export interface DefederationOptions {
  serverName: string;
  consentDays: number;
  store: DefederationStore;
  members: RoomMembersStore;
  impactSources: ImpactSources;
  isLocalMember: (userId: string) => boolean;
  facts: () => Promise<CommunityFacts>;
  propagation: AclPropagation;
  policyList: PolicyList;
  messenger: DirectMessenger;
  notify: NotifyAdmins;
  log: Logger;
  /** Told after every decision or reversal (the neighborhood re-derives who it allows). */
  afterChange?: () => Promise<void>;
  now?: () => number;
}

const DAY_MS = 86_400_000;

/** What a decision cost the members, in words: plain when it cost nobody anything. */
export function whoLostContacts(members: number, contacts: number): string {
  if (members === 0) return 'No member shared a room with anyone there, so nobody lost a contact.';
  return `${count(members, 'member')} lost ${count(contacts, 'contact')} and ${members === 1 ? 'was' : 'were'} told.`;
}

/** Who a proposal was told to. */
export function whoWasTold(members: number): string {
  if (members === 0) return 'No member shares a room with anyone there, so nobody was told.';
  return `Told ${count(members, 'member')} by DM; their replies will appear here.`;
}

function day(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

export class Defederation {
  private readonly o: DefederationOptions;

  constructor(options: DefederationOptions) {
    this.o = options;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private target(input: string): string {
    const checked = checkDefederationTarget(input, this.o.serverName);
    if (!checked.ok) throw new CommandError(`Cannot defederate that: ${checked.problem}.`);
    return checked.glob;
  }

  private static reason(text: string): string {
    const reason = text.trim();
    if (reason === '') throw new CommandError('Give a reason: members are told it. Example: !defederate propose far.example.org "spam and harassment"');
    return reason;
  }

  /** `alreadyCut`: servers cut off before, whose accounts are no new loss. */
  async impact(glob: string, alreadyCut: readonly string[] = []): Promise<ImpactReport> {
    const { coverage, rooms } = await gatherRooms(this.o.impactSources);
    const accounts = rooms.flatMap((r) => r.members);
    return computeImpact({
      target: glob,
      coverage,
      rooms,
      isLocalMember: this.o.isLocalMember,
      lastSeen: await this.o.members.lastSeen(accounts),
      knownServers: await this.o.members.knownServers(),
      alreadyCut,
    });
  }

  /** The servers no compaction may cut off: this one and every neighbor. */
  private static protectedServers(facts: CommunityFacts): string[] {
    return [facts.serverName, ...facts.neighbors];
  }

  /** Refuses a deny list the ACL event could not hold, offering the compaction that would fit. */
  private async ensureAclFits(extraGlob: string): Promise<void> {
    const facts = await this.o.facts();
    const deny = [...facts.defederated, extraGlob];
    // Neighborhood rooms list every neighbor as well, so theirs is the larger ACL.
    const acls = [serverAcl('public', { ...facts, defederated: deny }), serverAcl('neighborhood', { ...facts, defederated: deny })];
    if (acls.every((acl) => acl === null || fitsInAnEvent(acl))) return;
    const compacted = compactDenyList(deny, Defederation.protectedServers(facts));
    const merges = [...compacted.merged].map(([glob, entries]) => `${glob} (for ${entries.length} entries)`).join(', ');
    throw new CommandError(
      `The ACL would grow past Matrix's 64 KiB event limit with ${deny.length} denied servers, so nothing was changed. ` +
      (merges ? `Compacting by parent domain would merge: ${merges}. Say !defederate compact to do that first.` : 'No entries share a parent domain to merge; remove some with !refederate.') +
      withheldSentence(compacted.withheld),
    );
  }

  async propose(input: string, reasonText: string, by: string): Promise<{ proposal: Proposal; report: ImpactReport; told: string[] }> {
    const glob = this.target(input);
    const reason = Defederation.reason(reasonText);
    if (await this.o.store.decision(glob)) throw new CommandError(`${glob} is already defederated.`);
    const open = await this.o.store.openProposal(glob);
    // Proposing again (or a retry after a crash midway) tells whoever was not told yet; the DMs' IDs make repeats harmless.
    if (open) return this.tellAffected(open, JSON.parse(open.report) as ImpactReport);
    await this.ensureAclFits(glob);
    const report = await this.impact(glob);
    const now = this.now();
    const proposal = await this.o.store.createProposal({ target: glob, reason, proposedBy: by, proposedAt: now, dueAt: now + this.o.consentDays * DAY_MS, report: JSON.stringify(report) });
    this.o.log.info('defederation proposed', { target: glob, by, affected_members: report.members.length });
    return this.tellAffected(proposal, report);
  }

  private async tellAffected(proposal: Proposal, report: ImpactReport): Promise<{ proposal: Proposal; report: ImpactReport; told: string[] }> {
    const glob = proposal.target;
    const reason = proposal.reason;
    for (const { member, contacts } of report.members) {
      await this.o.messenger.send(member, {
        id: `defed-proposal.${proposal.id}.${member}`,
        text: [
          `Your admin proposes to cut this community off from ${glob}. Reason: ${reason}`,
          `You share rooms with ${contacts.map((c) => c.userId).join(', ')}. If it goes ahead, you will no longer be able to reach them from here.`,
          `The decision is due on ${day(proposal.dueAt)}. To tell the admins what you think, reply here: !defederate reply ${glob} <your words>`,
        ].join('\n'),
      });
    }
    return { proposal, report, told: report.members.map((m) => m.member) };
  }

  async reply(member: string, input: string, text: string): Promise<void> {
    const glob = this.target(input);
    const proposal = await this.o.store.openProposal(glob);
    if (!proposal) throw new CommandError(`There is no open proposal about ${glob}.`);
    if (text.trim() === '') throw new CommandError(`Say what you think after the server name: !defederate reply ${glob} <your words>`);
    await this.o.store.addReply(proposal.id, { member, body: text.trim(), repliedAt: this.now() });
    await this.o.notify(`${member} replied about cutting off ${glob}: ${text.trim()}`);
  }

  async confirm(input: string, by: string): Promise<string> {
    const glob = this.target(input);
    const proposal = await this.o.store.openProposal(glob);
    if (!proposal) throw new CommandError(`There is no open proposal about ${glob}. Propose it first (!defederate propose), or for abuse use !defederate now.`);
    const early = this.now() < proposal.dueAt ? ` This is before the announced date (${day(proposal.dueAt)}).` : '';
    const replies = (await this.o.store.replies(proposal.id)).length;
    return (await this.decide(glob, proposal.reason, by, proposal)) + ` ${replies} member repl${replies === 1 ? 'y was' : 'ies were'} received.${early}`;
  }

  /** Drops an open proposal without cutting anyone off; the members who were told of it are told it is off. */
  async withdraw(input: string, by: string): Promise<string> {
    const glob = this.target(input);
    const proposal = await this.o.store.openProposal(glob);
    if (!proposal) throw new CommandError(`There is no open proposal about ${glob}.`);
    await this.o.store.setProposalStatus(proposal.id, 'withdrawn');
    const report = JSON.parse(proposal.report) as ImpactReport;
    for (const { member } of report.members) {
      await this.o.messenger.send(member, {
        id: `defed-withdrawn.${proposal.id}.${member}`,
        text: `Your admin withdrew the proposal to cut this community off from ${glob}: nothing changes, and you can still reach everyone there.`,
      });
    }
    this.o.log.info('defederation proposal withdrawn', { target: glob, by, told: report.members.length });
    return `Withdrew the proposal to cut off ${glob}; nothing changes. ${report.members.length === 0 ? 'Nobody had been told of it.' : `Told ${count(report.members.length, 'member')} by DM.`}`;
  }

  async decideNow(input: string, reasonText: string, by: string): Promise<string> {
    const glob = this.target(input);
    const reason = Defederation.reason(reasonText);
    return this.decide(glob, reason, by, await this.o.store.openProposal(glob));
  }

  private async decide(glob: string, reason: string, by: string, proposal: Proposal | null): Promise<string> {
    await this.ensureAclFits(glob);
    const report = await this.impact(glob);
    const decidedAt = this.now();
    if (!(await this.o.store.recordDecision({ glob, reason, decidedBy: by, decidedAt }))) return this.completeEarlierDecision(glob);
    for (const { member, contacts } of report.members) {
      await this.o.store.recordSevered(member, contacts.map((c) => c.userId), glob, decidedAt);
    }
    if (proposal) await this.o.store.setProposalStatus(proposal.id, 'decided');
    await this.o.policyList.ban(glob, reason);
    const job = await this.o.propagation.enqueue(`${glob} defederated`);
    for (const { member, contacts } of report.members) {
      await this.o.messenger.send(member, {
        id: `defed-decided.${glob}.${decidedAt}.${member}`,
        text: `This community is now cut off from ${glob}. Reason: ${reason}\nYou can no longer reach ${contacts.map((c) => c.userId).join(', ')}. Say !severed to see every contact you lost this way.`,
      });
    }
    this.o.log.info('defederated', { target: glob, by, job_id: job.id, affected_members: report.members.length });
    await this.o.afterChange?.();
    const lost = report.members.reduce((sum, m) => sum + m.contacts.length, 0);
    return `Defederated ${glob}. ${whoLostContacts(report.members.length, lost)} The ACL change is on its way to every room; progress follows here.`;
  }

  /**
   * Asked again for a decision already recorded (or retried after a crash
   * midway): make sure what follows from it is done. Publishing the rule and
   * comparing every room's ACL are safe to repeat.
   */
  private async completeEarlierDecision(glob: string): Promise<string> {
    const decision = await this.o.store.decision(glob);
    await this.o.policyList.ban(glob, decision?.reason ?? '');
    await this.o.propagation.enqueue(`${glob} defederated (checked again)`);
    return `${glob} was already defederated${decision ? ` (since ${day(decision.decidedAt)})` : ''}. Its rule is published and every room's ACL is being checked again.`;
  }

  async refederate(input: string, by: string): Promise<string> {
    const glob = this.target(input);
    if (!(await this.o.store.removeDecision(glob))) throw new CommandError(`${glob} is not defederated.`);
    await this.o.store.restoreSevered(glob, this.now());
    await this.o.policyList.unban(glob);
    await this.o.propagation.enqueue(`${glob} refederated`);
    this.o.log.info('refederated', { target: glob, by });
    await this.o.afterChange?.();
    return `${glob} is no longer defederated; its users can join federating rooms again. (Those removed earlier are not invited back, and history stays as it is.)`;
  }

  async status(): Promise<string> {
    const facts = await this.o.facts();
    const lines = [facts.defederated.length > 0 ? `Defederated: ${facts.defederated.join(', ')}.` : 'No server is defederated.'];
    for (const glob of await this.openTargets()) {
      const proposal = await this.o.store.openProposal(glob);
      if (!proposal) continue;
      const report = JSON.parse(proposal.report) as ImpactReport;
      const replies = await this.o.store.replies(proposal.id);
      lines.push(
        `Proposal to cut off ${glob} (by ${proposal.proposedBy}, due ${day(proposal.dueAt)}): ${proposal.reason}`,
        renderImpact(report),
        replies.length === 0 ? 'No replies yet.' : `Replies:\n${replies.map((r) => `- ${r.member}: ${r.body}`).join('\n')}`,
      );
    }
    return lines.join('\n\n');
  }

  private async openTargets(): Promise<string[]> {
    return this.o.store.openTargets();
  }

  async severed(member: string): Promise<string> {
    const contacts = (await this.o.store.severedFor(member)).filter((c) => c.restoredAt === null);
    if (contacts.length === 0) return 'You have lost no contacts to a defederation.';
    return ['Contacts you lost when this community cut their servers off:', ...contacts.map((c) => `- ${c.contact} (${c.serverGlob}, since ${day(c.severedAt)})`)].join('\n');
  }

  /**
   * Replaces deny entries that share a parent domain with one glob for it. A
   * merged glob cuts off more than was decided (every server under that
   * parent), so it goes the way of a decision: an impact report of what it
   * newly cuts off, the contacts recorded as severed, a DM to each member who
   * loses one, the ACL change, the neighborhood re-derived; and the answer
   * names the servers it newly matches. A merge that would cut off this server
   * or a neighbor is never made. Each merge's decisions change in one
   * database transaction.
   */
  async compact(by: string): Promise<string> {
    const facts = await this.o.facts();
    const { merged, withheld } = compactDenyList(facts.defederated, Defederation.protectedServers(facts));
    if (merged.size === 0) return `Nothing to compact: no two denied servers share a parent domain that may be cut off whole.${withheldSentence(withheld)}`;
    const now = this.now();
    const done: { glob: string; entries: string[]; report: ImpactReport }[] = [];
    for (const [glob, entries] of merged) {
      const reason = `compaction of ${entries.join(', ')}`;
      const report = await this.impact(glob, facts.defederated);
      // Published before the entries it replaces are withdrawn, so the list never covers less; and before
      // the decisions change, so a failure here leaves the compaction to be asked for again, whole.
      await this.o.policyList.ban(glob, reason);
      for (const entry of entries) await this.o.policyList.unban(entry);
      await this.o.store.replaceDecisions(entries, { glob, reason, decidedBy: by, decidedAt: now });
      for (const { member, contacts } of report.members) await this.o.store.recordSevered(member, contacts.map((c) => c.userId), glob, now);
      done.push({ glob, entries, report });
    }
    const job = await this.o.propagation.enqueue('deny list compacted');
    for (const { glob, entries, report } of done) {
      for (const { member, contacts } of report.members) {
        await this.o.messenger.send(member, {
          id: `defed-compacted.${glob}.${now}.${member}`,
          text: `This community is now cut off from every server under ${glob.slice(2)} (${glob}), which replaces the earlier decisions about ${entries.join(', ')}.\n` +
            `You can no longer reach ${contacts.map((c) => c.userId).join(', ')}. Say !severed to see every contact you lost this way.`,
        });
      }
    }
    const members = done.reduce((sum, d) => sum + d.report.members.length, 0);
    const lost = done.reduce((sum, d) => sum + d.report.members.reduce((n, m) => n + m.contacts.length, 0), 0);
    this.o.log.info('compacted the deny list', { by, merged: Object.fromEntries(merged), job_id: job.id, affected_members: members });
    await this.o.afterChange?.();
    const outcomes = done.map(({ glob, entries, report }) => `${entries.join(', ')} → ${glob}, which also cuts off every other server under ${glob.slice(2)}` +
      (report.matchedServers.length > 0 ? ` (of those Hearth knows: ${report.matchedServers.join(', ')})` : ' (Hearth knows none yet)'));
    return `Compacted: ${outcomes.join('; ')}. ${whoLostContacts(members, lost)} The ACL change is on its way to every room; progress follows here.${withheldSentence(withheld)}`;
  }
}

/** The merges left out because they would cut off this server or a neighbor, in a sentence (or nothing). */
function withheldSentence(withheld: ReadonlyMap<string, readonly string[]>): string {
  if (withheld.size === 0) return '';
  return ` Not merged: ${[...withheld].map(([glob, servers]) => `${glob} would also cut off ${servers.join(', ')}`).join('; ')}.`;
}
