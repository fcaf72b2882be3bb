// What Hearth knows of each member beyond their account: who invited them,
// when they signed up, their welcome and introduction; and which versions of
// the code of conduct each one agreed to, and was sent.
import type { Database } from './database.ts';

export interface MemberProfile {
  userId: string;
  invitedBy: string | null;
  invitationCode: string | null;
  signedUpAt: number | null;
  welcomedAt: number | null;
  introduction: string | null;
  introducedAt: number | null;
  announcedAt: number | null;
}

export interface OnboardingStore {
  profile(userId: string): Promise<MemberProfile | null>;
  profiles(): Promise<Map<string, MemberProfile>>;
  recordSignUp(userId: string, invitedBy: string, code: string, now: number): Promise<void>;
  /** Marks the welcome DM sent; false when it had been marked before. */
  markWelcomed(userId: string, now: number): Promise<boolean>;
  setIntroduction(userId: string, text: string, now: number): Promise<void>;
  /** Marks the "Please welcome" post made; false when it had been made before. */
  markAnnounced(userId: string, now: number): Promise<boolean>;

  /** Records an agreement; false when this member had agreed to this version before. */
  agree(userId: string, version: string, now: number): Promise<boolean>;
  /** The versions a member agreed to. */
  agreedVersions(userId: string): Promise<string[]>;
  /** Every member's agreed versions. */
  agreements(): Promise<Map<string, string[]>>;
  /** When a version of the code of conduct was first in effect (recording it now if it is new). */
  versionSeen(version: string, now: number): Promise<number>;
  /** The members who were sent a version. */
  noticesSent(version: string): Promise<Set<string>>;
  /** Records that a member was sent a version; false when they had been sent it before. */
  markNoticeSent(userId: string, version: string, now: number): Promise<boolean>;
}

interface ProfileRow {
  user_id: string;
  invited_by: string | null;
  invitation_code: string | null;
  signed_up_at: number | string | null;
  welcomed_at: number | string | null;
  introduction: string | null;
  introduced_at: number | string | null;
  announced_at: number | string | null;
}

interface AgreementRow {
  user_id: string;
  version: string;
  agreed_at: number | string;
}

const optionalNumber = (value: number | string | null): number | null => (value === null ? null : Number(value));

function fromRow(row: ProfileRow): MemberProfile {
  return {
    userId: row.user_id,
    invitedBy: row.invited_by,
    invitationCode: row.invitation_code,
    signedUpAt: optionalNumber(row.signed_up_at),
    welcomedAt: optionalNumber(row.welcomed_at),
    introduction: row.introduction,
    introducedAt: optionalNumber(row.introduced_at),
    announcedAt: optionalNumber(row.announced_at),
  };
}

export function createOnboardingStore(db: Database): OnboardingStore {
  const profiles = () => db<ProfileRow>('member_profiles');
  const ensureProfile = async (userId: string): Promise<void> => {
    await profiles().insert({ user_id: userId }).onConflict('user_id').ignore();
  };
  /** Sets a timestamp column once; true when this call set it. */
  const setOnce = async (userId: string, column: 'welcomed_at' | 'announced_at', now: number): Promise<boolean> => {
    await ensureProfile(userId);
    return (await profiles().where({ user_id: userId }).whereNull(column).update({ [column]: now })) > 0;
  };
  return {
    async profile(userId) {
      const row = await profiles().where({ user_id: userId }).first();
      return row ? fromRow(row) : null;
    },
    async profiles() {
      return new Map((await profiles()).map((row) => [row.user_id, fromRow(row)]));
    },
    async recordSignUp(userId, invitedBy, code, now) {
      await profiles().insert({ user_id: userId, invited_by: invitedBy, invitation_code: code, signed_up_at: now })
        .onConflict('user_id').merge({ invited_by: invitedBy, invitation_code: code, signed_up_at: now });
    },
    markWelcomed: (userId, now) => setOnce(userId, 'welcomed_at', now),
    async setIntroduction(userId, text, now) {
      await ensureProfile(userId);
      await profiles().where({ user_id: userId }).update({ introduction: text, introduced_at: now });
    },
    markAnnounced: (userId, now) => setOnce(userId, 'announced_at', now),

    async agree(userId, version, now) {
      const inserted = await db('coc_agreements').insert({ user_id: userId, version, agreed_at: now }).onConflict(['user_id', 'version']).ignore().returning('user_id');
      return inserted.length > 0;
    },
    async agreedVersions(userId) {
      return (await db<AgreementRow>('coc_agreements').where({ user_id: userId }).orderBy('agreed_at').select('version')).map((r) => r.version);
    },
    async agreements() {
      const rows: { user_id: string; version: string }[] = await db('coc_agreements').select('user_id', 'version');
      const byMember = new Map<string, string[]>();
      for (const row of rows) byMember.set(row.user_id, [...(byMember.get(row.user_id) ?? []), row.version]);
      return byMember;
    },
    async versionSeen(version, now) {
      await db('coc_versions').insert({ version, first_seen_at: now }).onConflict('version').ignore();
      const row = await db<{ version: string; first_seen_at: number | string }>('coc_versions').where({ version }).first();
      return Number(row?.first_seen_at ?? now);
    },
    async noticesSent(version) {
      return new Set((await db<{ user_id: string; version: string }>('coc_notices').where({ version }).select('user_id')).map((r) => r.user_id));
    },
    async markNoticeSent(userId, version, now) {
      const inserted = await db('coc_notices').insert({ user_id: userId, version, sent_at: now }).onConflict(['user_id', 'version']).ignore().returning('user_id');
      return inserted.length > 0;
    },
  };
}
