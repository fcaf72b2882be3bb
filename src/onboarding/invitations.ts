// Invitations: each a single-use Synapse registration token that Hearth
// records with who made it, for whom, and until when. Synapse refuses a used,
// expired or deleted token by itself; Hearth's record is what the sign-up page
// and !invite list read, and what says who invited whom.
import type { NotifyAdmins } from '../community/admin-notices.ts';
import { CommandError } from '../commands/command.ts';
import type { Logger } from '../logging/logger.ts';
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import type { InvitationRow, InvitationsStore } from '../store/invitations-store.ts';
import { describeHeadcount, mayCreateInvitation, type Headcount } from './cap.ts';
import { newInvitationCode, stateOf, type InvitationState } from './invitation-state.ts';

export interface InvitationsOptions {
  store: InvitationsStore;
  admin: Pick<SynapseAdmin, 'createRegistrationToken' | 'deleteRegistrationToken'> | null;
  /** How many members the community has now. */
  memberCount: () => Promise<number>;
  maxMembers: number;
  /** web.public_base_url when the web listener runs; null otherwise. */
  publicBaseUrl: string | null;
  notify: NotifyAdmins;
  log: Logger;
  now?: () => number;
}

export interface ListedInvitation extends InvitationRow {
  state: InvitationState;
}

export class Invitations {
  private readonly o: InvitationsOptions;

  constructor(options: InvitationsOptions) {
    this.o = options;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  async headcount(): Promise<Headcount> {
    const [members, openInvitations] = await Promise.all([this.o.memberCount(), this.o.store.countOpen(this.now())]);
    return { members, openInvitations, max: this.o.maxMembers };
  }

  /** The sign-up link of a code; null when the web listener is off. */
  linkFor(code: string): string | null {
    if (this.o.publicBaseUrl === null) return null;
    return `${this.o.publicBaseUrl.replace(/\/+$/, '')}/invite/${code}`;
  }

  /** Makes an invitation, refusing when the community is full; resolves with its code. */
  async create(createdBy: string, note: string | null, validityMs: number): Promise<InvitationRow> {
    if (!this.o.admin) throw new CommandError('Invitations need Synapse\'s admin API: set homeserver.admin_token in Hearth\'s config (see docs/onboarding.md).');
    const headcount = await this.headcount();
    if (!mayCreateInvitation(headcount)) {
      throw new CommandError(`The community is full (${describeHeadcount(headcount)}), so no invitation was made. Revoke an open invitation, or raise community.max_members.`);
    }
    const now = this.now();
    const row = { code: newInvitationCode(), note, createdBy, createdAt: now, expiresAt: now + validityMs };
    // Recorded first: a token Synapse holds without Hearth's record would be a way in nobody can see.
    await this.o.store.insert(row);
    try {
      await this.o.admin.createRegistrationToken(row.code, row.expiresAt);
    } catch (error) {
      await this.o.store.discard(row.code);
      throw error;
    }
    this.o.log.info('invitation created', { created_by: createdBy, expires_at: new Date(row.expiresAt).toISOString() });
    return { ...row, status: 'open', usedBy: null, usedAt: null, revokedBy: null, revokedAt: null };
  }

  async list(): Promise<ListedInvitation[]> {
    const now = this.now();
    return (await this.o.store.all()).map((row) => ({ ...row, state: stateOf(row, now) }));
  }

  get(code: string): Promise<InvitationRow | null> {
    return this.o.store.get(code);
  }

  /**
   * Revokes an open invitation: Synapse forgets its token, so it cannot be
   * used even with a client. `mayRevoke` says whether the asker may revoke this one.
   */
  async revoke(code: string, by: string, mayRevoke: (invitation: InvitationRow) => boolean): Promise<InvitationRow> {
    const invitation = await this.o.store.get(code);
    if (!invitation || !mayRevoke(invitation)) throw new CommandError(`There is no invitation ${code} that you can revoke. !invite list shows them.`);
    const state = stateOf(invitation, this.now());
    if (state !== 'open') throw new CommandError(`The invitation ${code} is ${state} already.`);
    await this.o.admin?.deleteRegistrationToken(code);
    await this.o.store.markRevoked(code, by, this.now());
    return invitation;
  }

  /** Revokes every open invitation someone made (they are being removed); resolves with how many. */
  async revokeAllFrom(userId: string, by: string): Promise<number> {
    const open = await this.o.store.openCreatedBy(userId);
    for (const invitation of open) {
      await this.o.admin?.deleteRegistrationToken(invitation.code);
      await this.o.store.markRevoked(invitation.code, by, this.now());
    }
    return open.length;
  }

  /** Marks an invitation used by the account made with it; false when it was not open any more. */
  markUsed(code: string, userId: string): Promise<boolean> {
    return this.o.store.markUsed(code, userId, this.now());
  }
}
