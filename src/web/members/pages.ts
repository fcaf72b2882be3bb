// The members' area: who's who, the rooms by tier, my settings and my
// invitations. Every page needs a web session of a member; what a member
// changes here is done by the chat command that does it in Matrix.
import type { Request, Response, Router } from 'express';
import type { Invitations } from '../../onboarding/invitations.ts';
import type { Welcome } from '../../onboarding/welcome.ts';
import type { ManagedRoomsStore } from '../../store/managed-rooms-store.ts';
import type { MembersStore, RemovedMembersStore } from '../../store/members-store.ts';
import type { OnboardingStore } from '../../store/onboarding-store.ts';
import { CSRF_FIELD } from '../csrf.ts';
import type { PageKit } from '../server.ts';
import { WebSessions, type SignedIn } from '../session/web-sessions.ts';
import type { WebAnswer, WebCommands } from '../web-commands.ts';
import { day, roomsByTier, whoIsHere } from './directory.ts';

export interface MembersAreaOptions {
  serverName: string;
  botUserId: string;
  commands: WebCommands;
  isMember: (userId: string) => boolean;
  isAdmin: (userId: string) => boolean;
  welcome: Pick<Welcome, 'displayName'>;
  invitations: Pick<Invitations, 'list' | 'linkFor'>;
  profiles: Pick<OnboardingStore, 'profile' | 'profiles'>;
  members: Pick<MembersStore & RemovedMembersStore, 'all' | 'removed'>;
  rooms: Pick<ManagedRoomsStore, 'all'>;
  /** Who opted out of the Bugle; null when the Bugle is off. */
  bugleOptOuts: (() => Promise<ReadonlySet<string>>) | null;
  membersMayInvite: boolean;
}

function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** The signed-in member, or null after sending them to the login page (a removed member's session ends here). */
export function requireMember(req: Request, res: Response, isMember: (userId: string) => boolean): SignedIn | null {
  const who = WebSessions.signedIn(req);
  if (who && isMember(who.userId)) return who;
  if (who) {
    // No longer a member: the session, and with it the token, ends now.
    req.session.destroy(() => { res.redirect(303, '/login'); });
    return null;
  }
  res.redirect(303, '/login');
  return null;
}

/** Shows the answer on the next page, then goes there (so reloading it sends nothing again). */
export function answerAndGo(req: Request, res: Response, answer: WebAnswer, to: string): void {
  req.session.flash = answer;
  req.session.save(() => { res.redirect(303, to); });
}

export function takeFlash(req: Request): WebAnswer | null {
  const flash = req.session.flash ?? null;
  delete req.session.flash;
  return flash;
}

export function memberPages(o: MembersAreaOptions) {
  return (router: Router, kit: PageKit): void => {
    const render = (req: Request, res: Response, who: SignedIn, view: string, title: string, data: object): void => {
      kit.render(res, `members/${view}`, {
        title, user: who.userId, isAdmin: o.isAdmin(who.userId), adminArea: false, section: view,
        mayInvite: o.membersMayInvite || o.isAdmin(who.userId),
        csrfField: CSRF_FIELD, csrf: kit.formToken(req, res), flash: takeFlash(req), ...data,
      });
    };

    router.get('/members', async (req, res) => {
      const who = requireMember(req, res, o.isMember);
      if (!who) return;
      const [rows, profiles, removed] = await Promise.all([o.members.all(), o.profiles.profiles(), o.members.removed()]);
      const present = whoIsHere({ rows, profiles, removed: new Set(removed), isMember: o.isMember });
      const names = new Map(await Promise.all([...new Set(present.flatMap((m) => (m.invitedBy ? [m.userId, m.invitedBy] : [m.userId])))]
        .map(async (userId) => [userId, await o.welcome.displayName(userId)] as const)));
      render(req, res, who, 'who', "Who's who", {
        people: present.map((m) => ({
          ...m, name: names.get(m.userId) ?? m.userId, joined: day(m.joinedAt),
          invitedByName: m.invitedBy ? names.get(m.invitedBy) ?? m.invitedBy : null, admin: o.isAdmin(m.userId),
        })),
      });
    });

    router.get('/members/rooms', async (req, res) => {
      const who = requireMember(req, res, o.isMember);
      if (!who) return;
      render(req, res, who, 'rooms', 'Rooms', { groups: roomsByTier(await o.rooms.all(), o.serverName) });
    });

    router.get('/members/settings', async (req, res) => {
      const who = requireMember(req, res, o.isMember);
      if (!who) return;
      const [profile, optOuts] = await Promise.all([o.profiles.profile(who.userId), o.bugleOptOuts?.() ?? null]);
      render(req, res, who, 'settings', 'My settings', {
        introduction: profile?.introduction ?? '',
        bugle: optOuts === null ? null : { receives: !optOuts.has(who.userId) },
        webToggle: o.commands.has('web off') && o.commands.has('web on'),
        botUserId: o.botUserId,
      });
    });
    const setting = (path: string, command: (req: Request) => { name: string; words: string[] } | null): void => {
      router.post(path, async (req, res) => {
        const who = requireMember(req, res, o.isMember);
        if (!who) return;
        const chosen = command(req);
        const answer = chosen ? await o.commands.run(who.userId, chosen.name, chosen.words) : { ok: false, text: 'Choose one of the buttons.' };
        answerAndGo(req, res, answer, '/members/settings');
      });
    };
    setting('/members/settings/bugle', (req) => (['on', 'off'].includes(field(req, 'bugle')) ? { name: `bugle ${field(req, 'bugle')}`, words: [] } : null));
    setting('/members/settings/web', (req) => (['on', 'off'].includes(field(req, 'web')) ? { name: `web ${field(req, 'web')}`, words: [] } : null));
    setting('/members/settings/introduction', (req) => ({ name: 'intro', words: [field(req, 'introduction').trim()] }));

    router.get('/members/invitations', async (req, res) => {
      const who = requireMember(req, res, o.isMember);
      if (!who) return;
      const mine = (await o.invitations.list()).filter((i) => i.createdBy === who.userId);
      render(req, res, who, 'invitations', 'My invitations', {
        revokeAction: '/members/invitations/revoke',
        invitations: mine.map((i) => ({ ...i, link: i.state === 'open' ? o.invitations.linkFor(i.code) : null, made: day(i.createdAt), until: day(i.expiresAt) })),
      });
    });
    router.post('/members/invitations', async (req, res) => {
      const who = requireMember(req, res, o.isMember);
      if (!who) return;
      const note = field(req, 'note').trim();
      answerAndGo(req, res, await o.commands.run(who.userId, 'invite create', [], note ? { note } : {}), '/members/invitations');
    });
    router.post('/members/invitations/revoke', async (req, res) => {
      const who = requireMember(req, res, o.isMember);
      if (!who) return;
      answerAndGo(req, res, await o.commands.run(who.userId, 'invite revoke', [field(req, 'code')]), '/members/invitations');
    });
  };
}
