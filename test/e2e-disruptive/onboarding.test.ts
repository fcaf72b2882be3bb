// Onboarding on the real testbed, through a real browser: camp.test's Hearth
// runs with a code of conduct; an admin makes an invitation in chat, a new
// person signs up in Chromium (JavaScript off, a phone's width), logs in, is
// welcomed and introduced; every refusal shows its page and registers nobody;
// an account made by hand waits outside until it agrees; a removal survives a
// kill half-way; co-admins come and go; and the member cap holds. These tests
// restart and kill camp's Hearth, so they run after the shared suite.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { killHearth, registerUser, startHearth, stopHearth } from '../../testbed/testbed.ts';
import { launchChromium, overflowsPhone, phonePage, screenshots } from '../support/browser.ts';
import { adminCommand, botByHand, botOf, hearthSql, managedRoom, setHearthConfig } from '../support/hearth.ts';
import { Member, refusal, server, waitFor } from '../support/member.ts';

const CAMP = 'camp.test';
const SHOTS = 'onboarding';
const CODE_OF_CONDUCT = '# How we treat each other\n\nBe kind. Assume good faith.\n\n- No harassment, of anyone, anywhere.\n- What is said in local rooms stays here.\n';
const ROLES = ['space', 'local_timeline', 'neighborhood_square', 'public_square'] as const;

function hearthConfigPath(): string {
  const hearth = server(CAMP).hearth;
  if (!hearth) throw new Error('camp.test runs no Hearth');
  return hearth.config_path;
}

async function restartCamp(settings: readonly [readonly string[], unknown][]): Promise<void> {
  await stopHearth(CAMP);
  setHearthConfig(CAMP, settings);
  await startHearth(CAMP);
}

function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

function linkIn(text: string): string {
  const match = /(http:\/\/127\.0\.0\.1:\d+\/invite\/[A-Za-z0-9]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no invitation link in: ${text}`);
  return match[1];
}

const codeOf = (link: string): string => link.slice(link.lastIndexOf('/') + 1);

/** Whether Synapse has an account by this name, asked through its admin API. */
async function accountExists(localpart: string): Promise<boolean> {
  const info = server(CAMP);
  const response = await fetch(`${info.client_url}/_synapse/admin/v2/users/${encodeURIComponent(`@${localpart}:${CAMP}`)}`, {
    headers: { authorization: `Bearer ${info.admin_access_token}` },
  });
  await response.body?.cancel();
  if (response.status === 404) return false;
  if (response.ok) return true;
  throw new Error(`user lookup: ${response.status}`);
}

/** How many times Synapse counts the registration token as used. */
async function tokenUses(code: string): Promise<number> {
  const info = server(CAMP);
  const response = await fetch(`${info.client_url}/_synapse/admin/v1/registration_tokens/${code}`, {
    headers: { authorization: `Bearer ${info.admin_access_token}` },
  });
  if (!response.ok) throw new Error(`token lookup: ${response.status}`);
  return ((await response.json()) as { completed: number }).completed;
}

/** Logs in through the client-server API with a password, as a member's client would. */
async function logIn(localpart: string, password: string): Promise<Member> {
  const info = server(CAMP);
  const response = await fetch(`${info.client_url}/_matrix/client/v3/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password }),
  });
  const body = (await response.json()) as { user_id?: string; access_token?: string; error?: string };
  if (!response.ok || !body.user_id || !body.access_token) throw new Error(`login as ${localpart}: ${response.status} ${body.error ?? ''}`);
  return new Member(info, body.user_id, body.access_token);
}

/** The member's DM with the bot: the room the bot invited them to that holds the welcome. */
async function welcomeDm(member: Member): Promise<{ roomId: string; welcome: string }> {
  const bot = botOf(CAMP);
  const managed = new Set(await Promise.all(ROLES.map((role) => managedRoom(CAMP, role))));
  return waitFor(`${member.userId}'s welcome DM`, async () => {
    for (const roomId of (await member.invitedRooms()).filter((id) => !managed.has(id))) await member.join(roomId);
    const joined = (await member.request<{ joined_rooms: string[] }>('GET', '/joined_rooms')).joined_rooms.filter((id) => !managed.has(id));
    for (const roomId of joined) {
      const welcome = (await member.messages(roomId)).find((e) => e.sender === bot && String(e.content.body).includes('Who reads what'));
      if (welcome) return { roomId, welcome: String(welcome.content.body) };
    }
    return null;
  }, 60_000);
}

async function say(member: Member, roomId: string, command: string): Promise<string> {
  const reply = await member.waitForReply(roomId, botOf(CAMP), await member.send(roomId, command), 60_000);
  return String(reply.content.body);
}

