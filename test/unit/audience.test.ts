// Every text the bots post respects its room's audience. First the pure
// decision (who can read a room, as a tier); then the sending layer on a fake
// homeserver that records what was sent where: answers that a room may not
// read go to the member's DM, and the room gets only a pointer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANSWERED_IN_DM, handleCommandMessages } from '../../src/bot/conversation.ts';
import { defineCommand, type Reply } from '../../src/commands/command.ts';
import { CommandTable } from '../../src/commands/table.ts';
import { DirectMessenger } from '../../src/community/direct-messages.ts';
import { isCommunityMember } from '../../src/community/members.ts';
import type { CreateRoomRequest, HomeserverClient, StateEvent } from '../../src/matrix/client.ts';
import type { MatrixEvent } from '../../src/matrix/event.ts';
import type { DirectRoomsStore } from '../../src/store/direct-rooms-store.ts';
import type { ManagedRoomRow } from '../../src/store/managed-rooms-store.ts';
import { mayReach, readerTier, roomAudience, roomFactsFromState, type AudienceContext, type RoomFacts } from '../../src/tiers/audience.ts';
import { AudienceRefused, guardText, RoomAudiences } from '../../src/tiers/audience-guard.ts';
import type { Tier } from '../../src/tiers/tier.ts';
import { silentLogger } from '../support/silent-logger.ts';

const BOT = '@hearth:camp.test';
const isOwnBot = (userId: string): boolean => userId === BOT || userId.startsWith('@hearth_');
const camp: AudienceContext = {
  serverName: 'camp.test',
  neighbors: ['hood.test'],
  isMember: (userId) => isCommunityMember(userId, 'camp.test', isOwnBot),
  isOwnBot,
};

const room = (facts: Partial<RoomFacts>): RoomFacts => ({
  federates: true, joinRule: 'invite', historyVisibility: 'shared', guestAccess: null, readers: [BOT, '@alice:camp.test'], ...facts,
});

describe('who can read a room Hearth does not manage', () => {
  it('is local while only members and Hearth\'s bots are in it', () => {
    assert.equal(roomAudience(room({}), camp), 'local');
  });

  it('is the widest tier among its readers\' servers', () => {
    assert.equal(roomAudience(room({ readers: [BOT, '@alice:camp.test', '@nell:hood.test'] }), camp), 'neighborhood');
    assert.equal(roomAudience(room({ readers: [BOT, '@nell:hood.test', '@stranger:far.test'] }), camp), 'public');
  });

  it('counts an invited reader like a joined one', () => {
    const state: StateEvent[] = [
      { type: 'm.room.create', state_key: '', sender: '@alice:camp.test', event_id: '$c', content: {} },
      { type: 'm.room.join_rules', state_key: '', sender: '@alice:camp.test', event_id: '$j', content: { join_rule: 'invite' } },
      { type: 'm.room.member', state_key: '@alice:camp.test', sender: '@alice:camp.test', event_id: '$a', content: { membership: 'join' } },
      { type: 'm.room.member', state_key: '@stranger:far.test', sender: '@alice:camp.test', event_id: '$s', content: { membership: 'invite' } },
      { type: 'm.room.member', state_key: '@gone:far.test', sender: '@gone:far.test', event_id: '$g', content: { membership: 'leave' } },
    ];
    assert.deepEqual(roomFactsFromState(state).readers, ['@alice:camp.test', '@stranger:far.test']);
    assert.equal(roomAudience(roomFactsFromState(state), camp), 'public');
  });

  it('is public when anyone may walk in, ask to, or read without joining', () => {
    for (const joinRule of ['public', 'knock', 'knock_restricted']) assert.equal(roomAudience(room({ joinRule }), camp), 'public', joinRule);
    assert.equal(roomAudience(room({ historyVisibility: 'world_readable' }), camp), 'public');
  });

  it('counts a guest of this server as the public: anyone can make one', () => {
    assert.equal(readerTier('@12:camp.test', camp), 'public');
    assert.equal(roomAudience(room({ federates: false, readers: [BOT, '@alice:camp.test', '@12:camp.test'] }), camp), 'public');
  });

  it('keeps a room that never federates local, unless it lets guests in', () => {
    assert.equal(roomAudience(room({ federates: false, joinRule: 'public' }), camp), 'local');
    assert.equal(roomAudience(room({ federates: false, joinRule: 'public', guestAccess: 'can_join' }), camp), 'public');
    const state: StateEvent[] = [{ type: 'm.room.create', state_key: '', sender: BOT, event_id: '$c', content: { 'm.federate': false } }];
    assert.equal(roomFactsFromState(state).federates, false);
  });

  it('treats a server that is no longer a neighbor as the public', () => {
    assert.equal(roomAudience(room({ readers: [BOT, '@nell:hood.test'] }), { ...camp, neighbors: [] }), 'public');
  });

  it('lets text reach a room only when the room is no wider than what the text reveals', () => {
    const allowed = (['local', 'neighborhood', 'public'] as const).flatMap((reveals) =>
      (['local', 'neighborhood', 'public'] as const).filter((audience) => mayReach(reveals, audience)).map((audience) => `${reveals} text in a ${audience} room`));
    assert.deepEqual(allowed, [
      'local text in a local room',
      'neighborhood text in a local room', 'neighborhood text in a neighborhood room',
      'public text in a local room', 'public text in a neighborhood room', 'public text in a public room',
    ]);
  });
});

