// The onboarding commands: invitations, the code of conduct, introductions,
// who everyone is, the members' list and removal, and the admins.
import { CommandError, defineCommand, type Command, type Permission } from '../commands/command.ts';
import type { MembersStore } from '../store/members-store.ts';
import type { OnboardingStore } from '../store/onboarding-store.ts';
import { count } from '../text/plural.ts';
import { isOverdue, standingOf, type Standing } from './agreement.ts';
import type { AdminList } from './admins.ts';
import { describeHeadcount } from './cap.ts';
import { parseValidity } from './invitation-state.ts';
import type { Invitations, ListedInvitation } from './invitations.ts';
import type { MemberRemovals } from './removal.ts';
import type { Welcome } from './welcome.ts';

export interface OnboardingCommandsOptions {
  invitations: Invitations;
  welcome: Welcome;
  removals: MemberRemovals;
  admins: AdminList;
  /** After the admins changed: invite or remove from the admin room, and reconcile power levels. */
  adminsChanged: (userId: string, change: 'added' | 'removed') => Promise<void>;
  store: OnboardingStore;
  members: Pick<MembersStore, 'all'>;
  removed: () => Promise<ReadonlySet<string>>;
  isLocalMember: (userId: string) => boolean;
  membersMayInvite: boolean;
  invitationDays: number;
  graceDays: number;
  /** When the code of conduct in effect was first in effect. */
  cocSince: () => Promise<number | null>;
  hasAdminApi: boolean;
  now?: () => number;
}

const DAY_MS = 86_400_000;
const NOTE_MAX = 200;

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function checkedNote(note: string | true | undefined): string | null {
  if (note === undefined || note === true) return null;
  const text = note.trim();
  // The note is repeated to the admins: one line, short, nothing that rearranges the text around it.
  if (text.length > NOTE_MAX) throw new CommandError(`The note is too long: at most ${NOTE_MAX} characters.`);
  if (/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u.test(text)) {
    throw new CommandError('The note must be one line of plain text.');
  }
  return text === '' ? null : text;
}

function describeInvitation(invitation: ListedInvitation, link: string | null): string {
  const note = invitation.note ? ` for "${invitation.note}"` : '';
  const by = `made by ${invitation.createdBy}${note} on ${day(invitation.createdAt)}`;
  switch (invitation.state) {
    case 'open':
      return `${invitation.code} — open until ${day(invitation.expiresAt)}, ${by}${link ? `: ${link}` : ''}`;
    case 'used':
      return `${invitation.code} — used by ${invitation.usedBy ?? 'someone'} on ${day(invitation.usedAt ?? 0)}, ${by}`;
    case 'expired':
      return `${invitation.code} — expired on ${day(invitation.expiresAt)}, ${by}`;
    case 'revoked':
      return `${invitation.code} — revoked by ${invitation.revokedBy ?? 'an admin'} on ${day(invitation.revokedAt ?? 0)}, ${by}`;
  }
}

function describeStanding(standing: Standing, overdue: boolean): string {
  switch (standing) {
    case 'not required':
      return '';
    case 'agreed':
      return 'agreed to the code of conduct';
    case 'agreed earlier':
      return overdue ? 'has NOT agreed to the current code of conduct (past the grace days)' : 'has not agreed to the current code of conduct yet';
    case 'never agreed':
      return overdue ? 'has NEVER agreed to the code of conduct (past the grace days)' : 'has not agreed to the code of conduct yet';
  }
}

