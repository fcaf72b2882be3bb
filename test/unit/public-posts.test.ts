// Which posts the public pages show: only posts of rooms whose tier is public
// in Hearth's records, only by members who did not opt out, never a redacted
// one, an edit shown through the post it edits; a room narrowed away from
// public is gone from the next page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePosts, postOf, type RoomEvent } from '../../src/web/public/posts.ts';
import { PublicPosts } from '../../src/web/public/public-posts.ts';
import type { PostReader } from '../../src/web/public/reader.ts';
import type { ManagedRoomRow } from '../../src/store/managed-rooms-store.ts';
import type { RoomRole, Tier } from '../../src/tiers/tier.ts';

const member = (userId: string): boolean => userId.endsWith(':camp.test') && !userId.startsWith('@hearth');

let ts = 1_000;
function message(sender: string, body: string, extra: Partial<RoomEvent> & { content?: Record<string, unknown> } = {}): RoomEvent {
  ts += 1_000;
  return { event_id: `$${body.replace(/\W/g, '')}-${ts}`, type: 'm.room.message', sender, origin_server_ts: ts, ...extra, content: { msgtype: 'm.text', body, ...extra.content } };
}

describe('choosing the posts of a room', () => {
  it('shows members\' text, emotes and pictures, newest first', () => {
    const events = [
      message('@alice:camp.test', 'first'),
      message('@bob:camp.test', 'waves', { content: { msgtype: 'm.emote' } }),
      message('@alice:camp.test', 'cat.png', { content: { msgtype: 'm.image', url: 'mxc://camp.test/cat', info: { w: 640, h: 480 } } }),
    ];
    const posts = choosePosts('!square:camp.test', events, member);
    assert.deepEqual(posts.map((p) => [p.kind, p.body]), [['image', 'cat.png'], ['emote', 'waves'], ['text', 'first']]);
    assert.deepEqual(posts[0]?.image, { mxc: 'mxc://camp.test/cat', alt: 'cat.png', width: 640, height: 480 });
  });

  it('leaves out redacted events, notices, files, other event types and edits themselves', () => {
    const events: RoomEvent[] = [
      { ...message('@alice:camp.test', 'gone'), content: {}, unsigned: { redacted_because: { type: 'm.room.redaction' } } },
      message('@alice:camp.test', 'a notice', { content: { msgtype: 'm.notice' } }),
      message('@alice:camp.test', 'notes.pdf', { content: { msgtype: 'm.file', url: 'mxc://camp.test/pdf' } }),
      { ...message('@alice:camp.test', 'reaction'), type: 'm.reaction' },
      message('@alice:camp.test', '* fixed', { content: { 'm.new_content': { msgtype: 'm.text', body: 'fixed' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$x' } } }),
      message('@alice:camp.test', 'an image without its picture', { content: { msgtype: 'm.image' } }),
    ];
    assert.deepEqual(choosePosts('!r:camp.test', events, member), []);
  });

  it('shows only community members: not Hearth\'s bots, not another server\'s users, not those the caller leaves out', () => {
    const events = [message('@hearth:camp.test', 'bot'), message('@mallory:far.test', 'stranger'), message('@carol:camp.test', 'opted out'), message('@alice:camp.test', 'kept')];
    const shown = (userId: string): boolean => member(userId) && userId !== '@carol:camp.test';
    assert.deepEqual(choosePosts('!r:camp.test', events, shown).map((p) => p.body), ['kept']);
  });

  it('shows the author\'s latest edit, and ignores an edit by anyone else', () => {
    const edit = (sender: string, body: string): Record<string, unknown> => ({ 'm.relations': { 'm.replace': { sender, origin_server_ts: 99_000_000, content: { 'm.new_content': { msgtype: 'm.text', body } } } } });
    const own = postOf('!r:camp.test', message('@alice:camp.test', 'typo', { unsigned: edit('@alice:camp.test', 'fixed') }), member);
    const other = postOf('!r:camp.test', message('@alice:camp.test', 'mine', { unsigned: edit('@bob:camp.test', 'hijacked') }), member);
    assert.equal(own?.body, 'fixed');
    assert.equal(own.edited, true);
    assert.equal(own.updatedAt, 99_000_000, 'the feed says when it changed');
    assert.equal(other?.body, 'mine');
    assert.equal(other.edited, false);
    assert.equal(other.updatedAt, other.sentAt);
  });

  it('leaves out the quoted original of a reply', () => {
    const reply = message('@bob:camp.test', '> <@alice:camp.test> hello\n> there\n\nhi alice', { content: { 'm.relates_to': { 'm.in_reply_to': { event_id: '$a' } } } });
    assert.equal(postOf('!r:camp.test', reply, member)?.body, 'hi alice');
  });
});

interface World {
  rows: ManagedRoomRow[];
  events: Map<string, RoomEvent[]>;
  reads: string[];
  optedOut: Set<string>;
}

function room(roomId: string, tier: Tier, role: RoomRole = 'topic'): ManagedRoomRow {
  return { creationKey: roomId, roomId, role, tier, name: `Room ${roomId}`, encrypted: false, requestedBy: null, createdAt: 0 };
}

function world(): { w: World; posts: PublicPosts; clock: { now: number } } {
  const w: World = {
    rows: [room('!square:camp.test', 'public', 'public_square'), room('!garden:camp.test', 'public'), room('!timeline:camp.test', 'local', 'local_timeline'),
      room('!hood:camp.test', 'neighborhood', 'neighborhood_square'), room('!attic:camp.test', 'local')],
    events: new Map(),
    reads: [],
    optedOut: new Set(),
  };
  for (const row of w.rows) w.events.set(row.roomId ?? '', [message('@alice:camp.test', `said in ${row.roomId ?? ''}`)]);
  const reader: PostReader = {
    latestMessages: (roomId) => { w.reads.push(roomId); return Promise.resolve([...(w.events.get(roomId) ?? [])].reverse()); },
    event: (roomId, eventId) => { w.reads.push(`${roomId} ${eventId}`); return Promise.resolve(w.events.get(roomId)?.find((e) => e.event_id === eventId) ?? null); },
    displayNames: () => Promise.resolve(new Map([['@alice:camp.test', 'Alice']])),
    thumbnail: () => Promise.resolve(null),
  };
  const clock = { now: 0 };
  const posts = new PublicPosts({
    rooms: {
      all: () => Promise.resolve(w.rows),
      byRoomId: (roomId) => Promise.resolve(w.rows.find((row) => row.roomId === roomId) ?? null),
    },
    reader,
    optOuts: { optedOut: () => Promise.resolve(w.optedOut) },
    isMember: member,
    cacheMs: 30_000,
    messagesPerRoom: 100,
    now: () => clock.now,
  });
  return { w, posts, clock };
}

describe('the public posts', () => {
  it('reads only the rooms whose tier is public, and shows their posts with the author\'s name', async () => {
    const { w, posts } = world();
    const latest = await posts.latest(10);
    assert.deepEqual(latest.map((p) => p.body).sort(), ['said in !garden:camp.test', 'said in !square:camp.test']);
    assert.equal(latest[0]?.author, 'Alice');
    assert.deepEqual([...new Set(w.reads)].sort(), ['!garden:camp.test', '!square:camp.test']);
  });

  it('finds no post, and reads nothing, by the real IDs of a local or neighborhood room\'s event, or an unknown room', async () => {
    const { w, posts } = world();
    for (const roomId of ['!timeline:camp.test', '!hood:camp.test', '!attic:camp.test', '!nowhere:camp.test']) {
      const eventId = w.events.get(roomId)?.[0]?.event_id ?? '$guess';
      assert.equal(await posts.post(roomId, eventId), null, roomId);
    }
    assert.deepEqual(w.reads, []);
  });

  it('finds a public post by its room and event, and nothing by an event of another room', async () => {
    const { w, posts } = world();
    const eventId = w.events.get('!square:camp.test')?.[0]?.event_id ?? '';
    assert.equal((await posts.post('!square:camp.test', eventId))?.body, 'said in !square:camp.test');
    const localEventId = w.events.get('!timeline:camp.test')?.[0]?.event_id ?? '';
    assert.equal(await posts.post('!square:camp.test', localEventId), null);
  });

  it('drops a room from the next page once its tier is no longer public, cache or not', async () => {
    const { w, posts } = world();
    const eventId = w.events.get('!garden:camp.test')?.[0]?.event_id ?? '';
    assert.equal((await posts.latest(10)).length, 2);
    w.rows = w.rows.map((row) => (row.roomId === '!garden:camp.test' ? { ...row, tier: 'neighborhood' } : row));
    assert.deepEqual((await posts.latest(10)).map((p) => p.roomId), ['!square:camp.test']);
    assert.equal(await posts.post('!garden:camp.test', eventId), null);
  });

  it('leaves out a member who opted out, from the next page on', async () => {
    const { w, posts } = world();
    const eventId = w.events.get('!square:camp.test')?.[0]?.event_id ?? '';
    w.optedOut.add('@alice:camp.test');
    assert.deepEqual(await posts.latest(10), []);
    assert.equal(await posts.post('!square:camp.test', eventId), null);
  });

  it('reads a room again after the cache\'s time, or at once when told something happened in it', async () => {
    const { w, posts, clock } = world();
    await posts.latest(10);
    const redacted = w.events.get('!square:camp.test')?.[0];
    assert.ok(redacted);
    w.events.set('!square:camp.test', [{ ...redacted, content: {}, unsigned: { redacted_because: {} } }]);
    assert.equal((await posts.latest(10)).length, 2, 'served from the cache');
    posts.forget('!square:camp.test');
    assert.deepEqual((await posts.latest(10)).map((p) => p.roomId), ['!garden:camp.test']);
    w.events.set('!garden:camp.test', []);
    clock.now += 30_000;
    assert.deepEqual(await posts.latest(10), []);
  });

  it('does not keep a failed read: the next page tries again', async () => {
    let fail = true;
    const flaky = new PublicPosts({
      rooms: { all: () => Promise.resolve([room('!square:camp.test', 'public', 'public_square')]), byRoomId: () => Promise.resolve(null) },
      reader: {
        latestMessages: () => (fail ? Promise.reject(new Error('homeserver down')) : Promise.resolve([message('@alice:camp.test', 'back')])),
        event: () => Promise.resolve(null), displayNames: () => Promise.resolve(new Map()), thumbnail: () => Promise.resolve(null),
      },
      optOuts: { optedOut: () => Promise.resolve(new Set()) }, isMember: member, cacheMs: 30_000, messagesPerRoom: 100, now: () => 0,
    });
    await assert.rejects(flaky.latest(10), /homeserver down/);
    fail = false;
    assert.deepEqual((await flaky.latest(10)).map((p) => p.body), ['back']);
  });
});