interface Sent { roomId: string; body: string; txnId: string }

/** The homeserver as far as these tests reach it: rooms described by their state, and what was sent where. */
class FakeHomeserver {
  readonly userId = BOT;
  readonly sent: Sent[] = [];
  readonly states = new Map<string, StateEvent[]>();
  private created = 0;

  describe(roomId: string, options: { federates?: boolean; joinRule?: string; readers: readonly string[] }): void {
    this.states.set(roomId, [
      { type: 'm.room.create', state_key: '', sender: BOT, event_id: '$c', content: options.federates === false ? { 'm.federate': false } : {} },
      { type: 'm.room.join_rules', state_key: '', sender: BOT, event_id: '$j', content: { join_rule: options.joinRule ?? 'invite' } },
      ...options.readers.map((userId) => ({ type: 'm.room.member', state_key: userId, sender: userId, event_id: `$m${userId}`, content: { membership: 'join' } })),
    ]);
  }

  getRoomState(roomId: string): Promise<StateEvent[]> {
    const state = this.states.get(roomId);
    return state ? Promise.resolve(state) : Promise.reject(new Error(`the bot is not in ${roomId}`));
  }

  sendEvent(roomId: string, _type: string, content: Record<string, unknown>, txnId: string): Promise<string> {
    this.sent.push({ roomId, body: String(content.body), txnId });
    return Promise.resolve(`$sent${this.sent.length}`);
  }

  createRoom(request: CreateRoomRequest): Promise<string> {
    const roomId = `!dm${++this.created}:camp.test`;
    this.describe(roomId, { federates: request.creation_content?.['m.federate'] !== false, readers: [BOT, ...(request.invite ?? [])] });
    return Promise.resolve(roomId);
  }

  joinedRooms(): Promise<string[]> {
    return Promise.resolve([...this.states.keys()]);
  }

  getStateEvent(roomId: string, type: string): Promise<Record<string, unknown> | null> {
    return Promise.resolve(this.states.get(roomId)?.find((e) => e.type === type)?.content ?? null);
  }

  sentTo(roomId: string): string[] {
    return this.sent.filter((s) => s.roomId === roomId).map((s) => s.body);
  }
}

