// The public pages over plain HTTP: the front page tells who the community is,
// how to join and what it posted publicly; a permalink that names no shown
// post answers exactly what an address that never existed answers; the feed
// is Atom with every element RFC 4287 requires; pictures come from Hearth's
// own address; and nothing on any page is a script or comes from elsewhere.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseAtomFeed } from 'feedsmith';
import { createWebApp } from '../../src/web/index.ts';
import { atomFeed, titleOf } from '../../src/web/public/atom.ts';
import { publicPages } from '../../src/web/public/pages.ts';
import type { ShownPost } from '../../src/web/public/public-posts.ts';
import { atomProblems } from '../support/atom-rfc.ts';
import { testConfig } from '../support/config.ts';
import { silentLogger } from '../support/silent-logger.ts';

const BASE = 'https://camp.example.org';

function shown(eventId: string, body: string, extra: Partial<ShownPost> = {}): ShownPost {
  return {
    roomId: '!square:camp.test', eventId, sender: '@alice:camp.test', sentAt: Date.UTC(2026, 11, 1, 12, 0), kind: 'text', body, html: null,
    image: null, edited: false, author: 'Alice <3', roomName: 'Public square', ...extra,
    updatedAt: extra.updatedAt ?? extra.sentAt ?? Date.UTC(2026, 11, 1, 12, 0),
  };
}

const POSTS: ShownPost[] = [
  shown('$picture', 'cat.png', { kind: 'image', image: { mxc: 'mxc://camp.test/cat', alt: 'cat.png', width: 640, height: 480 }, sentAt: Date.UTC(2026, 11, 1, 13, 0) }),
  shown('$formatted', 'Hello **world**', { html: '<p>Hello <strong>world</strong><script>alert(1)</script> &amp; <a href="javascript:x()">friends</a></p>' }),
  shown('$plain', 'Tea at <five> & cake\nbring cups', { sentAt: Date.UTC(2026, 11, 1, 11, 0) }),
];

