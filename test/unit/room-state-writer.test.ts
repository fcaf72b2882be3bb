// The one writer of room state, and the domains that hand it what they want:
// the tiers' reconciler, the neighborhood's councils and the ban list. Each
// room is described as the homeserver would return it; the dry-run writer
// records what would be written, so what each domain decides is checked
// whole, in process, with nothing sent anywhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainEventBus } from '../../src/domain-events.ts';
import { PolicyList, SERVER_RULE } from '../../src/federation/policy-list.ts';
import type { HomeserverClient, StateEvent } from '../../src/matrix/client.ts';
import { councilCreationRequest } from '../../src/neighborhood/council.ts';
import type { Decision } from '../../src/neighborhood/commands-logic.ts';
import { NeighborhoodService, type NeighborhoodOptions } from '../../src/neighborhood/service.ts';
import { MEMBERSHIP_TYPE, VOTES_TYPE } from '../../src/neighborhood/events.ts';
import { canonical } from '../../src/room-state/canonical.ts';
import { describedRooms, DryRunStateWriter } from '../../src/room-state/dry-run.ts';
import { ACL_SETTLE_FIELD, HomeserverStateWriter, stateDifference, type StateReads } from '../../src/room-state/writer.ts';
import type { CouncilsStore } from '../../src/store/councils-store.ts';
import type { ManagedRoomRow, ManagedRoomsStore } from '../../src/store/managed-rooms-store.ts';
import type { RoomMembersStore } from '../../src/store/room-members-store.ts';
import type { RepairEntry } from '../../src/store/repairs-store.ts';
import type { ServerListsStore } from '../../src/store/server-lists-store.ts';
import type { CommunityFacts } from '../../src/tiers/facts.ts';
import type { MemberRemoval } from '../../src/tiers/membership-removal.ts';
import { Reconciler } from '../../src/tiers/reconciler.ts';
import type { ManagedRoom } from '../../src/tiers/tier.ts';
import { partial, unused } from '../support/command-catalog.ts';
import { silentLogger } from '../support/silent-logger.ts';

const BOT = '@hearth:camp.test';

function stateEvent(type: string, content: Record<string, unknown>, stateKey = '', sender = BOT): StateEvent {
  return { type, state_key: stateKey, sender, event_id: `$${type}`, content };
}

/** Counts the reads the writer makes, so a test can say none were needed. */
function countingReads(reads: StateReads): StateReads & { count: number } {
  const counted = {
    count: 0,
    getStateEvent: (roomId: string, type: string, stateKey: string) => {
      counted.count++;
      return reads.getStateEvent(roomId, type, stateKey);
    },
  };
  return counted;
}

describe('the writer writes only the difference', () => {
  it('an event the room already has, with its keys and lists in another order, is not written again', () => {
    const actual = [stateEvent('m.room.server_acl', { deny: [], allow_ip_literals: false, allow: ['hood.test', 'camp.test'] })];
    const desired = [{ type: 'm.room.server_acl', stateKey: '', content: { allow: ['camp.test', 'hood.test'], deny: [], allow_ip_literals: false } }];
    assert.deepEqual(stateDifference(desired, actual), []);
  });

  it('an ACL is sent twice, the second copy naming the first, and either copy counts as the same ACL', async () => {
    const puts: { path: string; body: unknown }[] = [];
    const client = {
      request: <T>(_method: string, path: string, body?: unknown): Promise<T> => {
        puts.push({ path, body });
        return Promise.resolve({ event_id: `$acl${puts.length}` } as T);
      },
      getStateEvent: () => Promise.resolve(null),
    };
    const acl = { allow: ['camp.test', 'glen.test'], deny: [], allow_ip_literals: false };
    await new HomeserverStateWriter(client).apply('!r:camp.test', [{ type: 'm.room.server_acl', stateKey: '', content: acl }]);
    assert.deepEqual(puts.map((p) => p.body), [acl, { ...acl, [ACL_SETTLE_FIELD]: '$acl1' }]);
    assert.deepEqual(stateDifference([{ type: 'm.room.server_acl', stateKey: '', content: acl }], [stateEvent('m.room.server_acl', { ...acl, [ACL_SETTLE_FIELD]: '$acl1' })]), []);
  });

  it('any other state is sent once', async () => {
    let puts = 0;
    const client = {
      request: <T>(): Promise<T> => { puts++; return Promise.resolve({ event_id: '$t' } as T); },
      getStateEvent: () => Promise.resolve(null),
    };
    await new HomeserverStateWriter(client).apply('!r:camp.test', [{ type: 'm.room.topic', stateKey: '', content: { topic: 'Knitting' } }]);
    assert.equal(puts, 1);
  });

  it('what differs or is missing is written in the order it was desired, with what the room had', async () => {
    const writer = new DryRunStateWriter();
    const actual = [stateEvent('m.room.join_rules', { join_rule: 'public' }, '', '@mallory:camp.test')];
    const written = await writer.apply('!r:camp.test', [
      { type: 'm.room.power_levels', stateKey: '', content: { users: { [BOT]: 150 } } },
      { type: 'm.room.join_rules', stateKey: '', content: { join_rule: 'invite' } },
    ], actual);
    assert.deepEqual(written.map((w) => [w.type, w.previous, w.previousSender]), [
      ['m.room.power_levels', null, null],
      ['m.room.join_rules', { join_rule: 'public' }, '@mallory:camp.test'],
    ]);
    assert.deepEqual(writer.writes.map((w) => w.roomId), ['!r:camp.test', '!r:camp.test']);
  });

  it('a caller that read nothing has each desired event read first', async () => {
    const reads = countingReads(describedRooms({ '!r:camp.test': [stateEvent('m.room.topic', { topic: 'Knitting' })] }));
    const writer = new DryRunStateWriter(reads);
    assert.deepEqual(await writer.apply('!r:camp.test', [{ type: 'm.room.topic', stateKey: '', content: { topic: 'Knitting' } }]), []);
    assert.equal(reads.count, 1);
    assert.deepEqual(writer.writes, []);
  });
});

