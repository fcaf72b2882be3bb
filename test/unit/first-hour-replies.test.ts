// The answers a new member or admin meets in their first hour, each as it now
// reads. Every command here is the real definition, in the real table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bugle } from '../../src/bugle/bugle.ts';
import type { CommandContext } from '../../src/commands/command.ts';
import { adminRoomGreeting, directChatGreeting, Greetings } from '../../src/bot/greetings.ts';
import type { HomeserverClient, SendOptions } from '../../src/matrix/client.ts';
import type { MatrixEvent } from '../../src/matrix/event.ts';
import type { BugleStore, OptOutHow } from '../../src/store/bugle-store.ts';
import type { ManagedRoomRow, ManagedRoomsStore } from '../../src/store/managed-rooms-store.ts';
import type { CommunityFacts } from '../../src/tiers/facts.ts';
import type { RoomSpec } from '../../src/tiers/creation.ts';
import { wasmLogger } from '../../src/matrix/crypto/wasm.ts';
import type { Logger } from '../../src/logging/logger.ts';
import { bugleCommands } from '../../src/bugle/commands.ts';
import { CommandTable } from '../../src/commands/table.ts';
import { commandCatalog, partial, unused } from '../support/command-catalog.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { whoLostContacts, whoWasTold } from '../../src/federation/defederation.ts';
import { count } from '../../src/text/plural.ts';

const alice: CommandContext = { sender: '@alice:camp.test', roomId: '!book:camp.test', eventId: '$create', isAdmin: false };
const admin: CommandContext = { ...alice, sender: '@admin:camp.test', roomId: '!admins:camp.test', isAdmin: true };

const FACTS: CommunityFacts = { serverName: 'camp.test', spaceId: '!space:camp.test', neighbors: [], defederated: [], admins: ['@admin:camp.test'] };

function room(overrides: Partial<ManagedRoomRow>): ManagedRoomRow {
  return { creationKey: 'topic:$x', roomId: '!book:camp.test', role: 'topic', tier: 'local', name: 'Book club', encrypted: false, requestedBy: null, createdAt: 0, ...overrides };
}

function roomsHolding(rows: readonly ManagedRoomRow[]): ManagedRoomsStore {
  return partial<ManagedRoomsStore>('rooms', { byRoomId: (roomId) => Promise.resolve(rows.find((r) => r.roomId === roomId) ?? null) });
}

/** The table with a room creator that records what it was asked for. */
function creatingTable(): { table: CommandTable; created: RoomSpec[] } {
  const created: RoomSpec[] = [];
  const table = commandCatalog({ tiers: { ensureRoom: (spec) => { created.push(spec); return Promise.resolve('!new:camp.test'); } } });
  return { table, created };
}

describe('naming a room as a member types it', () => {
  it('!room create Knitting circle makes "Knitting circle", without quotes', async () => {
    const { table, created } = creatingTable();
    const reply = await table.execute(alice, '!room create Knitting circle');
    assert.match(reply.text, /^Created "Knitting circle"\./);
    assert.equal(created[0]?.room.name, 'Knitting circle');
  });

  it('options still count after an unquoted name', async () => {
    const { table, created } = creatingTable();
    await table.execute(alice, '!room create Knitting circle --tier public');
    assert.deepEqual([created[0]?.room.name, created[0]?.room.tier], ['Knitting circle', 'public']);
  });

  it('an apostrophe inside a name is an apostrophe', async () => {
    const { table, created } = creatingTable();
    const reply = await table.execute(alice, "!room create Alice's room");
    assert.match(reply.text, /^Created "Alice's room"\./);
    assert.equal(created[0]?.room.name, "Alice's room");
  });

  it('quotes still group words where a word starts', async () => {
    const { table, created } = creatingTable();
    await table.execute(alice, '!room create "Book club" --tier neighborhood');
    assert.deepEqual([created[0]?.room.name, created[0]?.room.tier], ['Book club', 'neighborhood']);
  });

  it('a command that takes one word and gets more says to use quotes', async () => {
    const reply = await commandCatalog().execute(admin, '!tier set public now');
    assert.equal(reply.text, 'too many arguments ("now" is left over; a value with spaces goes in quotes, like "Book club"). Usage: !tier set <tier>');
  });
});

