// The admin dashboard: invitations, defederation, members, the neighborhood,
// the Bugle and the reconciler's repair log. It reads the same stores the chat commands read, and every
// change is made by running the chat command that makes it (web-commands.ts),
// so there is one implementation of each action, and the admin room shows
// each one with its answer as it shows a command typed there.
import type { Request, Response, Router } from 'express';
import type { ImpactReport } from '../../federation/impact.ts';
import { coverageSentence } from '../../federation/impact.ts';
import type { Invitations } from '../../onboarding/invitations.ts';
import type { Welcome } from '../../onboarding/welcome.ts';
import { standingOf } from '../../onboarding/agreement.ts';
import { describeHeadcount } from '../../onboarding/cap.ts';
import { ACL_PUSH } from '../../jobs/kinds/acl-push.ts';
import type { Logger } from '../../logging/logger.ts';
import type { JobsStore } from '../../store/jobs-store.ts';
import type { DefederationStore } from '../../store/defederation-store.ts';
import type { MembersStore, RemovedMembersStore } from '../../store/members-store.ts';
import type { OnboardingStore } from '../../store/onboarding-store.ts';
import type { RepairsStore } from '../../store/repairs-store.ts';
import type { CommunityFacts } from '../../tiers/facts.ts';
import { CSRF_FIELD } from '../csrf.ts';
import { answerAndGo, requireMember, takeFlash } from '../members/pages.ts';
import { day } from '../members/directory.ts';
import type { PageKit } from '../server.ts';
import type { SignedIn } from '../session/web-sessions.ts';
import type { WebCommands } from '../web-commands.ts';
import { lastSeenNote, lastSeenTimes, readLastSeen } from './last-seen.ts';
import { memberStates } from './member-states.ts';
import { repairRows, REPAIRS_SHOWN } from './repair-log.ts';

export interface DashboardOptions {
  commands: WebCommands;
  isMember: (userId: string) => boolean;
  isAdmin: (userId: string) => boolean;
  welcome: Pick<Welcome, 'codeOfConduct'>;
  invitations: Pick<Invitations, 'list' | 'linkFor' | 'headcount'>;
  profiles: Pick<OnboardingStore, 'profiles' | 'agreements'>;
  members: Pick<MembersStore & RemovedMembersStore, 'all' | 'removed'>;
  defederation: Pick<DefederationStore, 'openTargets' | 'openProposal' | 'replies' | 'decision' | 'severedFor'>;
  /** The job runner's store: the ACL changes on their way are its unfinished acl-push jobs. */
  jobs: Pick<JobsStore, 'unfinished' | 'counts'>;
  facts: () => Promise<CommunityFacts>;
  /** When each account last used a client, from Synapse's admin API; null when homeserver.admin_token is not set. */
  lastSeen: (() => Promise<ReadonlyMap<string, number>>) | null;
  /** The reconciler's record of the repairs it reported in the admin room. */
  repairs: Pick<RepairsStore, 'latest'>;
  log: Logger;
}

function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** The signed-in admin; anyone else is sent to log in, or told the page is for admins. */
function requireAdmin(req: Request, res: Response, kit: PageKit, o: DashboardOptions): SignedIn | null {
  const who = requireMember(req, res, o.isMember);
  if (!who) return null;
  if (o.isAdmin(who.userId)) return who;
  kit.render(res, 'error', { title: 'For admins only', message: 'The dashboard is for the community\'s admins. Your own pages are in the members\' area.' }, 403);
  return null;
}