const FACTS: CommunityFacts = { serverName: 'camp.test', spaceId: '!space:camp.test', neighbors: ['hood.test'], defederated: [], admins: ['@admin:camp.test'], botLocalpart: 'hearth' };

function managedRow(roomId: string, tier: ManagedRoom['tier']): ManagedRoomRow {
  return { creationKey: `topic:${roomId}`, roomId, role: 'topic', tier, name: 'Book club', encrypted: false, requestedBy: null, createdAt: 0 };
}

/** A reconciler over described rooms, writing through a dry run; `notices` collects what the admins are told, `logged` the repair log. */
function reconcilerOver(rooms: Record<string, StateEvent[]>, rows: ManagedRoomRow[], facts: () => CommunityFacts) {
  const reads = countingReads(describedRooms(rooms));
  const writer = new DryRunStateWriter(reads);
  const notices: string[] = [];
  const messages: string[] = [];
  /** Each read of a room's whole state, with how many writes came before it. */
  const roomReads: { roomId: string; writesBefore: number }[] = [];
  const client = partial<HomeserverClient>('client', {
    getRoomState: (roomId) => {
      roomReads.push({ roomId, writesBefore: writer.writes.length });
      return Promise.resolve(rooms[roomId] ?? []);
    },
    invite: () => Promise.resolve(),
    sendEvent: (_roomId, type) => { messages.push(type); return Promise.resolve('$message'); },
  });
  const logged: RepairEntry[] = [];
  const reconciler = new Reconciler({
    client,
    writer,
    rooms: partial<ManagedRoomsStore>('rooms', {
      byRoomId: (roomId) => Promise.resolve(rows.find((r) => r.roomId === roomId) ?? null),
      all: () => Promise.resolve(rows),
    }),
    facts: () => Promise.resolve(facts()),
    notify: (text) => { notices.push(text); return Promise.resolve(); },
    log: silentLogger(),
    membershipFacts: () => Promise.resolve({ community: facts(), removed: new Set<string>(), isOwnBot: (user) => user === BOT }),
    removal: partial<MemberRemoval>('removal', { remove: () => Promise.resolve([]) }),
    roomMembers: partial<Pick<RoomMembersStore, 'present'>>('roomMembers', { present: () => Promise.resolve([]) }),
    repairLog: { record: (entries) => { logged.push(...entries); return Promise.resolve(); } },
  });
  return { reconciler, writer, reads, notices, messages, logged, roomReads };
}

/** The state a room has once everything the dry run would write was written. */
function asWritten(writer: DryRunStateWriter, roomId: string): StateEvent[] {
  return writer.writes.filter((w) => w.roomId === roomId).map((w) => stateEvent(w.type, w.content, w.stateKey));
}