export function onboardingCommands(o: OnboardingCommandsOptions): Command[] {
  const now = (): number => (o.now ?? Date.now)();
  const invitePermission: Permission = o.membersMayInvite ? 'member' : 'admin';
  const canSeeAll = (isAdmin: boolean): boolean => isAdmin;

  const inviteCreate = defineCommand({
    name: 'invite create',
    summary: 'Make a single-use invitation link for someone to sign up.',
    params: [],
    flags: [
      { name: 'note', value: 'note', description: 'who it is for, for your own records (e.g. "Sam, Alice\'s friend")' },
      { name: 'expires', value: 'time', description: `how long the link works: 12h, 7d, 2w (default ${o.invitationDays}d)` },
    ],
    permission: invitePermission,
    async run(context, args) {
      const note = checkedNote(args.flag('note'));
      const expires = args.flag('expires');
      const validity = typeof expires === 'string' ? parseValidity(expires) : o.invitationDays * DAY_MS;
      if (validity === null) throw new CommandError('--expires takes a time like 12h, 7d or 2w (at most a year).');
      const invitation = await o.invitations.create(context.sender, note, validity);
      const link = o.invitations.linkFor(invitation.code);
      const headcount = describeHeadcount(await o.invitations.headcount());
      const until = `It works once, until ${new Date(invitation.expiresAt).toISOString().replace('T', ' ').slice(0, 16)} UTC.`;
      const text = link
        ? `Invitation link${note ? ` for ${note}` : ''}: ${link}\n${until} Places taken: ${headcount}.`
        : `Invitation code${note ? ` for ${note}` : ''}: ${invitation.code}\nHearth's web listener is off (web.enabled), so there is no link: in a Matrix client that asks for a registration token, sign up with this code. ${until} Places taken: ${headcount}.`;
      return { text };
    },
  });

  const inviteList = defineCommand({
    name: 'invite list',
    summary: 'List the invitations: open, used, expired and revoked, with who made each.',
    params: [],
    permission: invitePermission,
    async run(context) {
      const all = (await o.invitations.list()).filter((i) => canSeeAll(context.isAdmin) || i.createdBy === context.sender);
      const headcount = describeHeadcount(await o.invitations.headcount());
      if (all.length === 0) return { text: `No invitations yet. Places taken: ${headcount}. Say !invite create to make one.` };
      const groups = (['open', 'used', 'expired', 'revoked'] as const).map((state) => {
        const items = all.filter((i) => i.state === state);
        return items.length === 0 ? null : [`${state[0]?.toUpperCase() ?? ''}${state.slice(1)} (${items.length}):`, ...items.map((i) => `- ${describeInvitation(i, state === 'open' ? o.invitations.linkFor(i.code) : null)}`)].join('\n');
      }).filter((group): group is string => group !== null);
      return { text: [`Places taken: ${headcount}.`, ...groups].join('\n\n') };
    },
  });

  const inviteRevoke = defineCommand({
    name: 'invite revoke',
    summary: 'Withdraw an open invitation, so its link and code stop working.',
    params: [{ name: 'code', kind: 'word', description: 'the invitation code (the last part of its link)' }],
    permission: invitePermission,
    async run(context, args) {
      const code = args.string('code').replace(/^.*\/invite\//, '');
      await o.invitations.revoke(code, context.sender, (invitation) => context.isAdmin || invitation.createdBy === context.sender);
      return { text: `Revoked the invitation ${code}: its link no longer works.` };
    },
  });

  const coc = defineCommand({
    name: 'coc',
    summary: 'Show the code of conduct, and whether you have agreed to it.',
    params: [],
    permission: 'member',
    async run(context) {
      const text = o.welcome.codeOfConduct;
      if (!text) return { text: 'This community has no written code of conduct.' };
      const standing = await o.welcome.standing(context.sender);
      const footer = standing === 'agreed' ? 'You have agreed to it.' : 'Say !agree to agree to it.';
      return { text: `Our code of conduct:\n\n${text.markdown}\n\n${footer}`, html: `<p><strong>Our code of conduct</strong></p>${text.html}<p>${footer}</p>` };
    },
  });

  const agree = defineCommand({
    name: 'agree',
    summary: 'Agree to the code of conduct (say !coc to read it first).',
    params: [],
    permission: 'member',
    async run(context) {
      return { text: await o.welcome.agree(context.sender) };
    },
  });

  const intro = defineCommand({
    name: 'intro',
    summary: 'Introduce yourself to the community in a few sentences (members see it with !who).',
    params: [{ name: 'introduction', kind: 'text', description: 'a few sentences about you' }],
    permission: 'member',
    async run(context, args) {
      return { text: await o.welcome.introduce(context.sender, args.string('introduction')) };
    },
  });

  const who = defineCommand({
    name: 'who',
    summary: 'Who everyone is: each member with their introduction, who invited them, and when they joined.',
    params: [],
    permission: 'member',
    async run() {
      const [rows, profiles, removed] = await Promise.all([o.members.all(), o.store.profiles(), o.removed()]);
      const present = rows.filter((m) => m.leftAt === null && !removed.has(m.userId) && o.isLocalMember(m.userId));
      if (present.length === 0) return { text: 'Nobody is here yet.' };
      const lines = await Promise.all(present.map(async (member) => {
        const profile = profiles.get(member.userId);
        const joined = profile?.signedUpAt ?? member.firstSeenAt;
        const invited = profile?.invitedBy ? `, invited by ${await o.welcome.displayName(profile.invitedBy)}` : '';
        const introduction = profile?.introduction ? `\n  ${profile.introduction}` : '\n  (no introduction yet: !intro)';
        return `- ${await o.welcome.displayName(member.userId)} (${member.userId}), joined ${day(joined)}${invited}${introduction}`;
      }));
      return { text: [`${count(present.length, 'member')}:`, ...lines].join('\n') };
    },
  });

  const memberList = defineCommand({
    name: 'member list',
    summary: 'The members and where each stands: let in, waiting to agree, left, removed.',
    params: [],
    permission: 'admin',
    async run() {
      const [rows, agreements, removed, since, headcount] = await Promise.all([
        o.members.all(), o.store.agreements(), o.removed(), o.cocSince(), o.invitations.headcount(),
      ]);
      const version = o.welcome.codeOfConduct?.version ?? null;
      const lines = rows.filter((m) => o.isLocalMember(m.userId)).map((member) => {
        const standing = standingOf(version, agreements.get(member.userId) ?? []);
        const overdue = since !== null && isOverdue(standing, Math.max(since, member.firstSeenAt), o.graceDays, now());
        let state: string;
        if (removed.has(member.userId)) state = 'removed';
        else if (member.leftAt !== null) state = 'left the space';
        else if (member.invitedAt !== null) state = 'in the community';
        else state = standing === 'never agreed' ? 'waiting to agree to the code of conduct' : 'being invited';
        const agreement = removed.has(member.userId) || member.leftAt !== null ? '' : describeStanding(standing, overdue);
        return `- ${member.userId}: ${state}${agreement ? `; ${agreement}` : ''}`;
      });
      return { text: [`Places taken: ${describeHeadcount(headcount)}.`, ...lines].join('\n') };
    },
  });

  const memberRemove = defineCommand({
    name: 'member remove',
    summary: 'Remove someone from the community: told by DM, then taken out of the space and every room.',
    params: [{ name: 'user', kind: 'user', description: 'the member to remove' }],
    flags: [
      { name: 'reason', value: 'reason', description: 'why, in a few words: the member is told' },
      { name: 'deactivate', description: 'also deactivate their account on the homeserver' },
    ],
    permission: 'admin',
    async run(context, args) {
      const userId = args.string('user');
      const reason = checkedNote(args.flag('reason'));
      if (!reason) throw new CommandError('Say why with --reason "...": the member is told before anything happens.');
      if (!o.isLocalMember(userId)) throw new CommandError(`${userId} is not a member of this community.`);
      if (o.admins.isAdmin(userId)) throw new CommandError(`${userId} is an admin: !admin remove them first.`);
      const deactivate = args.flag('deactivate') === true;
      if (deactivate && !o.hasAdminApi) throw new CommandError('--deactivate needs Synapse\'s admin API: set homeserver.admin_token.');
      const { fresh } = await o.removals.start(userId, reason, deactivate, context.sender);
      if (!fresh) return { text: `${userId} is being removed already; the admin room hears each step.` };
      return { text: `Removing ${userId}${deactivate ? ' and deactivating their account' : ''}: they are told first, then taken out of the space and every room. Each step is reported here.` };
    },
  });

  const adminAdd = defineCommand({
    name: 'admin add',
    summary: 'Make a member an admin: invited to the admin room, moderator in every room.',
    params: [{ name: 'user', kind: 'user', description: 'the member to make an admin' }],
    permission: 'admin',
    async run(_context, args) {
      const userId = args.string('user');
      if (!o.isLocalMember(userId)) throw new CommandError(`${userId} is not a member of this community: admins must be.`);
      if (!(await o.admins.add(userId, _context.sender))) return { text: `${userId} is an admin already.` };
      await o.adminsChanged(userId, 'added');
      return { text: `${userId} is an admin now: invited to this room, and made a moderator in every managed room.` };
    },
  });

  const adminRemove = defineCommand({
    name: 'admin remove',
    summary: 'Stop someone being an admin (never the last one).',
    params: [{ name: 'user', kind: 'user', description: 'the admin to remove' }],
    permission: 'admin',
    async run(context, args) {
      const userId = args.string('user');
      const outcome = await o.admins.remove(userId, context.sender);
      if (outcome === 'not an admin') throw new CommandError(`${userId} is not an admin.`);
      if (outcome === 'last admin') throw new CommandError(`${userId} is the last admin: make someone else an admin first (!admin add).`);
      await o.adminsChanged(userId, 'removed');
      return { text: `${userId} is no longer an admin: out of this room, and no longer a moderator in the managed rooms.` };
    },
  });

  const adminList = defineCommand({
    name: 'admin list',
    summary: 'List the admins.',
    params: [],
    permission: 'admin',
    run() {
      return Promise.resolve({ text: `Admins: ${o.admins.current().join(', ')}` });
    },
  });

  return [inviteCreate, inviteList, inviteRevoke, coc, agree, intro, who, memberList, memberRemove, adminAdd, adminRemove, adminList];
}