class MemoryDirectRooms implements DirectRoomsStore {
  private readonly rows = new Map<string, string | null>();
  private key(bot: string, user: string): string { return `${bot} ${user}`; }
  roomFor(bot: string, user: string): Promise<{ roomId: string | null } | null> {
    const key = this.key(bot, user);
    return Promise.resolve(this.rows.has(key) ? { roomId: this.rows.get(key) ?? null } : null);
  }
  recordIntent(bot: string, user: string): Promise<void> { if (!this.rows.has(this.key(bot, user))) this.rows.set(this.key(bot, user), null); return Promise.resolve(); }
  recordCreated(bot: string, user: string, roomId: string): Promise<void> { this.rows.set(this.key(bot, user), roomId); return Promise.resolve(); }
  forget(bot: string, user: string): Promise<void> { this.rows.delete(this.key(bot, user)); return Promise.resolve(); }
  userInRoom(bot: string, roomId: string): Promise<string | null> {
    const found = [...this.rows].find(([key, id]) => id === roomId && key.startsWith(`${bot} `));
    return Promise.resolve(found ? found[0].slice(bot.length + 1) : null);
  }
  roomsOf(): Promise<Map<string, string>> { return Promise.resolve(new Map<string, string>()); }
}

const PUBLIC_SQUARE = '!public:camp.test';
const LOCAL_TIMELINE = '!local:camp.test';
const managed = new Map<string, Tier>([[PUBLIC_SQUARE, 'public'], [LOCAL_TIMELINE, 'local']]);
const managedRooms = {
  byRoomId: (roomId: string): Promise<ManagedRoomRow | null> => {
    const tier = managed.get(roomId);
    return Promise.resolve(tier ? { creationKey: roomId, roomId, role: 'topic', tier, name: roomId, encrypted: false, requestedBy: null, createdAt: 0 } : null);
  },
};

/** Hearth's conversation over a fake homeserver, with one command whose answer reveals what the test says. */
function world(answer: Reply) {
  const homeserver = new FakeHomeserver();
  // The fake implements only what the sending layer and the DMs reach.
  const client = guardText(homeserver as unknown as HomeserverClient, new RoomAudiences({ rooms: managedRooms, local: camp, neighbors: () => Promise.resolve(camp.neighbors) }));
  const dms = new DirectMessenger(client, new MemoryDirectRooms(), silentLogger(), { encrypted: false });
  const table = new CommandTable([defineCommand({ name: 'room list', summary: 'List rooms.', params: [], permission: 'member', run: () => Promise.resolve(answer) })], silentLogger());
  const handle = handleCommandMessages({
    responderFor: () => Promise.resolve(client), table, serverName: 'camp.test', admins: [], isOwnBot,
    isMember: camp.isMember, directMessage: (userId, message) => dms.send(userId, message), log: silentLogger(),
  });
  let n = 0;
  const say = (roomId: string, sender: string, body: string): Promise<void> =>
    handle({ event_id: `$said${++n}`, room_id: roomId, type: 'm.room.message', sender, origin_server_ts: 0, content: { msgtype: 'm.text', body } } satisfies MatrixEvent);
  return { homeserver, client, dms, say };
}

const LIST: Reply = { text: 'local: Secret garden', reveals: 'local' };