describe('the reconciler hands each room its tier\'s state to the writer', () => {
  it('a bare room gets its whole tier, power levels first; a room in line gets nothing', async () => {
    const rows = [managedRow('!book:camp.test', 'neighborhood')];
    const bare = reconcilerOver({ '!book:camp.test': [] }, rows, () => FACTS);
    await bare.reconciler.reconcileRoom('!book:camp.test', { kind: 'creation' });
    assert.deepEqual(bare.writer.writes.map((w) => w.type), [
      'm.room.power_levels', 'm.room.join_rules', 'm.room.history_visibility', 'm.room.guest_access', 'm.room.server_acl',
    ]);
    assert.deepEqual(bare.notices, [], 'repairs at creation are expected, not reported');

    const inLine = reconcilerOver({ '!book:camp.test': asWritten(bare.writer, '!book:camp.test') }, rows, () => FACTS);
    assert.deepEqual(await inLine.reconciler.reconcileRoom('!book:camp.test', { kind: 'start-up' }), []);
    assert.deepEqual(inLine.writer.writes, []);
  });

  it('a join rule someone opened is put back alone, and the admins are told who changed it', async () => {
    const rows = [managedRow('!book:camp.test', 'neighborhood')];
    const bare = reconcilerOver({ '!book:camp.test': [] }, rows, () => FACTS);
    await bare.reconciler.reconcileRoom('!book:camp.test', { kind: 'creation' });
    const opened = [
      ...asWritten(bare.writer, '!book:camp.test').filter((e) => e.type !== 'm.room.join_rules'),
      stateEvent('m.room.join_rules', { join_rule: 'public' }, '', '@mallory:camp.test'),
    ];
    const { reconciler, writer, notices } = reconcilerOver({ '!book:camp.test': opened }, rows, () => FACTS);
    await reconciler.reconcileRoom('!book:camp.test', { kind: 'event', sender: '@mallory:camp.test' });
    assert.deepEqual(writer.writes.map((w) => [w.type, w.previousSender]), [['m.room.join_rules', '@mallory:camp.test']]);
    assert.match(notices[0] ?? '', /^Repaired "Book club" \(neighborhood\): m\.room\.join_rules was \{"join_rule":"public"\}/);
  });

  it('each repair the admins are told of is kept in the repair log as they were told it; those at creation are not', async () => {
    const rows = [managedRow('!book:camp.test', 'neighborhood')];
    const bare = reconcilerOver({ '!book:camp.test': [] }, rows, () => FACTS);
    await bare.reconciler.reconcileRoom('!book:camp.test', { kind: 'creation' });
    assert.deepEqual(bare.logged, []);
    const drifted = [
      ...asWritten(bare.writer, '!book:camp.test').filter((e) => e.type !== 'm.room.join_rules' && e.type !== 'm.room.guest_access'),
      stateEvent('m.room.join_rules', { join_rule: 'public' }, '', '@mallory:camp.test'),
    ];
    const { reconciler, notices, logged } = reconcilerOver({ '!book:camp.test': drifted }, rows, () => FACTS);
    const before = Date.now();
    await reconciler.reconcileRoom('!book:camp.test', { kind: 'event', sender: '@mallory:camp.test' });
    assert.ok(logged.every((entry) => entry.repairedAt >= before), 'stamped when repaired');
    assert.deepEqual(logged.map((entry) => ({ ...entry, repairedAt: 0 })), [
      { roomId: '!book:camp.test', roomName: 'Book club', tier: 'neighborhood', stateType: 'm.room.join_rules', previous: '{"join_rule":"public"}', restored: canonical(asWritten(bare.writer, '!book:camp.test').find((e) => e.type === 'm.room.join_rules')?.content), trigger: 'after a change by @mallory:camp.test', repairedAt: 0 },
      { roomId: '!book:camp.test', roomName: 'Book club', tier: 'neighborhood', stateType: 'm.room.guest_access', previous: null, restored: '{"guest_access":"forbidden"}', trigger: 'after a change by @mallory:camp.test', repairedAt: 0 },
    ]);
    assert.equal(notices.length, 1);
    assert.match(notices[0] ?? '', /m\.room\.guest_access was missing; restored \{"guest_access":"forbidden"\}\.\n\(after a change by @mallory:camp\.test\)$/);
  });

  it('an ACL change reads a room\'s ACL once, writes it once, and after that knows it without asking', async () => {
    let facts: CommunityFacts = FACTS;
    const rooms = { '!pub:camp.test': [stateEvent('m.room.server_acl', { allow: ['*'], deny: [], allow_ip_literals: false })] };
    const { reconciler, writer, reads } = reconcilerOver(rooms, [managedRow('!pub:camp.test', 'public')], () => facts);

    assert.equal(await reconciler.reconcileAcl('!pub:camp.test'), false, 'the ACL already says what the facts say');
    assert.equal(reads.count, 1);

    facts = { ...FACTS, defederated: ['far.test'] };
    assert.equal(await reconciler.reconcileAcl('!pub:camp.test'), true);
    assert.deepEqual(writer.writes.map((w) => w.content), [{ allow: ['*'], deny: ['far.test'], allow_ip_literals: false }]);
    assert.equal(await reconciler.reconcileAcl('!pub:camp.test'), false, 'what it wrote is what the room has');
    assert.equal(reads.count, 2, 'one read before the first write; none once the ACL is known');
  });

  it('a neighbor admitted: a neighborhood room\'s ACL is written before the room is read, and the power levels that grant follow', async () => {
    const rows = [managedRow('!book:camp.test', 'neighborhood')];
    const bare = reconcilerOver({ '!book:camp.test': [] }, rows, () => FACTS);
    await bare.reconciler.reconcileRoom('!book:camp.test', { kind: 'creation' });
    const rooms = { '!book:camp.test': asWritten(bare.writer, '!book:camp.test') };
    let facts = FACTS;
    const { reconciler, writer, roomReads } = reconcilerOver(rooms, rows, () => facts);
    await reconciler.reconcileRoom('!book:camp.test', { kind: 'start-up' });
    facts = { ...FACTS, neighbors: ['glen.test', 'hood.test'] };
    roomReads.length = 0;

    assert.equal(await reconciler.reconcileAcl('!book:camp.test'), true);
    const [acl, ...rest] = writer.writes;
    assert.deepEqual([acl?.type, acl?.content.allow], ['m.room.server_acl', ['camp.test', 'glen.test', 'hood.test']]);
    assert.deepEqual(roomReads[0]?.writesBefore, 1, 'the ACL went out before the room was read');
    assert.deepEqual(rest.map((w) => w.type), ['m.room.server_acl', 'm.room.power_levels'],
      'then the pass: the power levels granting glen\'s bot (the dry run\'s room does not change, so it finds the old ACL there still)');
  });

  it('a neighbor gone: the power levels that take its bot\'s power go before the narrower ACL, both in the one pass', async () => {
    const rows = [managedRow('!book:camp.test', 'neighborhood')];
    const wide = { ...FACTS, neighbors: ['glen.test', 'hood.test'] };
    const bare = reconcilerOver({ '!book:camp.test': [] }, rows, () => wide);
    await bare.reconciler.reconcileRoom('!book:camp.test', { kind: 'creation' });
    let facts: CommunityFacts = wide;
    const { reconciler, writer, roomReads } = reconcilerOver({ '!book:camp.test': asWritten(bare.writer, '!book:camp.test') }, rows, () => facts);
    await reconciler.reconcileRoom('!book:camp.test', { kind: 'start-up' });
    facts = FACTS;
    roomReads.length = 0;

    assert.equal(await reconciler.reconcileAcl('!book:camp.test'), true);
    assert.equal(roomReads[0]?.writesBefore, 0, 'nothing was written before the room was read');
    assert.deepEqual(writer.writes.map((w) => w.type), ['m.room.power_levels', 'm.room.server_acl']);
  });

  it('a room leaving for a new one gets its tombstone through the writer', async () => {
    const rows = [managedRow('!old:camp.test', 'local')];
    const { reconciler, writer, messages } = reconcilerOver({ '!old:camp.test': [] }, rows, () => FACTS);
    await reconciler.retire('!old:camp.test', '!new:camp.test', 'This room moved on.');
    assert.deepEqual(messages, ['m.room.message'], 'the notice for its readers is a message, not state');
    assert.deepEqual(writer.writes.map((w) => [w.type, w.content]), [['m.room.tombstone', { body: 'This room moved on.', replacement_room: '!new:camp.test' }]]);
  });
});

