// The members' area and the admin dashboard on the real testbed, in Chromium
// (JavaScript off, a phone's width, screenshots at a desktop's too): camp's
// Hearth runs with a code of conduct; a member who agreed logs in with their
// Matrix password and finds who's who and the rooms; a far.test account, a
// guest, a wrong password and a member who has not agreed are each refused;
// logging out ends the homeserver token Hearth held (whoami answers 401); the
// admin makes an invitation and decides a defederation from the dashboard,
// the ACL lands in every federating room as with !defederate confirm, and the
// admin room shows both actions; a form sent without its token is refused;
// the members table says when the admin last used a client (read through
// Synapse's admin API), and a room's state changed by hand appears, repaired,
// at the top of the Repairs page.
// It restarts camp's Hearth and cuts far.test off (undone at the end), so it
// runs after the shared suite.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startHearth, stopHearth } from '../../testbed/testbed.ts';
import { launchChromium, overflowsPhone, phonePage, screenshots } from '../support/browser.ts';
import { adminCommand, botByHand, botOf, dmWithBot, hearthSql, managedRoom, setHearthConfig } from '../support/hearth.ts';
import { Member, server, waitFor } from '../support/member.ts';

const CAMP = 'camp.test';
const SHOTS = 'members-area';
const CODE_OF_CONDUCT = '# How we treat each other\n\nBe kind. Assume good faith.\n';
const INTRODUCTION = 'I keep bees behind the allotments and bring honey to every gathering.';

function hearthConfigPath(): string {
  const hearth = server(CAMP).hearth;
  if (!hearth) throw new Error('camp.test runs no Hearth');
  return hearth.config_path;
}

function webBase(): string {
  const hearth = server(CAMP).hearth;
  if (!hearth) throw new Error('camp.test runs no Hearth');
  // The web listener is 1000 above the appservice's port (testbed/hearth.ts).
  return `http://127.0.0.1:${Number(new URL(hearth.appservice_url).port) + 1000}`;
}

async function restartCamp(settings: readonly [readonly string[], unknown][]): Promise<void> {
  await stopHearth(CAMP);
  setHearthConfig(CAMP, settings);
  await startHearth(CAMP);
}

const passwordOf = (member: Member): string => `pw-${member.userId.slice(1, member.userId.indexOf(':'))}`;

/** The access token Hearth's web login holds for a user, read from Synapse's own database: the test never sees it otherwise. */
function webLoginTokens(userId: string): string[] {
  const db = new DatabaseSync(join(server(CAMP).synapse_dir, 'homeserver.db'), { readOnly: true });
  try {
    const rows = db.prepare(`select t.token as token from access_tokens t join devices d on d.user_id = t.user_id and d.device_id = t.device_id
      where t.user_id = ? and d.display_name = 'Hearth web pages'`).all(userId);
    return rows.map((row) => String(row.token));
  } finally {
    db.close();
  }
}

async function whoamiStatus(accessToken: string): Promise<number> {
  const response = await fetch(`${server(CAMP).client_url}/_matrix/client/v3/account/whoami`, { headers: { authorization: `Bearer ${accessToken}` } });
  await response.body?.cancel();
  return response.status;
}

