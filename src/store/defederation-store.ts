// Defederation: open proposals with their impact reports, the members'
// replies, the decisions themselves, and the contacts each member lost.
import type { Database } from './database.ts';

export type ProposalStatus = 'open' | 'decided' | 'withdrawn';

export interface Proposal {
  id: number;
  target: string;
  reason: string;
  proposedBy: string;
  proposedAt: number;
  dueAt: number;
  status: ProposalStatus;
  report: string;
}

export interface Reply {
  member: string;
  body: string;
  repliedAt: number;
}

export interface SeveredContact {
  contact: string;
  serverGlob: string;
  severedAt: number;
  restoredAt: number | null;
}

export interface Decision {
  glob: string;
  reason: string;
  decidedBy: string;
  decidedAt: number;
}

export interface DefederationStore {
  openProposal(target: string): Promise<Proposal | null>;
  openTargets(): Promise<string[]>;
  createProposal(p: Omit<Proposal, 'id' | 'status'>): Promise<Proposal>;
  setProposalStatus(id: number, status: ProposalStatus): Promise<void>;
  addReply(proposalId: number, reply: Reply): Promise<void>;
  replies(proposalId: number): Promise<Reply[]>;
  /** Records the decision; false when the glob was already defederated. */
  recordDecision(decision: Decision): Promise<boolean>;
  removeDecision(glob: string): Promise<boolean>;
  /**
   * Replaces decisions with one glob that covers them (a compaction), in one
   * database transaction: the new decision recorded, the replaced ones gone,
   * and the contacts severed under them moved under it, so that refederating
   * the glob restores them.
   */
  replaceDecisions(replaced: readonly string[], decision: Decision): Promise<void>;
  decision(glob: string): Promise<Decision | null>;
  recordSevered(member: string, contacts: readonly string[], glob: string, now: number): Promise<void>;
  restoreSevered(glob: string, now: number): Promise<void>;
  severedFor(member: string): Promise<SeveredContact[]>;
}

interface ProposalRow {
  id: number;
  target: string;
  reason: string;
  proposed_by: string;
  proposed_at: number | string;
  due_at: number | string;
  status: ProposalStatus;
  report: string;
}

function proposalOf(row: ProposalRow): Proposal {
  return {
    id: row.id,
    target: row.target,
    reason: row.reason,
    proposedBy: row.proposed_by,
    proposedAt: Number(row.proposed_at),
    dueAt: Number(row.due_at),
    status: row.status,
    report: row.report,
  };
}

export function createDefederationStore(db: Database): DefederationStore {
  return {
    async openProposal(target) {
      const row = await db<ProposalRow>('defederation_proposals').where({ target, status: 'open' }).orderBy('id', 'desc').first();
      return row ? proposalOf(row) : null;
    },
    async openTargets() {
      const rows = (await db('defederation_proposals').where({ status: 'open' }).distinct('target').orderBy('target')) as { target: string }[];
      return rows.map((r) => r.target);
    },
    async createProposal(p) {
      const [row] = await db<ProposalRow>('defederation_proposals')
        .insert({ target: p.target, reason: p.reason, proposed_by: p.proposedBy, proposed_at: p.proposedAt, due_at: p.dueAt, status: 'open', report: p.report })
        .returning('*');
      if (!row) throw new Error('the proposal was not stored');
      return proposalOf(row);
    },
    async setProposalStatus(id, status) {
      await db('defederation_proposals').where({ id }).update({ status });
    },
    async addReply(proposalId, reply) {
      await db('defederation_replies').insert({ proposal_id: proposalId, member: reply.member, body: reply.body, replied_at: reply.repliedAt });
    },
    async replies(proposalId) {
      const rows = (await db('defederation_replies').where({ proposal_id: proposalId }).orderBy('id')) as { member: string; body: string; replied_at: number | string }[];
      return rows.map((r) => ({ member: r.member, body: r.body, repliedAt: Number(r.replied_at) }));
    },
    async recordDecision(d) {
      const inserted = await db('defederated_servers')
        .insert({ server_glob: d.glob, reason: d.reason, decided_by: d.decidedBy, decided_at: d.decidedAt })
        .onConflict('server_glob')
        .ignore()
        .returning('server_glob');
      return inserted.length > 0;
    },
    async removeDecision(glob) {
      return (await db('defederated_servers').where({ server_glob: glob }).delete()) > 0;
    },
    async replaceDecisions(replaced, d) {
      await db.transaction(async (trx) => {
        await trx('defederated_servers')
          .insert({ server_glob: d.glob, reason: d.reason, decided_by: d.decidedBy, decided_at: d.decidedAt })
          .onConflict('server_glob')
          .ignore();
        await trx('defederated_servers').whereIn('server_glob', [...replaced]).delete();
        type Severed = { member: string; contact: string; severed_at: number | string; restored_at: number | string | null };
        const severed: Severed[] = await trx('severed_contacts').whereIn('server_glob', [...replaced]).select('member', 'contact', 'severed_at', 'restored_at');
        if (severed.length === 0) return;
        await trx('severed_contacts')
          .insert(severed.map((r) => ({ member: r.member, contact: r.contact, server_glob: d.glob, severed_at: r.severed_at, restored_at: r.restored_at })))
          .onConflict(['member', 'contact', 'server_glob'])
          .ignore();
        await trx('severed_contacts').whereIn('server_glob', [...replaced]).delete();
      });
    },
    async decision(glob) {
      const row = (await db('defederated_servers').where({ server_glob: glob }).first()) as
        { server_glob: string; reason: string; decided_by: string | null; decided_at: number | string } | undefined;
      return row ? { glob: row.server_glob, reason: row.reason, decidedBy: row.decided_by ?? '', decidedAt: Number(row.decided_at) } : null;
    },
    async recordSevered(member, contacts, glob, now) {
      if (contacts.length === 0) return;
      await db('severed_contacts')
        .insert(contacts.map((contact) => ({ member, contact, server_glob: glob, severed_at: now })))
        .onConflict(['member', 'contact', 'server_glob'])
        .merge({ severed_at: now, restored_at: null });
    },
    async restoreSevered(glob, now) {
      await db('severed_contacts').where({ server_glob: glob }).whereNull('restored_at').update({ restored_at: now });
    },
    async severedFor(member) {
      const rows = (await db('severed_contacts').where({ member }).orderBy('severed_at').orderBy('contact')) as
        { contact: string; server_glob: string; severed_at: number | string; restored_at: number | string | null }[];
      return rows.map((r) => ({ contact: r.contact, serverGlob: r.server_glob, severedAt: Number(r.severed_at), restoredAt: r.restored_at === null ? null : Number(r.restored_at) }));
    },
  };
}
