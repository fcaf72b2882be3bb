// The community's public pages on camp.test, read by a real browser and a
// feed parser: a member posts a unique line in every tier, and only the public
// ones ever reach the front page, a permalink or the feed. The real room and
// event IDs of the others answer 404, as does a redacted post, a room narrowed
// away from public, and everything by a member who said !web off.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parseAtomFeed } from 'feedsmith';
import { registerUser } from '../../testbed/testbed.ts';
import { bugleAvatarPng } from '../../src/bugle/avatar.ts';
import { atomProblems } from '../support/atom-rfc.ts';
import { launchChromium, overflowsPhone, phonePage, screenshots } from '../support/browser.ts';
import { acceptInvite, botOf, dmWithBot, managedRoom, roomIdIn, webBaseUrl } from '../support/hearth.ts';
import { Member, server, waitFor } from '../support/member.ts';

const CAMP = 'camp.test';
const WAIT_MS = 60_000;

function webBase(): string {
  return webBaseUrl(CAMP);
}

function permalink(roomId: string, eventId: string): string {
  return `${webBase()}/posts/${encodeURIComponent(roomId)}/${encodeURIComponent(eventId)}`;
}

async function text(path: string): Promise<string> {
  const response = await fetch(`${webBase()}${path}`);
  assert.equal(response.status, 200, path);
  return response.text();
}

interface Posted { line: string; roomId: string; eventId: string }

/** Uploads a small picture as the user and returns its mxc:// URI. */
async function upload(accessToken: string, name: string): Promise<string> {
  const response = await fetch(`${server(CAMP).client_url}/_matrix/media/v3/upload?filename=${encodeURIComponent(name)}`, {
    method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'image/png' }, body: bugleAvatarPng(),
  });
  assert.equal(response.status, 200, 'upload');
  return ((await response.json()) as { content_uri: string }).content_uri;
}