describe('the one sending layer', () => {
  it('answers in the sender\'s DM, and leaves only a pointer in the room, when the room may not read the answer', async () => {
    const { homeserver, say } = world(LIST);
    await say(PUBLIC_SQUARE, '@alice:camp.test', '!room list');
    assert.deepEqual(homeserver.sentTo(PUBLIC_SQUARE), [ANSWERED_IN_DM]);
    assert.deepEqual(homeserver.sentTo('!dm1:camp.test'), ['local: Secret garden']);
    const dm = roomFactsFromState(homeserver.states.get('!dm1:camp.test') ?? []);
    assert.deepEqual([dm.federates, dm.readers], [false, [BOT, '@alice:camp.test']], 'the DM never federates and only the member is invited');
  });

  it('answers in place where the room may read it', async () => {
    const { homeserver, say } = world(LIST);
    await say(LOCAL_TIMELINE, '@alice:camp.test', '!room list');
    assert.deepEqual(homeserver.sentTo(LOCAL_TIMELINE), ['local: Secret garden']);
    assert.equal(homeserver.sent.length, 1);
  });

  it('posts text that reveals nothing private in any room', async () => {
    const { homeserver, say } = world({ text: 'Commands: …', reveals: 'public' });
    await say(PUBLIC_SQUARE, '@alice:camp.test', '!room list');
    assert.deepEqual(homeserver.sentTo(PUBLIC_SQUARE), ['Commands: …']);
  });

  it('treats an answer that does not say what it reveals as local', async () => {
    const { homeserver, say } = world({ text: 'Bob is a member' });
    await say(PUBLIC_SQUARE, '@alice:camp.test', '!room list');
    assert.deepEqual(homeserver.sentTo(PUBLIC_SQUARE), [ANSWERED_IN_DM]);
  });

  it('judges a room it does not manage by its readers\' servers', async () => {
    const { homeserver, client, say } = world(LIST);
    homeserver.describe('!porch:camp.test', { readers: [BOT, '@alice:camp.test', '@nell:hood.test'] });
    await say('!porch:camp.test', '@alice:camp.test', '!room list');
    assert.deepEqual(homeserver.sentTo('!porch:camp.test'), [ANSWERED_IN_DM]);
    await client.sendEvent('!porch:camp.test', 'm.room.message', { body: 'for the neighbors' }, 't1', { reveals: 'neighborhood' });
    assert.deepEqual(homeserver.sentTo('!porch:camp.test'), [ANSWERED_IN_DM, 'for the neighbors']);
    homeserver.describe('!kitchen:camp.test', { readers: [BOT, '@alice:camp.test'] });
    await say('!kitchen:camp.test', '@alice:camp.test', '!room list');
    assert.deepEqual(homeserver.sentTo('!kitchen:camp.test'), ['local: Secret garden']);
  });

  it('reads the neighbors only for a room where someone from another server reads', async () => {
    const homeserver = new FakeHomeserver();
    let reads = 0;
    const audiences = new RoomAudiences({ rooms: managedRooms, local: camp, neighbors: () => { reads++; return Promise.resolve(camp.neighbors); } });
    homeserver.describe('!dm:camp.test', { federates: false, readers: [BOT, '@alice:camp.test'] });
    homeserver.describe('!porch:camp.test', { readers: [BOT, '@alice:camp.test', '@nell:hood.test'] });
    assert.equal(await audiences.of(homeserver, '!dm:camp.test'), 'local');
    assert.equal(reads, 0, 'a member\'s DM is judged without the list');
    assert.equal(await audiences.of(homeserver, '!porch:camp.test'), 'neighborhood');
    assert.equal(reads, 1);
  });

  it('refuses, rather than posts, text no one redirects', async () => {
    const { homeserver, client } = world(LIST);
    await assert.rejects(client.sendEvent(PUBLIC_SQUARE, 'm.room.message', { body: 'a notice' }, 't2'), AudienceRefused);
    assert.deepEqual(homeserver.sent, []);
  });

  it('sends no event past the audience check through the generic request', async () => {
    const { client } = world(LIST);
    const path = `/rooms/${encodeURIComponent(PUBLIC_SQUARE)}/send/m.room.message/txn1`;
    await assert.rejects(client.request('PUT', path, { msgtype: 'm.text', body: 'local: Secret garden' }), /events are sent with sendEvent/);
  });

  it('never runs a command for a guest or another server\'s user, and tells them so', async () => {
    for (const sender of ['@12:camp.test', '@stranger:far.test']) {
      const { homeserver, say } = world(LIST);
      await say(PUBLIC_SQUARE, sender, '!room list');
      assert.deepEqual(homeserver.sentTo(PUBLIC_SQUARE), ['Hearth answers members of camp.test only.'], sender);
      assert.equal(homeserver.sent.length, 1, sender);
    }
  });

  it('opens a new DM when the old one let another server in', async () => {
    const { homeserver, dms } = world(LIST);
    const first = await dms.send('@alice:camp.test', { id: 'one', text: 'first' });
    homeserver.describe(first, { readers: [BOT, '@alice:camp.test', '@stranger:far.test'] });
    const second = await dms.send('@alice:camp.test', { id: 'two', text: 'second' });
    assert.notEqual(second, first);
    assert.deepEqual([homeserver.sentTo(first), homeserver.sentTo(second)], [['first'], ['second']]);
  });
});