describe('inviting someone by the name members use', () => {
  it('!room invite bob invites @bob of this server', async () => {
    const invited: string[] = [];
    const client = partial<HomeserverClient>('client', { invite: (_room, user) => { invited.push(user); return Promise.resolve(); } });
    const table = commandCatalog({ tiers: { client, rooms: roomsHolding([room({})]), facts: () => Promise.resolve(FACTS) } });
    assert.equal((await table.execute(alice, '!room invite bob')).text, 'Invited @bob:camp.test.');
    assert.equal((await table.execute(alice, '!room invite @carol')).text, 'Invited @carol:camp.test.');
    assert.deepEqual(invited, ['@bob:camp.test', '@carol:camp.test']);
  });

  it('a name that cannot be a user is refused with both forms as examples', async () => {
    const reply = await commandCatalog().execute(alice, '!room invite "Bob Smith"');
    assert.match(reply.text, /^user must be a name on camp\.test, like bob, or a Matrix ID, like @bob:camp\.test; not "Bob Smith"/);
  });
});

describe('the Bugle\'s switch', () => {
  function bugleTable(optOuts: Map<string, OptOutHow>): CommandTable {
    const store = partial<BugleStore>('bugle store', {
      optedOut: () => Promise.resolve(new Map(optOuts)),
      optIn: (userId) => { optOuts.delete(userId); return Promise.resolve(); },
      optOut: (userId, how) => { optOuts.set(userId, how); return Promise.resolve(); },
    });
    const bugle = new Bugle({
      store, members: unused('members'), isCommunityMember: () => true, jobs: unused('jobs'),
      messenger: unused('messenger'), limits: unused('limits'), notify: () => Promise.resolve(), log: silentLogger(),
    });
    return new CommandTable(bugleCommands(bugle), silentLogger(), { serverName: 'camp.test' });
  }

  it('!bugle on from someone who never turned it off says nothing changed', async () => {
    assert.equal((await bugleTable(new Map()).execute(alice, '!bugle on')).text, 'You already receive broadcasts; nothing changed. (!bugle off stops them.)');
  });

  it('!bugle on after !bugle off turns broadcasts back on', async () => {
    const table = bugleTable(new Map());
    await table.execute(alice, '!bugle off');
    assert.equal((await table.execute(alice, '!bugle on')).text, 'You will receive broadcasts again.');
  });
});

describe('a defederation\'s reason', () => {
  it('is shown as required in the help, because it is', async () => {
    const help = (await commandCatalog().execute(admin, '!help')).text;
    assert.match(help, /!defederate propose <server> <reason> —/);
    assert.match(help, /!defederate now <server> <reason> —/);
  });

  it('is asked for by the same definition that shows it', async () => {
    assert.equal((await commandCatalog().execute(admin, '!defederate propose far.test')).text, 'missing reason. Usage: !defederate propose <server> <reason>');
  });
});