describe('the public web pages', () => {
  let browser: Browser;
  let page: Page;
  let alice: Member;
  let ask: (command: string) => Promise<string>;
  const tag = randomBytes(4).toString('hex');
  let posted: Record<'localTimeline' | 'localTopic' | 'neighborhood' | 'publicSquare' | 'publicTopic' | 'redacted' | 'publicPicture' | 'localPicture' | 'formatted', Posted>;

  before(async () => {
    browser = await launchChromium();
    page = await phonePage(browser);
    const account = await registerUser(CAMP, `webby-${tag}`, `pw-${tag}`);
    alice = new Member(server(CAMP), account.user_id, account.access_token);
    await alice.request('PUT', `/profile/${encodeURIComponent(alice.userId)}/displayname`, { displayname: `Alice Webb ${tag}` });
    ask = await dmWithBot(alice, CAMP);
    const rooms = {
      localTimeline: await managedRoom(CAMP, 'local_timeline'),
      localTopic: roomIdIn(await ask(`!room create "Attic ${tag}" --tier local`)),
      neighborhood: await managedRoom(CAMP, 'neighborhood_square'),
      publicSquare: await managedRoom(CAMP, 'public_square'),
      publicTopic: roomIdIn(await ask(`!room create "Garden ${tag}" --tier public`)),
    };
    for (const roomId of new Set(Object.values(rooms))) await acceptInvite(alice, roomId);
    const post = async (roomId: string, line: string): Promise<Posted> => ({ line, roomId, eventId: await alice.send(roomId, line) });
    // What a client sends for formatted text, with what no client should: a script, a handler, a tracker's image.
    const formatted = async (roomId: string, line: string): Promise<Posted> => {
      const content = {
        msgtype: 'm.text', body: `${line} Potluck on Sunday: soup, bread`, format: 'org.matrix.custom.html',
        formatted_body: `<p>${line} <strong>Potluck</strong> on Sunday!</p><ul><li>soup</li><li>bread</li></ul>` +
          '<p onclick="steal()">Directions: <a href="https://example.org/map" onmouseover="steal()">the map</a></p>' +
          '<img src="https://tracker.example/pixel.gif" alt="tracker pixel"><script>document.title = "pwned"</script>' +
          '<a href="javascript:steal()">a trap</a>',
      };
      const sent = await alice.request<{ event_id: string }>('PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${line}`, content);
      return { line, roomId, eventId: sent.event_id };
    };
    const picture = async (roomId: string, name: string): Promise<Posted> => {
      const content = { msgtype: 'm.image', body: name, url: await upload(account.access_token, name), info: { w: 64, h: 64, mimetype: 'image/png' } };
      const sent = await alice.request<{ event_id: string }>('PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${name}`, content);
      return { line: name, roomId, eventId: sent.event_id };
    };
    posted = {
      localTimeline: await post(rooms.localTimeline, `LOCAL-TIMELINE-${tag} only for camp`),
      localTopic: await post(rooms.localTopic, `LOCAL-TOPIC-${tag} only for the attic`),
      neighborhood: await post(rooms.neighborhood, `NEIGHBORHOOD-${tag} only for neighbors`),
      publicSquare: await post(rooms.publicSquare, `PUBLIC-SQUARE-${tag}: the plum tree on Elm Street is ripe, bring a basket!`),
      publicTopic: await post(rooms.publicTopic, `PUBLIC-GARDEN-${tag}: seed swap on Saturday at ten, by the shed.`),
      redacted: await post(rooms.publicSquare, `REDACTED-${tag} said too soon`),
      publicPicture: await picture(rooms.publicSquare, `public-picture-${tag}.png`),
      localPicture: await picture(rooms.localTimeline, `local-picture-${tag}.png`),
      formatted: await formatted(rooms.publicSquare, `FORMATTED-${tag}`),
    };
  });

  after(async () => {
    await browser.close();
  });

  const secretLines = (): string[] => [posted.localTimeline, posted.localTopic, posted.neighborhood, posted.localPicture].map((p) => p.line.split(' ')[0] ?? '');

  it('shows the public posts on the front page and in the feed, and never the local or neighborhood ones', async () => {
    const publicLines = [posted.publicSquare, posted.publicTopic, posted.redacted].map((p) => p.line.split(' ')[0] ?? '');
    await waitFor('the public posts on the front page', async () => {
      const html = await text('/');
      return publicLines.every((line) => html.includes(line));
    }, WAIT_MS);
    await page.goto(`${webBase()}/`);
    const body = await page.locator('main').innerText();
    for (const line of publicLines) assert.ok(body.includes(line), `the front page shows ${line}`);
    for (const line of secretLines()) assert.ok(!body.includes(line), `the front page never shows ${line}`);
    assert.ok(body.includes(`Alice Webb ${tag}`), 'posts name their author');
    assert.match(body, /ask a member for an invitation/);
    const squareLink = await page.locator('#rooms + p + ul a', { hasText: 'Public square' }).getAttribute('href');
    assert.equal(squareLink, `https://matrix.to/#/${encodeURIComponent(posted.publicSquare.roomId)}?via=${CAMP}`, 'the public square, to read along in a Matrix app');
    assert.equal(await page.locator('h1').count(), 1);
    assert.equal(await overflowsPhone(page), false, 'the front page fits a phone');
    await screenshots(page, 'public-web', 'front');

    const xml = await text('/feed.atom');
    assert.deepEqual(atomProblems(xml), []);
    const feed = parseAtomFeed(xml);
    const entries = feed.entries ?? [];
    for (const p of [posted.publicSquare, posted.publicTopic]) {
      const entry = entries.find((e) => e.id === permalink(p.roomId, p.eventId));
      assert.ok(entry, `the feed has ${p.line}`);
      assert.ok(entry.content?.value?.includes(p.line.split(' ')[0] ?? ''), 'with its text');
      assert.equal(entry.links?.[0]?.href, permalink(p.roomId, p.eventId));
    }
    for (const line of secretLines()) assert.ok(!xml.includes(line), `the feed never has ${line}`);
  });

  it('shows a public picture as a thumbnail through Hearth, and no local one', async () => {
    const publicImage = `${permalink(posted.publicPicture.roomId, posted.publicPicture.eventId)}/image/0`;
    await page.goto(`${webBase()}/`);
    assert.equal(await page.locator(`img[alt="${posted.publicPicture.line}"]`).getAttribute('src'), new URL(publicImage).pathname);
    const response = await fetch(publicImage);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^image\//);
    assert.ok((await response.arrayBuffer()).byteLength > 0);
    const local = await fetch(`${permalink(posted.localPicture.roomId, posted.localPicture.eventId)}/image/0`);
    assert.equal(local.status, 404);
  });

  it('keeps a post\'s formatting and nothing a client should not send', async () => {
    await page.goto(permalink(posted.formatted.roomId, posted.formatted.eventId));
    const body = page.locator('article .body');
    assert.equal(await body.locator('strong').innerText(), 'Potluck');
    assert.equal(await body.locator('li').count(), 2);
    const link = body.locator('a', { hasText: 'the map' });
    assert.equal(await link.getAttribute('href'), 'https://example.org/map');
    assert.match(await link.getAttribute('rel') ?? '', /nofollow/);
    assert.equal(await link.getAttribute('onmouseover'), null);
    assert.equal(await body.locator('[onclick]').count(), 0);
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('img[src^="http"]').count(), 0, 'no image from another site');
    assert.equal(await body.locator('a', { hasText: 'a trap' }).getAttribute('href'), null);
    assert.notEqual(await page.title(), 'pwned');
  });

  it('shows a public post at its permalink', async () => {
    await page.goto(permalink(posted.publicSquare.roomId, posted.publicSquare.eventId));
    assert.match(await page.locator('main').innerText(), new RegExp(`PUBLIC-SQUARE-${tag}`));
    await screenshots(page, 'public-web', 'post');
  });

  it('answers 404 to the permalink of every local and neighborhood post, by its real room and event IDs', async () => {
    for (const p of [posted.localTimeline, posted.localTopic, posted.neighborhood, posted.localPicture]) {
      for (const url of [permalink(p.roomId, p.eventId), `${permalink(p.roomId, p.eventId)}/image/0`, permalink(posted.publicSquare.roomId, p.eventId)]) {
        const response = await fetch(url);
        const html = await response.text();
        assert.equal(response.status, 404, url);
        assert.ok(!html.includes(p.line.split(' ')[0] ?? ''), url);
      }
    }
    assert.equal((await fetch(permalink(posted.publicSquare.roomId, `$${tag}guessed`))).status, 404);
  });

  it('takes a redacted post off the front page, its permalink and the feed', async () => {
    const { roomId, eventId, line } = posted.redacted;
    const marker = line.split(' ')[0] ?? '';
    await alice.request('PUT', `/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(eventId)}/${tag}-redact`, { reason: 'said too soon' });
    await waitFor('the redacted post to leave the front page', async () => !(await text('/')).includes(marker), WAIT_MS);
    assert.ok(!(await text('/feed.atom')).includes(marker));
    assert.equal((await fetch(permalink(roomId, eventId))).status, 404);
    assert.ok((await text('/')).includes(posted.publicSquare.line.split(' ')[0] ?? ''), 'the other posts stay');
  });

  it('drops a room narrowed away from public at once', async () => {
    const { roomId, eventId, line } = posted.publicTopic;
    const marker = line.split(' ')[0] ?? '';
    const admin = Member.admin(CAMP);
    await admin.join(roomId, [CAMP]);
    const command = await admin.send(roomId, '!tier set neighborhood');
    await admin.waitForReply(roomId, botOf(CAMP), command, WAIT_MS);
    assert.ok(!(await text('/')).includes(marker), 'gone from the very next page');
    assert.ok(!(await text('/feed.atom')).includes(marker));
    assert.equal((await fetch(permalink(roomId, eventId))).status, 404);
  });

  it('leaves out every post of a member who said !web off, and shows them again after !web on', async () => {
    const { roomId, eventId, line } = posted.publicSquare;
    const marker = line.split(' ')[0] ?? '';
    assert.match(await ask('!web off'), /no longer appear/);
    assert.ok(!(await text('/')).includes(marker), 'gone from the front page');
    assert.ok(!(await text('/feed.atom')).includes(marker), 'gone from the feed');
    assert.equal((await fetch(permalink(roomId, eventId))).status, 404);
    assert.match(await ask('!web on'), /appear .* again/);
    assert.ok((await text('/')).includes(marker), 'back on the front page');
    assert.equal((await fetch(permalink(roomId, eventId))).status, 200);
  });

  it('sends no script and loads nothing from another site with its pages', async () => {
    const response = await fetch(`${webBase()}/`);
    const html = await response.text();
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /script-src/);
    assert.doesNotMatch(html, /<script|src="(https?:)?\/\//);
  });
});
