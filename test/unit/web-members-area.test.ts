// The members' area and the dashboard, served by the real web listener with a
// homeserver that is a fake: who may log in and who is refused with what,
// the session cookie, what a member sees, that every change is the chat
// command that makes it (and an admin's is shown in the admin room), that
// a form field never becomes a command's option, that logging out ends the
// homeserver token, when members last used a client (or why that is not
// known), and the reconciler's repair log.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { defineCommand, CommandError, type Command, type CommandContext } from '../../src/commands/command.ts';
import { CommandTable } from '../../src/commands/table.ts';
import type { ParsedArgs } from '../../src/commands/command.ts';
import type { Standing } from '../../src/onboarding/agreement.ts';
import type { ManagedRoomRow } from '../../src/store/managed-rooms-store.ts';
import type { MemberRow } from '../../src/store/members-store.ts';
import type { MemberProfile } from '../../src/store/onboarding-store.ts';
import type { RepairEntry } from '../../src/store/repairs-store.ts';
import type { Logger } from '../../src/logging/logger.ts';
import { dashboardPages } from '../../src/web/admin/pages.ts';
import { createWebApp } from '../../src/web/index.ts';
import { memberPages } from '../../src/web/members/pages.ts';
import type { HomeserverAccounts } from '../../src/web/session/homeserver-account.ts';
import { WebSessions } from '../../src/web/session/web-sessions.ts';
import { WebCommands } from '../../src/web/web-commands.ts';
import { testConfig } from '../support/config.ts';
import { silentLogger } from '../support/silent-logger.ts';

const ADMIN = '@admin:camp.test';
const ALICE = '@alice:camp.test';
const NEWBIE = '@newbie:camp.test';
const PASSWORDS: Readonly<Record<string, string>> = { admin: 'admin-pw', alice: 'alice-pw', newbie: 'newbie-pw' };

/** The homeserver's side: which passwords work, the tokens it gave out and the ones logged out. */
class FakeHomeserver implements HomeserverAccounts {
  readonly logins: string[] = [];
  readonly live = new Set<string>();
  readonly loggedOut: string[] = [];
  private next = 0;

  login(localpart: string, password: string): ReturnType<HomeserverAccounts['login']> {
    this.logins.push(localpart);
    if (PASSWORDS[localpart] !== password) return Promise.resolve({ kind: 'refused', reason: 'wrong password', detail: '403 M_FORBIDDEN' });
    const accessToken = `token-${localpart}-${++this.next}`;
    this.live.add(accessToken);
    return Promise.resolve({ kind: 'logged in', userId: `@${localpart}:camp.test`, accessToken });
  }

  whoami(accessToken: string): ReturnType<HomeserverAccounts['whoami']> {
    if (!this.live.has(accessToken)) return Promise.reject(new Error('whoami answered 401 M_UNKNOWN_TOKEN'));
    const localpart = accessToken.split('-')[1] ?? '';
    return Promise.resolve({ userId: `@${localpart}:camp.test`, isGuest: false });
  }

  logout(accessToken: string): Promise<void> {
    this.live.delete(accessToken);
    this.loggedOut.push(accessToken);
    return Promise.resolve();
  }
}

/** A browser: keeps the cookies the site sets, and reads the form token of the last page. */
class Browser {
  private readonly cookies = new Map<string, string>();
  token = '';
  readonly setCookies: string[] = [];

  private readonly base: string;

  constructor(base: string) {
    this.base = base;
  }

  private keep(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      this.setCookies.push(header);
      const [pair] = header.split(';');
      const [name, value] = (pair ?? '').split('=');
      if (name && value !== undefined) this.cookies.set(name, value);
      if (name && /Expires=Thu, 01 Jan 1970/.test(header)) this.cookies.delete(name);
    }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(path: string): Promise<{ status: number; html: string; location: string | null }> {
    const response = await fetch(this.base + path, { headers: { cookie: this.cookieHeader() }, redirect: 'manual' });
    this.keep(response);
    const html = await response.text();
    this.token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? this.token;
    return { status: response.status, html, location: response.headers.get('location') };
  }