/** The council camp.test founded, as its room's state stands right after creation. */
function foundedCouncil(): StateEvent[] {
  const request = councilCreationRequest('camp.test', 'hearth', 'create.camp');
  return [
    stateEvent('m.room.create', { ...request.creation_content, room_version: request.room_version }),
    ...(request.initial_state ?? []).map((e) => stateEvent(e.type, e.content, e.state_key)),
    stateEvent('m.room.power_levels', request.power_level_content_override ?? {}),
  ];
}

function neighborhoodOver(rooms: Record<string, StateEvent[]>) {
  const writer = new DryRunStateWriter(describedRooms(rooms));
  const options: NeighborhoodOptions = {
    self: 'camp.test',
    botLocalpart: 'hearth',
    client: partial<HomeserverClient>('client', {
      getRoomState: (roomId) => Promise.resolve(rooms[roomId] ?? []),
      getStateEvent: (roomId, type, stateKey) => describedRooms(rooms).getStateEvent(roomId, type, stateKey),
    }),
    writer,
    councils: partial<CouncilsStore>('councils', { all: () => Promise.resolve(Object.keys(rooms)) }),
    lists: partial<ServerListsStore>('lists', { defederated: () => Promise.resolve([]), replaceNeighbors: () => Promise.resolve(false) }),
    propagation: unused('propagation'),
    notify: () => Promise.resolve(),
    log: silentLogger(),
    onNeighbors: () => Promise.resolve(),
  };
  return { service: new NeighborhoodService(options), writer };
}