describe('the public pages', () => {
  let server: Server;
  let base: string;
  const thumbnails: string[] = [];

  before(async () => {
    const config = testConfig();
    config.web.public_base_url = BASE;
    const app = createWebApp({
      config,
      log: silentLogger(),
      pages: [publicPages({
        posts: {
          latest: (limit) => Promise.resolve(POSTS.slice(0, limit)),
          post: (roomId, eventId) => Promise.resolve(POSTS.find((p) => p.roomId === roomId && p.eventId === eventId) ?? null),
          publicRooms: () => Promise.resolve([{ creationKey: 'public_square', roomId: '!square:camp.test', role: 'public_square', tier: 'public', name: 'Public square', encrypted: false, requestedBy: null, createdAt: 0 }]),
        },
        reader: {
          thumbnail: (mxc) => {
            thumbnails.push(mxc);
            return Promise.resolve({ contentType: 'image/png', bytes: new Uint8Array([137, 80, 78, 71]) });
          },
        },
        baseUrl: BASE,
        description: 'We <b>knit</b> on Sundays.',
        codeOfConductHtml: '<p>Be kind.</p>',
        serverName: 'camp.test',
        postCount: 30,
      })],
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => { server.close(); });

  it('shows the community, how to join, its code of conduct and its public posts on the front page', async () => {
    const response = await fetch(`${base}/`);
    const html = await response.text();
    assert.equal(response.status, 200);
    assert.match(html, /<h1>Test Camp<\/h1>/);
    assert.match(html, /We &lt;b&gt;knit&lt;\/b&gt; on Sundays\./);
    assert.match(html, /ask a member for an invitation/);
    assert.match(html, /<h2 id="coc">Our code of conduct<\/h2>[\s\S]*<p>Be kind\.<\/p>/);
    assert.match(html, /Hello <strong>world<\/strong>/);
    assert.match(html, /Tea at &#60;five&#62; &#38; cake<br>\nbring cups/);
    assert.match(html, /<img src="\/posts\/!square%3Acamp\.test\/%24picture\/image\/0" alt="cat\.png" width="640" height="480"/);
    assert.match(html, /<a href="\/posts\/!square%3Acamp\.test\/%24plain"/);
    assert.match(html, /Alice &lt;3/);
    assert.match(html, /<a href="https:\/\/matrix\.to\/#\/!square%3Acamp\.test\?via=camp\.test">Public square<\/a>/);
    assert.match(html, /<link rel="alternate" type="application\/atom\+xml" title="Test Camp" href="\/feed.atom">/);
  });

  it('puts no script, handler or outside address on a page', async () => {
    const response = await fetch(`${base}/`);
    const html = await response.text();
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /script-src/);
    assert.doesNotMatch(html, /<script|javascript:|onerror=|onclick=/i);
    assert.doesNotMatch(html, /src="(https?:)?\/\//, 'nothing is loaded from elsewhere');
    assert.deepEqual([...html.matchAll(/href="(https?:)?\/\/([^/"]+)/g)].map((m) => m[2]), ['matrix.to'], 'the only outside link: the public room, to join it');
  });

  it('shows a post on its own page at its permalink', async () => {
    const response = await fetch(`${base}/posts/${encodeURIComponent('!square:camp.test')}/${encodeURIComponent('$plain')}`);
    const html = await response.text();
    assert.equal(response.status, 200);
    assert.match(html, /<h1>Post by Alice &lt;3<\/h1>/);
    assert.match(html, /Tea at &#60;five&#62;/);
    assert.match(html, /https:\/\/camp\.example\.org\/posts\/!square%3Acamp\.test\/%24plain/);
  });

  it('answers a permalink that names no shown post exactly as an address that never existed', async () => {
    const nowhere = await fetch(`${base}/no/such/page`);
    const expected = await nowhere.text();
    assert.equal(nowhere.status, 404);
    for (const path of [
      `/posts/${encodeURIComponent('!timeline:camp.test')}/${encodeURIComponent('$plain')}`,
      `/posts/${encodeURIComponent('!square:camp.test')}/${encodeURIComponent('$guessed')}`,
      `/posts/${encodeURIComponent('!square:camp.test')}/${encodeURIComponent('$plain')}/image/0`,
      `/posts/${encodeURIComponent('!square:camp.test')}/${encodeURIComponent('$picture')}/image/1`,
      `/posts/${encodeURIComponent('!square:camp.test')}/${encodeURIComponent('$picture')}/image/x`,
    ]) {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(await response.text(), expected, path);
    }
  });

  it('serves a post\'s picture as a thumbnail from the homeserver\'s media, under its own address', async () => {
    const response = await fetch(`${base}/posts/${encodeURIComponent('!square:camp.test')}/${encodeURIComponent('$picture')}/image/0`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), new Uint8Array([137, 80, 78, 71]));
    assert.deepEqual(thumbnails, ['mxc://camp.test/cat']);
  });

  it('serves an Atom feed of the same posts, with every element RFC 4287 requires', async () => {
    const response = await fetch(`${base}/feed.atom`);
    const xml = await response.text();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/atom+xml; charset=utf-8');
    assert.deepEqual(atomProblems(xml), []);
    const feed = parseAtomFeed(xml);
    assert.equal(feed.id, `${BASE}/`);
    assert.equal(feed.title?.value, 'Test Camp');
    assert.ok((feed.links ?? []).some((link) => link.rel === 'self' && link.href === `${BASE}/feed.atom`));
    const entries = feed.entries ?? [];
    assert.deepEqual(entries.map((e) => e.id), POSTS.map((p) => `${BASE}/posts/${encodeURIComponent(p.roomId)}/${encodeURIComponent(p.eventId)}`));
    assert.deepEqual(entries.map((e) => e.title?.value), ['Picture: cat.png', 'Hello **world**', 'Tea at <five> & cake']);
    assert.equal(entries[0]?.authors?.[0]?.name, 'Alice <3');
    assert.equal(entries[0].content?.value, `<p><img src="${BASE}/posts/!square%3Acamp.test/%24picture/image/0" alt="cat.png"></p>`);
    assert.equal(entries[1]?.content?.value, '<p>Hello <strong>world</strong> &amp; <a rel="nofollow noopener noreferrer ugc">friends</a></p>');
    assert.equal(feed.updated, '2026-12-01T13:00:00.000Z');
    assert.equal(entries[2]?.published, '2026-12-01T11:00:00.000Z');
  });
});

describe('the Atom feed', () => {
  it('is valid with no entry: updated is when it was made', () => {
    const xml = atomFeed({ title: 'Camp', subtitle: 's', homeUrl: `${BASE}/`, selfUrl: `${BASE}/feed.atom`, entries: [], now: Date.UTC(2026, 0, 2) });
    assert.deepEqual(atomProblems(xml), []);
    assert.equal(parseAtomFeed(xml).updated, '2026-01-02T00:00:00.000Z');
  });

  it('escapes markup and leaves out characters XML cannot hold', () => {
    const xml = atomFeed({
      title: 'Camp & <co>', subtitle: 's', homeUrl: `${BASE}/`, selfUrl: `${BASE}/feed.atom`, now: 0,
      entries: [{ url: `${BASE}/posts/a?b=1&c=2`, title: 'bell\u0007 "quoted"', author: 'A', publishedAt: 0, updatedAt: 0, html: '<p>x</p>]]>' }],
    });
    assert.ok(!xml.includes('\u0007'));
    const feed = parseAtomFeed(xml);
    assert.equal(feed.title?.value, 'Camp & <co>');
    assert.equal(feed.entries?.[0]?.id, `${BASE}/posts/a?b=1&c=2`);
    assert.equal(feed.entries[0].title?.value, 'bell "quoted"');
    assert.equal(feed.entries[0].content?.value, '<p>x</p>]]>');
  });

  it('titles an entry with its first line, cut at a word', () => {
    assert.equal(titleOf('\n  First line  \nsecond'), 'First line');
    assert.equal(titleOf('one two three four five', 12), 'one two…');
    assert.equal(titleOf('👩‍👩‍👧‍👦'.repeat(5), 3), '👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦…');
  });
});