  async post(path: string, fields: Record<string, string>, withToken = true): Promise<{ status: number; html: string; location: string | null }> {
    const response = await fetch(this.base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader() },
      body: new URLSearchParams({ ...(withToken ? { _csrf: this.token } : {}), ...fields }),
      redirect: 'manual',
    });
    this.keep(response);
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  }

  async logIn(username: string, password: string): Promise<{ status: number; html: string; location: string | null }> {
    await this.get('/login');
    return this.post('/login', { username, password });
  }
}

/** What each command was run with: the sender, whether an admin, and the arguments as the command read them. */
interface Ran { command: string; sender: string; isAdmin: boolean; args: ParsedArgs }

function recording(ran: Ran[], name: string, permission: 'member' | 'admin', params: Command['params'], flags: Command['flags'], answer: (args: ParsedArgs) => string): Command {
  return defineCommand({
    name, summary: name, params, ...(flags ? { flags } : {}), permission,
    run(context: CommandContext, args: ParsedArgs) {
      ran.push({ command: name, sender: context.sender, isAdmin: context.isAdmin, args });
      return Promise.resolve({ text: answer(args) });
    },
  });
}

/** The row of a table that names `text`. */
function rowWith(html: string, text: string): string {
  return html.split('<tr>').find((row) => row.includes(text))?.split('</tr>')[0] ?? '';
}

/** The first command run (a function, so that an earlier check that none ran does not narrow the list for good). */
function firstRun(ran: readonly Ran[]): Ran | undefined {
  return ran[0];
}

const member = (userId: string, firstSeenAt: number): MemberRow => ({ userId, firstSeenAt, invitedAt: firstSeenAt, leftAt: null });
const profile = (userId: string, p: Partial<MemberProfile>): MemberProfile => ({
  userId, invitedBy: null, invitationCode: null, signedUpAt: null, welcomedAt: null, introduction: null, introducedAt: null, announcedAt: null, ...p,
});
const room = (name: string, role: ManagedRoomRow['role'], tier: ManagedRoomRow['tier'], roomId: string): ManagedRoomRow => ({
  creationKey: role, roomId, role, tier, name, encrypted: false, requestedBy: null, createdAt: 0,
});