async function registerGuest(): Promise<string> {
  const response = await fetch(`${server(CAMP).client_url}/_matrix/client/v3/register?kind=guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const body = (await response.json()) as { user_id?: string };
  if (!response.ok || !body.user_id) throw new Error(`guest registration: ${response.status}`);
  return body.user_id;
}

async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${webBase()}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('main form button[type=submit]');
}

async function refusalFor(page: Page, username: string, password: string): Promise<string> {
  await logIn(page, username, password);
  assert.equal(await page.textContent('h1'), 'Log in');
  return (await page.textContent('#problem')) ?? '';
}

async function federatingRooms(): Promise<string[]> {
  return (await hearthSql<{ room_id: string }>(CAMP, "select room_id from managed_rooms where room_id is not null and tier <> 'local'")).map((r) => r.room_id);
}

async function aclJobsFinished(): Promise<boolean> {
  return Number((await hearthSql<{ n: string }>(CAMP, "select count(*) as n from jobs where kind = 'acl-push' and finished_at is null"))[0]?.n ?? 0) === 0;
}

async function isDefederated(glob: string): Promise<boolean> {
  return (await hearthSql(CAMP, 'select 1 from defederated_servers where server_glob = ?', [glob])).length > 0;
}

async function invitationCount(): Promise<number> {
  return Number((await hearthSql<{ n: string }>(CAMP, 'select count(*) as n from invitations'))[0]?.n ?? 0);
}

async function adminRoomShows(prefix: string): Promise<string> {
  const message = await Member.admin(CAMP).waitForMessage(await managedRoom(CAMP, 'admin'), botOf(CAMP), (body) => body.startsWith(prefix), 60_000);
  return String(message.content.body);
}

describe('the members\' area and the admin dashboard', () => {
  let browser: Browser | undefined;
  let page: Page;
  let alice: Member;
  let bob: Member;
  let ferris: Member;

  before(async () => {
    const cocPath = join(dirname(hearthConfigPath()), 'code-of-conduct.md');
    writeFileSync(cocPath, CODE_OF_CONDUCT);
    // The testbed's web limits are already far above what this test sends.
    await restartCamp([[['community', 'code_of_conduct'], cocPath]]);
    await adminCommand(CAMP, '!agree');
    [alice, bob, ferris] = await Promise.all([Member.register(CAMP, 'alice'), Member.register(CAMP, 'bob'), Member.register('far.test', 'ferris')]);
    const ask = await dmWithBot(alice, CAMP);
    assert.match(await ask('!agree'), /^Thank you!/);
    assert.match(await ask(`!intro ${INTRODUCTION}`), /introduction is saved/);
    const chromium = await launchChromium();
    browser = chromium;
    page = await phonePage(chromium);
  });

  after(async () => {
    try {
      await browser?.close();
      if (await isDefederated('far.test')) {
        await adminCommand(CAMP, '!refederate far.test');
        await waitFor('the refederation to reach every room', aclJobsFinished, 180_000);
      }
    } finally {
      await restartCamp([[['community', 'code_of_conduct'], '']]);
    }
  });

  it('a member who agreed logs in with their Matrix password and sees who\'s who and the rooms by tier', async () => {
    await page.goto(`${webBase()}/login`);
    assert.equal(await overflowsPhone(page), false);
    await screenshots(page, SHOTS, '01-login');
    await logIn(page, alice.userId, passwordOf(alice));
    assert.equal(await page.textContent('h1'), 'Who\'s who');
    const card = page.locator('.person', { hasText: alice.userId });
    assert.ok((await card.textContent() ?? '').includes(INTRODUCTION), 'her introduction is on her card');
    assert.match(await page.textContent('.people') ?? '', /@admin:camp\.test/);
    assert.equal(await overflowsPhone(page), false);
    await screenshots(page, SHOTS, '02-whos-who');

    await page.click('nav.area a[href="/members/rooms"]');
    assert.equal(await page.textContent('h1'), 'Rooms');
    const square = await managedRoom(CAMP, 'public_square');
    const timeline = await managedRoom(CAMP, 'local_timeline');
    assert.equal(await page.getAttribute(`#tier-public ~ ul a[href*="${encodeURIComponent(square)}"]`, 'href'), `https://matrix.to/#/${encodeURIComponent(square)}?via=camp.test`);
    assert.ok(await page.locator(`.tier-local a[href*="${encodeURIComponent(timeline)}"]`).count() === 1);
    assert.match(await page.textContent('.tier-local .sentence') ?? '', /Local only: never leaves camp\.test/);
    assert.equal(await page.locator(`a[href*="${encodeURIComponent(await managedRoom(CAMP, 'admin'))}"]`).count(), 0, 'the admin room is not listed');
    await screenshots(page, SHOTS, '03-rooms');
  });

  it('logging out ends the homeserver token Hearth held: whoami answers 401', async () => {
    const tokens = webLoginTokens(alice.userId);
    assert.equal(tokens.length, 1, 'one web login, one token');
    const token = tokens[0] ?? '';
    assert.equal(await whoamiStatus(token), 200);
    await page.goto(`${webBase()}/members/settings`);
    await screenshots(page, SHOTS, '04-settings');
    await page.click('nav form.logout button');
    assert.equal(await page.textContent('h1'), 'Log in');
    assert.match(await page.textContent('main') ?? '', /You are logged out/);
    assert.equal(await whoamiStatus(token), 401);
    await page.goto(`${webBase()}/members`);
    assert.equal(await page.textContent('h1'), 'Log in');
  });

  it('refuses a far.test account, a guest, a wrong password and a member who has not agreed, each with its message', async () => {
    assert.match(await refusalFor(page, ferris.userId, passwordOf(ferris)), /Accounts of far\.test cannot log in here: only members of camp\.test can/);
    assert.match(await refusalFor(page, await registerGuest(), 'anything'), /Guest accounts cannot log in here/);
    assert.match(await refusalFor(page, alice.userId, 'not-alices-password'), /That username and password do not match an account on camp\.test/);
    assert.match(await refusalFor(page, bob.userId, passwordOf(bob)), /You have not agreed to the code of conduct yet\. Say !agree to @hearth:camp\.test/);
    await screenshots(page, SHOTS, '05-refused-not-agreed');
    assert.deepEqual(webLoginTokens(bob.userId), [], 'the refused member\'s token was logged out at once');
  });

  it('the admin makes an invitation on the dashboard; the link is shown, and the admin room shows the action', async () => {
    await logIn(page, 'admin', 'admin-password');
    await page.click('nav.area a[href="/admin"]');
    assert.equal(await page.textContent('h1'), 'Invitations');
    await page.fill('#note', 'Sam from the bee club');
    await page.click('main form.grid button[type=submit]');
    const answer = await page.textContent('#answer') ?? '';
    assert.match(answer, /Invitation link for Sam from the bee club: http:\/\/127\.0\.0\.1:\d+\/invite\/[A-Za-z0-9]{20}/);
    // Invitation codes are 20 letters and digits; the answer's next line follows the link directly in the text.
    const link = /(http:\/\/\S+?\/invite\/[A-Za-z0-9]{20})/.exec(answer)?.[1] ?? '';
    assert.equal(await page.inputValue(`input.copy[value="${link}"]`), link);
    const shown = await adminRoomShows('@admin:camp.test on the web dashboard: !invite create --note "Sam from the bee club"');
    assert.ok(shown.includes(link));
    assert.equal(await overflowsPhone(page), false);
    await screenshots(page, SHOTS, '06-dashboard-invitations');
  });

  it('a form sent without its token is refused, even with the admin\'s session cookie', async () => {
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const before = await invitationCount();
    const response = await fetch(`${webBase()}/admin/invitations`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: 'note=forged', redirect: 'manual',
    });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /This form could not be accepted/);
    assert.equal(await invitationCount(), before);
  });

  it('the admin decides a proposed defederation on the dashboard: the ACL lands in every federating room, and the admin room shows it', async () => {
    if (await isDefederated('far.test')) {
      await adminCommand(CAMP, '!refederate far.test');
      await waitFor('an earlier refederation to finish', aclJobsFinished, 180_000);
    }
    const propose = '!defederate propose far.test "testing the dashboard"';
    assert.match(await adminCommand(CAMP, propose, 180_000), /Impact of cutting off far\.test/);
    await page.goto(`${webBase()}/admin/defederation`);
    // Other tests may leave proposals about other servers open: this one is far.test's own.
    const proposal = page.locator('article.proposal', { has: page.locator('h3', { hasText: /^Cut off far\.test$/ }) });
    await proposal.locator('button', { hasText: 'Withdraw the proposal' }).click();
    assert.match(await page.textContent('#answer') ?? '', /Withdrew the proposal to cut off far\.test; nothing changes\./);
    assert.equal(await proposal.count(), 0);
    await adminRoomShows('@admin:camp.test on the web dashboard: !defederate withdraw far.test\nWithdrew the proposal');

    assert.match(await adminCommand(CAMP, propose, 180_000), /Impact of cutting off far\.test/);
    await page.reload();
    assert.match(await proposal.textContent() ?? '', /Reason: testing the dashboard/);
    await screenshots(page, SHOTS, '07-dashboard-defederation');
    await proposal.locator('button', { hasText: 'Defederate far.test' }).click();
    assert.match(await page.textContent('#answer') ?? '', /^\s*Defederated far\.test\./);
    await adminRoomShows('@admin:camp.test on the web dashboard: !defederate confirm far.test\nDefederated far.test.');
    await waitFor('the ACL change to reach every room', aclJobsFinished, 180_000);
    for (const roomId of await federatingRooms()) {
      const acl = await botByHand(CAMP).state(roomId, 'm.room.server_acl');
      assert.ok((acl.deny as string[]).includes('far.test'), `${roomId} denies far.test`);
    }
    await page.reload();
    assert.match(await page.textContent('main') ?? '', /Defederated servers[\s\S]*far\.test[\s\S]*testing the dashboard/);
    await screenshots(page, SHOTS, '08-dashboard-defederated');
  });

  it('the members table says when each account last used a client, as Synapse\'s admin API tells', async () => {
    await page.goto(`${webBase()}/admin/members`);
    assert.equal(await page.textContent('h1'), 'Members');
    assert.ok((await page.locator('table.members th').allTextContents()).includes('Last seen'));
    const cells = page.locator('table.members tbody tr', { hasText: '@admin:camp.test' }).locator('td');
    // The 6th column; the admin's account is the one camp's Hearth and this test use all the time.
    assert.match(await cells.nth(5).textContent() ?? '', /^\d{4}-\d{2}-\d{2}$/);
    assert.doesNotMatch(await page.textContent('main') ?? '', /Last seen needs|could not be read/);
    assert.equal(await overflowsPhone(page), false);
    await screenshots(page, SHOTS, '09-dashboard-members');
  });

  it('a room\'s state changed by hand is repaired, and the repair is at the top of the Repairs page', async () => {
    const square = await managedRoom(CAMP, 'public_square');
    const since = Date.now();
    await botByHand(CAMP).setState(square, 'm.room.history_visibility', '', { history_visibility: 'joined' });
    await waitFor('history visibility to be restored', async () => (await botByHand(CAMP).state(square, 'm.room.history_visibility')).history_visibility === 'world_readable');
    const newest = page.locator('table.repairs tbody tr').first();
    await waitFor('the repair on the Repairs page', async () => {
      await page.goto(`${webBase()}/admin/repairs`);
      const at = Date.parse(await newest.locator('time').getAttribute('datetime', { timeout: 1000 }).catch(() => null) ?? '');
      return at >= since - 1000;
    }, 30_000);
    assert.equal(await page.getAttribute('nav.sub a[aria-current="page"]', 'href'), '/admin/repairs');
    const row = (await newest.textContent() ?? '').replace(/\s+/g, ' ');
    assert.match(row, /Public square public/);
    assert.ok(row.includes(square), row);
    assert.match(row, /m\.room\.history_visibility was \{"history_visibility":"joined"\} put back \{"history_visibility":"world_readable"\}/);
    assert.match(row, /after a change by @hearth:camp\.test/);
    assert.equal(await overflowsPhone(page), false);
    await screenshots(page, SHOTS, '10-dashboard-repairs');
  });
});