async function fillSignUp(page: Page, username: string, password: string, agree = true): Promise<void> {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.fill('#confirm', password);
  if (agree) await page.check('#agreed');
}

async function powerOf(roomId: string, userId: string): Promise<number> {
  const levels = await botByHand(CAMP).state(roomId, 'm.room.power_levels');
  return (levels.users as Record<string, number> | undefined)?.[userId] ?? 0;
}

describe('onboarding: from an invitation link to an introduced member, and out again', () => {
  let browser: Browser;
  let page: Page;
  let signedUp: { localpart: string; password: string; link: string; member: Member | null } = { localpart: '', password: '', link: '', member: null };
  let walkIn: Member | null = null;

  before(async () => {
    const cocPath = join(dirname(hearthConfigPath()), 'code-of-conduct.md');
    writeFileSync(cocPath, CODE_OF_CONDUCT);
    await restartCamp([
      [['community', 'code_of_conduct'], cocPath],
      [['community', 'description'], 'Camp is a few dozen friends who met at the allotments.'],
      [['community', 'removal_room_delay_ms'], 300],
    ]);
    browser = await launchChromium();
    page = await phonePage(browser);
  });

  after(async () => {
    await browser.close();
    await restartCamp([[['community', 'code_of_conduct'], ''], [['community', 'description'], ''], [['community', 'removal_room_delay_ms'], 0], [['community', 'max_members'], 100_000]]);
  });

  it('an admin invites in chat; the person signs up in a browser, logs in, finds the welcome, introduces themselves and reads the local timeline', async () => {
    const reply = await adminCommand(CAMP, '!invite create --note "Sam, a friend from the allotments" --expires 7d');
    assert.match(reply, /Invitation link for Sam, a friend from the allotments: http:\/\/127\.0\.0\.1:\d+\/invite\/[A-Za-z0-9]{20}\n/);
    const link = linkIn(reply);

    await page.goto(link);
    assert.equal(await page.textContent('h1'), 'Join Camp');
    assert.match(await page.textContent('.coc') ?? '', /Be kind\. Assume good faith\.[\s\S]*No harassment/);
    assert.equal(await overflowsPhone(page), false);
    await screenshots(page, SHOTS, '01-sign-up-form');

    const localpart = unique('sam');
    const password = `pw-${localpart}-long`;
    await fillSignUp(page, localpart, password);
    await page.click('button[type=submit]');
    assert.equal(await page.textContent('h1'), 'Welcome to Camp');
    assert.match(await page.textContent('main') ?? '', new RegExp(`@${localpart}:camp\\.test`));
    assert.equal(await overflowsPhone(page), false);
    await screenshots(page, SHOTS, '02-signed-up');
    signedUp = { localpart, password, link, member: null };

    const sam = await logIn(localpart, password);
    signedUp.member = sam;
    const { roomId: dm, welcome } = await welcomeDm(sam);
    assert.match(welcome, /How we treat each other/);
    assert.match(welcome, /You agreed to it when you signed up/);
    assert.match(welcome, /!intro/);
    assert.match(await say(sam, dm, '!intro I grow beans and knit badly.'), /introduction is saved/);

    const space = await managedRoom(CAMP, 'space');
    const timeline = await managedRoom(CAMP, 'local_timeline');
    await waitFor('the invitation to the space', async () => (await sam.invitedRooms()).includes(space), 60_000);
    await sam.join(space);
    await sam.join(timeline);
    const welcomePost = await sam.waitForMessage(timeline, botOf(CAMP), (body) => body.includes(`@${localpart}:camp.test`) && body.startsWith('Please welcome'));
    assert.match(String(welcomePost.content.body), /Please welcome .+ \(invited by admin\)!/);

    const who = await say(sam, dm, '!who');
    assert.match(who, new RegExp(`\\(@${localpart}:camp\\.test\\), joined \\d{4}-\\d\\d-\\d\\d, invited by admin\\n  I grow beans and knit badly\\.`));
    const [row] = await hearthSql<{ status: string; used_by: string; created_by: string }>(CAMP, 'select status, used_by, created_by from invitations where code = ?', [codeOf(link)]);
    assert.deepEqual(row, { status: 'used', used_by: `@${localpart}:camp.test`, created_by: '@admin:camp.test' });
  });

  it('a used, expired or revoked link, a taken username and a mistyped password each show their page, and nobody is registered', async () => {
    // Used: the link of the first test.
    await page.goto(signedUp.link);
    assert.equal(await page.textContent('h1'), 'This invitation has been used');
    await screenshots(page, SHOTS, '03-used');

    // Taken: a username that exists. The invitation stays open, and Synapse never counted its token.
    const taken = linkIn(await adminCommand(CAMP, '!invite create --note "taken-name test"'));
    await page.goto(taken);
    await fillSignUp(page, 'admin', 'whatever-password');
    await page.click('button[type=submit]');
    assert.match(await page.textContent('#problem') ?? '', /That username is taken/);
    assert.equal(await page.inputValue('#username'), 'admin');
    assert.equal(await page.inputValue('#password'), '');
    assert.equal(await page.isChecked('#agreed'), true);
    await screenshots(page, SHOTS, '04-username-taken');
    assert.equal(await tokenUses(codeOf(taken)), 0);

    // The two passwords differ: refused by Hearth before Synapse is asked.
    const mistyped = unique('typo');
    await fillSignUp(page, mistyped, 'one-password');
    await page.fill('#confirm', 'another-password');
    await page.click('button[type=submit]');
    assert.match(await page.textContent('#problem') ?? '', /The two passwords differ/);
    assert.equal(await page.inputValue('#username'), mistyped);
    await screenshots(page, SHOTS, '05-passwords-differ');
    assert.equal(await accountExists(mistyped), false);

    // Revoked while the form was open: the page says so and keeps the username.
    const revokedName = unique('rev');
    await fillSignUp(page, revokedName, 'a-fine-password');
    assert.match(await adminCommand(CAMP, `!invite revoke ${codeOf(taken)}`), /Revoked the invitation/);
    await page.click('button[type=submit]');
    assert.equal(await page.textContent('h1'), 'This invitation was withdrawn');
    assert.match(await page.textContent('main') ?? '', new RegExp(`You chose the username ${revokedName}`));
    await screenshots(page, SHOTS, '06-revoked');
    assert.equal(await accountExists(revokedName), false);

    // Expired while the form was open.
    const expiring = linkIn(await adminCommand(CAMP, '!invite create --expires 1h'));
    await page.goto(expiring);
    const expiredName = unique('exp');
    await fillSignUp(page, expiredName, 'a-fine-password');
    await hearthSql(CAMP, 'update invitations set expires_at = ? where code = ?', [Date.now() - 1000, codeOf(expiring)]);
    await page.click('button[type=submit]');
    assert.equal(await page.textContent('h1'), 'This invitation has expired');
    await screenshots(page, SHOTS, '07-expired');
    assert.equal(await accountExists(expiredName), false);

    // A made-up code.
    await page.goto(`${new URL(expiring).origin}/invite/not-a-real-code`);
    assert.equal(await page.textContent('h1'), 'This is not an invitation link');

    const list = await adminCommand(CAMP, '!invite list');
    assert.match(list, /Used \(\d+\):[\s\S]*Expired \(\d+\):[\s\S]*Revoked \(\d+\):/);
    assert.match(list, new RegExp(`${codeOf(signedUp.link)} — used by @${signedUp.localpart}:camp\\.test`));
  });

  it('an account made through the admin API gets the welcome, and cannot join the local timeline until it agrees', async () => {
    const localpart = unique('walkin');
    const user = await registerUser(server(CAMP), localpart, `pw-${localpart}`);
    const member = new Member(server(CAMP), user.user_id, user.access_token);
    walkIn = member;
    const { roomId: dm, welcome } = await welcomeDm(member);
    assert.match(welcome, /How we treat each other/);
    assert.match(welcome, /Say \*\*!agree\*\* here/);

    const timeline = await managedRoom(CAMP, 'local_timeline');
    const space = await managedRoom(CAMP, 'space');
    assert.equal((await refusal(member.join(timeline))).status, 403);
    assert.equal((await refusal(member.join(space))).status, 403);
    assert.match(await say(member, dm, '!coc'), /Say !agree to agree to it/);

    assert.match(await say(member, dm, '!agree'), /Thank you! I am inviting you/);
    await waitFor('the invitation to the space', async () => (await member.invitedRooms()).includes(space), 60_000);
    await member.join(space);
    await member.join(timeline);
    for (const role of ['neighborhood_square', 'public_square'] as const) {
      const roomId = await managedRoom(CAMP, role);
      await waitFor(`the invitation to the ${role}`, async () => (await member.invitedRooms()).includes(roomId), 60_000);
      await member.join(roomId);
    }
    assert.match(await adminCommand(CAMP, '!member list'), new RegExp(`${member.userId.replace(/[.]/g, '\\.')}: in the community; agreed to the code of conduct`));
  });

  it('!member remove takes the member out of every managed room, even when Hearth is killed half-way and started again', async () => {
    const member = walkIn;
    assert.ok(member, 'the previous test let a member in');
    const rooms = await Promise.all(ROLES.map((role) => managedRoom(CAMP, role)));
    const answer = await adminCommand(CAMP, `!member remove ${member.userId} --reason "Spamming the local timeline"`);
    assert.match(answer, /Removing .+: they are told first/);

    // Rooms are left one by one with a pause between them; kill Hearth once the space is done.
    const space = rooms[0]!;
    const bot = botByHand(CAMP);
    await waitFor('the kick from the space', async () => (await bot.membership(space, member.userId)) === 'leave', 60_000);
    await killHearth(CAMP);
    const stillIn = await Promise.all(rooms.map(async (roomId) => (await bot.membership(roomId, member.userId)) === 'join'));
    // How far it got before the kill is what it is; what matters is where it ends.
    process.stdout.write(`# rooms still joined when Hearth was killed: ${stillIn.filter(Boolean).length} of ${rooms.length}\n`);
    await startHearth(CAMP);

    await waitFor('the member to be out of every managed room', async () => {
      const memberships = await Promise.all(rooms.map((roomId) => bot.membership(roomId, member.userId)));
      return memberships.every((m) => m === 'leave');
    }, 120_000);
    const dmNotice = await waitFor('the removal notice', async () => {
      const { roomId } = await welcomeDm(member).catch(() => ({ roomId: '' }));
      if (!roomId) return null;
      return (await member.messages(roomId)).find((e) => String(e.content.body).includes('Spamming the local timeline'));
    }, 30_000);
    assert.match(String(dmNotice.content.body), /has removed you from the community\. The reason given: Spamming the local timeline/);

    const timeline = rooms[1]!;
    assert.equal((await refusal(member.join(timeline))).status, 403);
    assert.equal((await refusal(member.join(space))).status, 403);
    // The topic rooms come after the default ones; the job then finishes, and says so.
    const adminRoom = await managedRoom(CAMP, 'admin');
    await Member.admin(CAMP).waitForMessage(adminRoom, botOf(CAMP), (body) => body.startsWith(`${member.userId} is removed from the community`), 180_000);
    const [job] = await hearthSql<{ told_at: string | null; kicked_at: string | null; finished_at: string | null }>(CAMP, 'select told_at, kicked_at, finished_at from member_removals where user_id = ?', [member.userId]);
    assert.ok(job?.told_at && job.kicked_at && job.finished_at);
  });

  it('!admin add makes a member moderator in every managed room and invites them to the admin room; !admin remove takes both back', async () => {
    const coadmin = await Member.register(CAMP, 'coadmin');
    const rooms = await Promise.all([...ROLES, 'admin'].map((role) => managedRoom(CAMP, role)));
    const adminRoom = rooms.at(-1)!;
    assert.match(await adminCommand(CAMP, `!admin add ${coadmin.userId}`, 180_000), /is an admin now/);
    for (const roomId of rooms) assert.equal(await powerOf(roomId, coadmin.userId), 50, roomId);
    assert.equal(await botByHand(CAMP).membership(adminRoom, coadmin.userId), 'invite');
    assert.match(await adminCommand(CAMP, '!admin list'), new RegExp(coadmin.userId.replace(/[.]/g, '\\.')));

    assert.match(await adminCommand(CAMP, `!admin remove ${coadmin.userId}`, 180_000), /is no longer an admin/);
    for (const roomId of rooms) assert.equal(await powerOf(roomId, coadmin.userId), 0, roomId);
    assert.equal(await botByHand(CAMP).membership(adminRoom, coadmin.userId), 'leave');
    assert.match(await adminCommand(CAMP, '!admin remove @admin:camp.test'), /is the last admin/);
  });

  it('once the community is full, the next invitation is refused with the numbers, and so is a sign-up', async () => {
    const places = /Places taken: (\d+) of \d+/.exec(await adminCommand(CAMP, '!invite list'));
    assert.ok(places?.[1]);
    // One place left: the next invitation takes it.
    const max = Number(places[1]) + 1;
    await restartCamp([[['community', 'max_members'], max]]);
    const last = linkIn(await adminCommand(CAMP, '!invite create --note "the last place"'));
    const refused = await adminCommand(CAMP, '!invite create');
    assert.match(refused, new RegExp(`The community is full \\(${max} of ${max}: \\d+ members? and \\d+ open invitations?\\), so no invitation was made`));

    // An account made by hand takes a place Hearth cannot refuse; the admins hear of it.
    const extra = await Member.register(CAMP, 'overcap');
    const adminRoom = await managedRoom(CAMP, 'admin');
    await Member.admin(CAMP).waitForMessage(adminRoom, botOf(CAMP), (body) => body.startsWith('Over the member cap') && body.includes(extra.userId), 60_000);

    await page.goto(last);
    assert.equal(await page.textContent('h1'), 'Camp is full');
    assert.match(await page.textContent('main') ?? '', new RegExp(`\\(${max + 1} of ${max}: \\d+ members? and \\d+ open invitations?\\)`));
    await screenshots(page, SHOTS, '08-full');
    assert.equal(await tokenUses(codeOf(last)), 0);
  });
});