describe('!tier in the rooms a new admin meets', () => {
  const adminRoom = room({ roomId: '!admins:camp.test', role: 'admin', name: 'Camp admin room' });
  const quiet = room({ roomId: '!quiet:camp.test', name: 'Quiet corner', encrypted: true });
  const table = commandCatalog({ tiers: { rooms: roomsHolding([adminRoom, quiet, room({})]) } });

  it('says the admin room is for invited admins only', async () => {
    const reply = await table.execute(admin, '!tier');
    assert.match(reply.text, /^"Camp admin room" is local and invitation-only: only the admins of camp\.test are invited to it, and it never leaves camp\.test\./);
    assert.doesNotMatch(reply.text, /Only members of camp\.test can join/);
  });

  it('says an encrypted room is encrypted, and what that means', async () => {
    const reply = await table.execute({ ...alice, roomId: '!quiet:camp.test' }, '!tier');
    assert.match(reply.text, /^"Quiet corner" is local\. .* It is end-to-end encrypted: only its members' devices can read its messages, not the servers that hold it/);
  });

  it('says a room in the clear is readable by the servers that hold it', async () => {
    assert.match((await table.execute(alice, '!tier')).text, /It is not end-to-end encrypted: the servers that hold it can read it\./);
  });
});

describe('greetings', () => {
  interface Sent { roomId: string; body: unknown; txnId: string; reveals: SendOptions['reveals'] }
  function recordingBot(sent: Sent[]): HomeserverClient {
    return partial<HomeserverClient>('bot', {
      userId: '@hearth:camp.test',
      sendEvent: (roomId, _type, content, txnId, options) => { sent.push({ roomId, body: content.body, txnId, reveals: options?.reveals }); return Promise.resolve('$sent'); },
    });
  }
  const greetings = new Greetings({ communityName: 'Camp', serverName: 'camp.test', adminRoomId: () => '!admins:camp.test', isOwnBot: (u) => u.startsWith('@hearth'), log: silentLogger() });

  it('a member who opens a DM with the bot is told, in one line, to say !help', async () => {
    const sent: Sent[] = [];
    await greetings.greetDirectChat(recordingBot(sent), 'hearth', '!dm:camp.test');
    assert.deepEqual(sent, [{ roomId: '!dm:camp.test', body: directChatGreeting('hearth', 'Camp'), txnId: 'greeting.!dm:camp.test', reveals: 'local' }]);
    assert.match(String(sent[0]?.body), /^Hello! I'm Hearth, the host of Camp\. Say !help/);
    assert.doesNotMatch(String(sent[0]?.body), /\n/);
  });

  it('an admin who comes into the admin room is welcomed with what it is for and the first steps', async () => {
    const sent: Sent[] = [];
    const join: MatrixEvent = { event_id: '$join', room_id: '!admins:camp.test', type: 'm.room.member', sender: '@admin:camp.test', state_key: '@admin:camp.test', origin_server_ts: 0, content: { membership: 'join' } };
    await greetings.adminRoomJoins(recordingBot(sent))(join);
    const welcome = adminRoomGreeting('@admin:camp.test', 'Camp', 'camp.test');
    assert.equal(sent[0]?.body, welcome);
    assert.match(welcome, /First steps:/);
    assert.match(welcome, /not end-to-end encrypted, so an admin who joins later can read what was decided before/);
    // A display-name change is a join after a join: no second welcome.
    await greetings.adminRoomJoins(recordingBot(sent))({ ...join, event_id: '$rename', unsigned: { prev_content: { membership: 'join' } } });
    assert.equal(sent.length, 1);
  });
});

describe('the log while an encrypted command waits for its keys', () => {
  it('a missing room key is debug until the wait has really failed', () => {
    const lines: string[] = [];
    const capture = (level: string): ((message: string) => void) => (message) => { lines.push(`${level} ${message}`); };
    const log: Logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error'), child: () => log };
    const crypto = wasmLogger(log);
    crypto.warn('Failed to decrypt a room event: Can\'t find the room key to decrypt the event');
    crypto.warn('Something else went wrong');
    assert.deepEqual(lines, ['debug Failed to decrypt a room event: Can\'t find the room key to decrypt the event', 'warn Something else went wrong']);
  });
});

describe('counting people in answers', () => {
  it('a defederation that cost nobody anything says so plainly', () => {
    assert.equal(whoLostContacts(0, 0), 'No member shared a room with anyone there, so nobody lost a contact.');
    assert.equal(whoWasTold(0), 'No member shares a room with anyone there, so nobody was told.');
  });

  it('writes real plurals', () => {
    assert.equal(whoLostContacts(1, 1), '1 member lost 1 contact and was told.');
    assert.equal(whoLostContacts(2, 3), '2 members lost 3 contacts and were told.');
    assert.equal(whoWasTold(1), 'Told 1 member by DM; their replies will appear here.');
    assert.equal(count(0, 'member'), '0 members');
  });
});