export function dashboardPages(o: DashboardOptions) {
  return (router: Router, kit: PageKit): void => {
    const render = (req: Request, res: Response, who: SignedIn, view: string, title: string, data: object): void => {
      kit.render(res, `admin/${view}`, {
        title, user: who.userId, isAdmin: true, adminArea: true, mayInvite: true, section: view, csrfField: CSRF_FIELD, csrf: kit.formToken(req, res), flash: takeFlash(req), ...data,
      });
    };
    const page = (path: string, view: string, title: string, load: (who: SignedIn) => Promise<object>): void => {
      router.get(path, async (req, res) => {
        const who = requireAdmin(req, res, kit, o);
        if (!who) return;
        render(req, res, who, view, title, await load(who));
      });
    };
    /** A form that runs one command; `back` is the page its answer is shown on. */
    const action = (path: string, back: string, command: (req: Request) => { name: string; words: string[]; flags?: Record<string, string | true> }): void => {
      router.post(path, async (req, res) => {
        const who = requireAdmin(req, res, kit, o);
        if (!who) return;
        const { name, words, flags } = command(req);
        answerAndGo(req, res, await o.commands.run(who.userId, name, words, flags), back);
      });
    };
    const maybe = (name: string): { name: string; words: string[] } | null => (o.commands.has(name) ? { name, words: [] } : null);
    const commandText = async (who: SignedIn, name: string): Promise<string | null> =>
      (o.commands.has(name) ? (await o.commands.read(who.userId, name)).text : null);

    page('/admin', 'invitations', 'Invitations', async () => {
      const [all, headcount] = await Promise.all([o.invitations.list(), o.invitations.headcount()]);
      return {
        places: describeHeadcount(headcount),
        revokeAction: '/admin/invitations/revoke',
        invitations: all.map((i) => ({ ...i, link: i.state === 'open' ? o.invitations.linkFor(i.code) : null, made: day(i.createdAt), until: day(i.expiresAt) })),
      };
    });
    action('/admin/invitations', '/admin', (req) => {
      const flags: Record<string, string> = {};
      if (field(req, 'note')) flags.note = field(req, 'note');
      if (field(req, 'expires')) flags.expires = field(req, 'expires');
      return { name: 'invite create', words: [], flags };
    });
    action('/admin/invitations/revoke', '/admin', (req) => ({ name: 'invite revoke', words: [field(req, 'code')] }));

    page('/admin/defederation', 'defederation', 'Defederation', async () => {
      const facts = await o.facts();
      const proposals = [];
      for (const target of await o.defederation.openTargets()) {
        const proposal = await o.defederation.openProposal(target);
        if (!proposal) continue;
        const report = JSON.parse(proposal.report) as ImpactReport;
        proposals.push({ ...proposal, proposed: day(proposal.proposedAt), due: day(proposal.dueAt), report, coverage: coverageSentence(report.coverage), replies: await o.defederation.replies(proposal.id) });
      }
      const decisions = await Promise.all(facts.defederated.map(async (glob) => ({ glob, decision: await o.defederation.decision(glob) })));
      const jobs = await Promise.all((await o.jobs.unfinished(ACL_PUSH)).map(async (job) => {
        const counts = await o.jobs.counts(job.id);
        return { reason: job.subject, progress: { total: counts.total, done: counts.done, failed: counts.failed + counts.refused } };
      }));
      const people = (await o.members.all()).filter((m) => o.isMember(m.userId));
      const severed = (await Promise.all(people.map(async (m) => (await o.defederation.severedFor(m.userId)).map((c) => ({ member: m.userId, ...c, since: day(c.severedAt), restored: c.restoredAt === null ? null : day(c.restoredAt) })))))
        .flat();
      return { proposals, decisions: decisions.map((d) => ({ glob: d.glob, reason: d.decision?.reason ?? '', by: d.decision?.decidedBy ?? '', on: d.decision ? day(d.decision.decidedAt) : '' })), jobs, severed };
    });
    action('/admin/defederation/propose', '/admin/defederation', (req) => ({ name: 'defederate propose', words: [field(req, 'server'), field(req, 'reason')] }));
    action('/admin/defederation/confirm', '/admin/defederation', (req) => ({ name: 'defederate confirm', words: [field(req, 'server')] }));
    action('/admin/defederation/withdraw', '/admin/defederation', (req) => ({ name: 'defederate withdraw', words: [field(req, 'server')] }));
    action('/admin/defederation/now', '/admin/defederation', (req) => ({ name: 'defederate now', words: [field(req, 'server'), field(req, 'reason')] }));
    action('/admin/defederation/refederate', '/admin/defederation', (req) => ({ name: 'refederate', words: [field(req, 'server')] }));

    page('/admin/members', 'members', 'Members', async () => {
      const [rows, agreements, removed, profiles, seen] = await Promise.all([
        o.members.all(), o.profiles.agreements(), o.members.removed(), o.profiles.profiles(), readLastSeen(o.lastSeen, o.log),
      ]);
      const version = o.welcome.codeOfConduct?.version ?? null;
      return {
        people: memberStates({ rows, removed: new Set(removed), isMember: o.isMember, isAdmin: o.isAdmin, profiles, lastSeen: lastSeenTimes(seen), standing: (userId) => standingOf(version, agreements.get(userId) ?? []) })
          .map((m) => ({ ...m, firstSeen: day(m.firstSeenAt), joined: m.joinedAt === null ? '' : day(m.joinedAt), lastSeen: m.lastSeenAt === null ? '—' : day(m.lastSeenAt) })),
        lastSeenNote: lastSeenNote(seen),
      };
    });
    action('/admin/members/remove', '/admin/members', (req) => ({
      name: 'member remove', words: [field(req, 'user')], flags: field(req, 'reason') ? { reason: field(req, 'reason') } : {},
    }));

    page('/admin/neighborhood', 'neighborhood', 'Neighborhood', async (who) => ({ status: await commandText(who, 'neighborhood status') }));
    action('/admin/neighborhood/vote', '/admin/neighborhood', (req) => ({ name: field(req, 'vote') === 'approve' ? 'neighborhood approve' : 'neighborhood reject', words: [field(req, 'server')] }));

    page('/admin/bugle', 'bugle', 'The Bugle', async (who) => ({ log: await commandText(who, 'bugle log'), enabled: maybe('bugle log') !== null }));
    action('/admin/bugle/access', '/admin/bugle', (req) => ({ name: field(req, 'access') === 'restore' ? 'bugle restore' : 'bugle revoke', words: [field(req, 'user')] }));

    page('/admin/repairs', 'repairs', 'Repairs', async () => ({ repairs: repairRows(await o.repairs.latest(REPAIRS_SHOWN)) }));
  };
}