describe('the members\' area and the dashboard', () => {
  let server: Server;
  let base = '';
  const homeserver = new FakeHomeserver();
  const ran: Ran[] = [];
  const adminRoom: string[] = [];
  const standings = new Map<string, Standing>([[NEWBIE, 'never agreed']]);
  // What Synapse's admin API answers; null is a config without homeserver.admin_token.
  let lastSeen: (() => Promise<ReadonlyMap<string, number>>) | null = null;
  const repairs: RepairEntry[] = [];
  const warnings: string[] = [];
  const dashboardLog: Logger = { debug: () => undefined, info: () => undefined, warn: (message) => { warnings.push(message); }, error: () => undefined, child: () => dashboardLog };

  before(async () => {
    const config = testConfig({ admins: [ADMIN] });
    config.web.public_base_url = 'http://127.0.0.1:1';
    config.web.submissions_per_hour = 1000;
    const isMember = (userId: string): boolean => userId.endsWith(':camp.test') && !userId.startsWith('@hearth');
    const isAdmin = (userId: string): boolean => userId === ADMIN;
    const table = new CommandTable([
      recording(ran, 'intro', 'member', [{ name: 'introduction', kind: 'text', description: 'you' }], undefined, () => 'Your introduction is saved.'),
      recording(ran, 'invite create', 'member', [], [{ name: 'note', value: 'note', description: 'for whom' }, { name: 'expires', value: 'time', description: 'how long' }], (args) => `Invitation link for ${String(args.flag('note'))}: http://127.0.0.1:1/invite/abc`),
      recording(ran, 'defederate confirm', 'admin', [{ name: 'server', kind: 'word', description: 'server' }], undefined, (args) => `Defederated ${args.string('server')}.`),
      recording(ran, 'member remove', 'admin', [{ name: 'user', kind: 'user', description: 'who' }], [{ name: 'reason', value: 'reason', description: 'why' }, { name: 'deactivate', description: 'also deactivate' }], (args) => {
        if (!args.flag('reason')) throw new CommandError('Say why with --reason "...".');
        return `Removing ${args.string('user')}${args.flag('deactivate') === true ? ' and deactivating their account' : ''}.`;
      }),
    ], silentLogger(), { serverName: 'camp.test' });
    const commands = new WebCommands({
      table: () => table, argumentContext: { serverName: 'camp.test' }, isAdmin, adminRoomId: () => '!admin:camp.test',
      notify: (text) => { adminRoom.push(text); return Promise.resolve(); }, log: silentLogger(),
    });
    const sessions = new WebSessions({
      serverName: 'camp.test', botUserId: '@hearth:camp.test', secret: 'secret', secure: false, lifetimeHours: 12,
      accounts: homeserver, isMember, standing: (userId) => Promise.resolve(standings.get(userId) ?? 'agreed'), log: silentLogger(),
    });
    const rows = [member(ADMIN, Date.UTC(2026, 0, 2)), member(ALICE, Date.UTC(2026, 2, 3)), member(NEWBIE, Date.UTC(2026, 10, 1))];
    const profiles = new Map([[ALICE, profile(ALICE, { invitedBy: ADMIN, signedUpAt: Date.UTC(2026, 2, 4), introduction: 'I grow <b>beans</b>.' })]]);
    const members = { all: () => Promise.resolve(rows), removed: () => Promise.resolve([]) };
    const invitations = { list: () => Promise.resolve([]), linkFor: (code: string) => `http://127.0.0.1:1/invite/${code}`, headcount: () => Promise.resolve({ members: 3, openInvitations: 0, max: 50 }) };
    const onboarding = { profile: (userId: string) => Promise.resolve(profiles.get(userId) ?? null), profiles: () => Promise.resolve(profiles), agreements: () => Promise.resolve(new Map<string, string[]>()) };
    const app = createWebApp({
      config, log: silentLogger(),
      pages: [
        (router, kit) => {
          router.use(['/login', '/logout', '/members', '/admin'], sessions.middleware);
          sessions.routes(router, kit);
        },
        memberPages({
          serverName: 'camp.test', botUserId: '@hearth:camp.test', commands, isMember, isAdmin,
          welcome: { displayName: (userId: string) => Promise.resolve(userId === ALICE ? 'Alice Appleby' : userId.slice(1, userId.indexOf(':'))) },
          invitations, profiles: onboarding, members,
          rooms: { all: () => Promise.resolve([room('Camp', 'space', 'local', '!space:camp.test'), room('Admins', 'admin', 'local', '!admin:camp.test'), room('Local timeline', 'local_timeline', 'local', '!local:camp.test'), room('Public square', 'public_square', 'public', '!public:camp.test')]) },
          bugleOptOuts: () => Promise.resolve(new Set<string>()),
          membersMayInvite: true,
        }),
        dashboardPages({
          commands, isMember, isAdmin, welcome: { codeOfConduct: null }, invitations, profiles: onboarding, members,
          defederation: { openTargets: () => Promise.resolve([]), openProposal: () => Promise.resolve(null), replies: () => Promise.resolve([]), decision: () => Promise.resolve(null), severedFor: () => Promise.resolve([]) },
          jobs: {
            unfinished: (kind: string) => Promise.resolve(kind === 'acl-push' ? [{ id: 7, kind, subject: 'glen.test defederated', createdAt: 0, finishedAt: null }] : []),
            counts: () => Promise.resolve({ total: 9, pending: 4, done: 4, failed: 1, refused: 0 }),
          },
          facts: () => Promise.resolve({ serverName: 'camp.test', spaceId: null, neighbors: [], defederated: [], admins: [ADMIN] }),
          get lastSeen() { return lastSeen; },
          repairs: { latest: (limit: number) => Promise.resolve(repairs.slice(0, limit)) },
          log: dashboardLog,
        }),
      ],
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => { server.close(); });
  beforeEach(() => { ran.length = 0; adminRoom.length = 0; });

  it('sends someone without a session to the login page', async () => {
    const page = await new Browser(base).get('/members');
    assert.equal(page.status, 303);
    assert.equal(page.location, '/login');
  });

  it('refuses an account of another server without sending its password anywhere', async () => {
    const before = homeserver.logins.length;
    const page = await new Browser(base).logIn('@ferris:far.test', 'whatever');
    assert.equal(page.status, 403);
    assert.match(page.html, /Accounts of far\.test cannot log in here: only members of camp\.test can\. Your password was not sent anywhere\./);
    assert.equal(homeserver.logins.length, before);
  });

  it('refuses a guest account by its numeric name', async () => {
    const page = await new Browser(base).logIn('@1234:camp.test', 'whatever');
    assert.equal(page.status, 403);
    assert.match(page.html, /Guest accounts cannot log in here/);
  });

  it('refuses a wrong password, keeping the username typed and never the password', async () => {
    const page = await new Browser(base).logIn('alice', 'not-her-password');
    assert.equal(page.status, 403);
    assert.match(page.html, /That username and password do not match an account on camp\.test/);
    assert.match(page.html, /value="alice"/);
    assert.doesNotMatch(page.html, /not-her-password/);
  });

  it('refuses an account that has not agreed to the code of conduct, and logs its new token out at once', async () => {
    const page = await new Browser(base).logIn('newbie', PASSWORDS.newbie ?? '');
    assert.equal(page.status, 403);
    assert.match(page.html, /You have not agreed to the code of conduct yet\. Say !agree to @hearth:camp\.test/);
    assert.ok(homeserver.loggedOut.some((token) => token.startsWith('token-newbie-')));
    assert.ok(![...homeserver.live].some((token) => token.startsWith('token-newbie-')));
  });

  it('refuses a login form without its form token', async () => {
    const browser = new Browser(base);
    await browser.get('/login');
    const before = homeserver.logins.length;
    const page = await browser.post('/login', { username: 'alice', password: PASSWORDS.alice ?? '' }, false);
    assert.equal(page.status, 403);
    assert.equal(homeserver.logins.length, before);
  });

  it('logs a member in with an HttpOnly, SameSite=Lax session cookie of fixed lifetime, and shows who\'s who', async () => {
    const browser = new Browser(base);
    const login = await browser.logIn('alice', PASSWORDS.alice ?? '');
    assert.equal(login.status, 303);
    assert.equal(login.location, '/members');
    const cookie = browser.setCookies.find((c) => c.startsWith('hearth_session='));
    assert.ok(cookie);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie)?.[1] ?? '');
    assert.ok(Math.abs(expires - (Date.now() + 12 * 3_600_000)) < 60_000, `the cookie lasts 12 hours: ${cookie}`);
    const who = await browser.get('/members');
    assert.equal(who.status, 200);
    assert.match(who.html, /<h2>Alice Appleby<\/h2>/);
    assert.match(who.html, /joined <time datetime="2026-03-04">2026-03-04<\/time> · invited by admin/);
    assert.match(who.html, /I grow &lt;b&gt;beans&lt;\/b&gt;\./);
  });

  it('lists the rooms a member may join by tier with matrix.to links, never the admin room', async () => {
    const browser = new Browser(base);
    await browser.logIn('alice', PASSWORDS.alice ?? '');
    const rooms = await browser.get('/members/rooms');
    assert.match(rooms.html, /Local only: never leaves camp\.test/);
    assert.match(rooms.html, /href="https:\/\/matrix\.to\/#\/!public%3Acamp\.test\?via=camp\.test">Public square<\/a>/);
    assert.doesNotMatch(rooms.html, /Admins|!admin/);
  });

  it('changes a member\'s introduction with !intro, as the member, and shows the answer; the admin room hears nothing of it', async () => {
    const browser = new Browser(base);
    await browser.logIn('alice', PASSWORDS.alice ?? '');
    await browser.get('/members/settings');
    const saved = await browser.post('/members/settings/introduction', { introduction: 'I knit --badly.' });
    assert.equal(saved.location, '/members/settings');
    assert.deepEqual(ran.map((r) => [r.command, r.sender, r.isAdmin, r.args.string('introduction')]), [['intro', ALICE, false, 'I knit --badly.']]);
    assert.match((await browser.get('/members/settings')).html, /Your introduction is saved\./);
    assert.deepEqual(adminRoom, []);
  });

  it('never lets a form field become an option of the command', async () => {
    const browser = new Browser(base);
    await browser.logIn('admin', PASSWORDS.admin ?? '');
    await browser.get('/admin/members');
    await browser.post('/admin/members/remove', { user: '--deactivate', reason: 'spam' });
    assert.deepEqual(ran, []);
    assert.match((await browser.get('/admin/members')).html, /A value cannot start with --\./);
    await browser.post('/admin/members/remove', { user: 'alice', reason: 'spam --deactivate' });
    assert.equal(firstRun(ran)?.args.flag('deactivate'), undefined);
    assert.equal(firstRun(ran)?.args.flag('reason'), 'spam --deactivate');
  });

  it('shows the dashboard to admins only', async () => {
    const browser = new Browser(base);
    await browser.logIn('alice', PASSWORDS.alice ?? '');
    const page = await browser.get('/admin');
    assert.equal(page.status, 403);
    assert.match(page.html, /For admins only/);
  });

  it('runs an admin\'s decision as the chat command and shows it, with its answer, in the admin room', async () => {
    const browser = new Browser(base);
    await browser.logIn('admin', PASSWORDS.admin ?? '');
    await browser.get('/admin/defederation');
    const decided = await browser.post('/admin/defederation/confirm', { server: 'far.test' });
    assert.equal(decided.location, '/admin/defederation');
    assert.deepEqual(ran.map((r) => [r.command, r.sender, r.isAdmin]), [['defederate confirm', ADMIN, true]]);
    assert.deepEqual(adminRoom, ['@admin:camp.test on the web dashboard: !defederate confirm far.test\nDefederated far.test.']);
    const page = (await browser.get('/admin/defederation')).html;
    assert.match(page, /Defederated far\.test\./);
    assert.match(page, /<strong>glen\.test defederated<\/strong>: 4 of 9 rooms done, 1 failed/);
  });

  it('makes an invitation from the dashboard with its note, recorded in the admin room with quotes', async () => {
    const browser = new Browser(base);
    await browser.logIn('admin', PASSWORDS.admin ?? '');
    await browser.get('/admin');
    await browser.post('/admin/invitations', { note: 'Sam, a friend', expires: '' });
    assert.equal(firstRun(ran)?.args.flag('note'), 'Sam, a friend');
    assert.equal(firstRun(ran)?.args.flag('expires'), undefined);
    assert.match(adminRoom[0] ?? '', /^@admin:camp\.test on the web dashboard: !invite create --note "Sam, a friend"\n/);
  });

  it('shows when each member last used a client, as Synapse\'s admin API says, and a dash for one it never saw', async () => {
    lastSeen = () => Promise.resolve(new Map([[ALICE, Date.UTC(2026, 4, 30, 22)]]));
    const browser = new Browser(base);
    await browser.logIn('admin', PASSWORDS.admin ?? '');
    const page = (await browser.get('/admin/members')).html;
    assert.match(page, /<th scope="col">First seen<\/th><th scope="col">Last seen<\/th>/);
    assert.match(rowWith(page, ALICE), /<td class="date">2026-03-03<\/td>\s*<td class="date">2026-05-30<\/td>/);
    assert.match(rowWith(page, NEWBIE), /<td class="date">2026-11-01<\/td>\s*<td class="date">—<\/td>/);
    assert.doesNotMatch(page, /Last seen needs|could not be read/);
  });

  it('without homeserver.admin_token, says once under the members table that last seen needs it', async () => {
    lastSeen = null;
    const browser = new Browser(base);
    await browser.logIn('admin', PASSWORDS.admin ?? '');
    const page = (await browser.get('/admin/members')).html;
    assert.match(rowWith(page, ALICE), /<td class="date">—<\/td>/);
    assert.equal(page.match(/homeserver\.admin_token/g)?.length, 1);
    assert.match(page, /<\/table><\/div>\s*<p class="hint">Last seen needs homeserver\.admin_token in Hearth&#39;s config/);
  });

  it('when Synapse\'s admin API fails, still shows the members, says last seen could not be read, and logs a warning', async () => {
    lastSeen = () => Promise.reject(new Error('Synapse admin API /_synapse/admin/v2/users: 502 Bad Gateway'));
    warnings.length = 0;
    const browser = new Browser(base);
    await browser.logIn('admin', PASSWORDS.admin ?? '');
    const page = await browser.get('/admin/members');
    assert.equal(page.status, 200);
    assert.match(rowWith(page.html, ALICE), /<td class="date">2026-03-03<\/td>\s*<td class="date">—<\/td>/);
    assert.match(page.html, /Last seen could not be read from Synapse&#39;s admin API just now/);
    assert.equal(warnings.length, 1);
  });

  it('lists the reconciler\'s repairs, newest first, naming the room; an empty log says so', async () => {
    const browser = new Browser(base);
    await browser.logIn('admin', PASSWORDS.admin ?? '');
    repairs.length = 0;
    const empty = (await browser.get('/admin/repairs')).html;
    assert.match(empty, /<a href="\/admin\/repairs" aria-current="page">Repairs<\/a>/);
    assert.match(empty, /No repair has been needed/);
    assert.doesNotMatch(empty, /<table/);
    repairs.push(
      { roomId: '!book:camp.test', roomName: 'Book <b>club</b>', tier: 'local', stateType: 'm.room.guest_access', previous: null, restored: '{"guest_access":"forbidden"}', trigger: 'found at start-up', repairedAt: Date.UTC(2026, 5, 8, 7, 5) },
      { roomId: '!square:camp.test', roomName: 'Public square', tier: 'public', stateType: 'm.room.history_visibility', previous: '{"history_visibility":"joined"}', restored: '{"history_visibility":"world_readable"}', trigger: 'after a change by @mallory:camp.test', repairedAt: Date.UTC(2026, 5, 7, 9, 30) },
    );
    const page = (await browser.get('/admin/repairs')).html;
    assert.ok(page.indexOf('!book:camp.test') < page.indexOf('!square:camp.test'), 'newest first');
    const book = rowWith(page, '!book:camp.test');
    assert.match(book, /<time datetime="2026-06-08T07:05:00\.000Z">2026-06-08 07:05 UTC<\/time><span class="hint">found at start-up<\/span>/);
    assert.match(book, /Book &lt;b&gt;club&lt;\/b&gt; <span class="tag">local<\/span>/);
    assert.match(book, /m\.room\.guest_access<\/p>\s*<p><span class="hint-inline">was<\/span> missing<\/p>\s*<p><span class="hint-inline">put back<\/span> <code>\{&quot;guest_access&quot;:&quot;forbidden&quot;\}<\/code>/);
    const square = rowWith(page, '!square:camp.test');
    assert.match(square, /after a change by @mallory:camp\.test/);
    assert.match(square, /was<\/span> <code>\{&quot;history_visibility&quot;:&quot;joined&quot;\}<\/code>/);
  });

  it('logs the homeserver token out at logout, and the old cookie opens nothing', async () => {
    const browser = new Browser(base);
    await browser.logIn('alice', PASSWORDS.alice ?? '');
    const token = [...homeserver.live].filter((t) => t.startsWith('token-alice-')).at(-1);
    assert.ok(token);
    const stale = browser.setCookies.filter((c) => c.startsWith('hearth_session=')).at(-1)?.split(';')[0] ?? '';
    await browser.get('/members');
    const out = await browser.post('/logout', {});
    assert.equal(out.location, '/login?out=1');
    assert.ok(homeserver.loggedOut.includes(token));
    assert.ok(!homeserver.live.has(token));
    const again = await fetch(`${base}/members`, { headers: { cookie: stale }, redirect: 'manual' });
    assert.equal(again.status, 303);
    assert.equal(again.headers.get('location'), '/login');
  });
});