describe('the neighborhood hands its councils\' state to the writer', () => {
  it('a council as its founder created it needs no write', async () => {
    const { service, writer } = neighborhoodOver({ '!council:camp.test': foundedCouncil() });
    await service.refresh();
    assert.deepEqual(writer.writes, []);
  });

  it('a council ACL changed by hand is put back, and nothing else is written', async () => {
    const council = foundedCouncil().map((e) => (e.type === 'm.room.server_acl' ? { ...e, content: { allow: ['*'], deny: [], allow_ip_literals: false } } : e));
    const { service, writer } = neighborhoodOver({ '!council:camp.test': council });
    await service.refresh();
    assert.deepEqual(writer.writes.map((w) => [w.type, w.content]), [['m.room.server_acl', { allow: ['camp.test'], deny: [], allow_ip_literals: false }]]);
  });

  it('a command\'s statement is written; one the room already holds is not sent again', async () => {
    const { service, writer } = neighborhoodOver({ '!council:camp.test': foundedCouncil() });
    const votes = { approve: [{ server: 'hood.test', round: 1, after: ['camp.test#0'] }], reject: [], remove: [], cut_off: [] };
    const decision: Decision = { kind: 'send', roomId: '!council:camp.test', events: [{ type: VOTES_TYPE, stateKey: BOT, content: votes }], invite: [], reply: 'Approved.' };
    assert.equal(await service.apply(decision), 'Approved.');
    assert.deepEqual(writer.writes.map((w) => [w.type, w.stateKey, w.content]), [[VOTES_TYPE, BOT, votes]]);

    const joined = { membership: 'join', round: 0, after: [] };
    await service.apply({ ...decision, events: [{ type: MEMBERSHIP_TYPE, stateKey: BOT, content: joined }] });
    assert.equal(writer.writes.length, 1, 'the founder\'s membership stands already');
  });
});

describe('the ban list hands its rules to the writer', () => {
  const list = (rooms: Record<string, StateEvent[]>) => {
    const writer = new DryRunStateWriter(describedRooms(rooms));
    const policyList = new PolicyList(unused('client'), writer, () => Promise.resolve('!bans:camp.test'), 'Camp', 'hearth_', 'camp.test');
    return { policyList, writer };
  };

  it('a decision is published as an m.ban rule, and withdrawn with an empty one', async () => {
    const { policyList, writer } = list({});
    await policyList.ban('far.test', 'spam');
    await policyList.unban('far.test');
    assert.deepEqual(writer.writes.map((w) => [w.type, w.stateKey, w.content]), [
      [SERVER_RULE, 'rule:far.test', { entity: 'far.test', recommendation: 'm.ban', reason: 'spam' }],
      [SERVER_RULE, 'rule:far.test', {}],
    ]);
  });

  it('a rule already published as it stands is not published again', async () => {
    const published = stateEvent(SERVER_RULE, { entity: 'far.test', recommendation: 'm.ban', reason: 'spam' }, 'rule:far.test');
    const { policyList, writer } = list({ '!bans:camp.test': [published] });
    await policyList.ban('far.test', 'spam');
    assert.deepEqual(writer.writes, []);
  });
});

describe('events between domains', () => {
  it('a defederation change reaches its listeners in order, and a listener\'s failure fails the announcement', async () => {
    const events = new DomainEventBus();
    const heard: string[] = [];
    events.on('defederation-changed', () => { heard.push('neighborhood'); return Promise.resolve(); });
    events.on('defederation-changed', () => Promise.reject(new Error('the council room could not be read')));
    await assert.rejects(events.emit('defederation-changed', {}), /the council room could not be read/);
    assert.deepEqual(heard, ['neighborhood']);
  });
});
