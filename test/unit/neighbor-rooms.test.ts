// A neighbor's Hearth invites this server's bot to its neighborhood rooms; the
// bot joins only while that server is a neighbor here too, and leaves after.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HomeserverClient } from '../../src/matrix/client.ts';
import { MatrixError } from '../../src/matrix/matrix-error.ts';
import { NeighborRooms, neighborRoomInvitation } from '../../src/neighborhood/neighbor-rooms.ts';
import type { NeighborRoom, NeighborRoomsStore } from '../../src/store/neighbor-rooms-store.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { waitUntil } from '../support/wait-until.ts';

function invitation(sender: string, createdBy = sender, creationKey: string | null = 'neighborhood_square') {
  return {
    room_id: '!square',
    sender,
    state_key: '@hearth:camp.test',
    content: { membership: 'invite' },
    unsigned: { invite_room_state: [{ type: 'm.room.create', state_key: '', sender: createdBy, content: creationKey ? { 'org.hearth.creation_key': creationKey } : {} }] },
  };
}

function memoryStore(): NeighborRoomsStore {
  const rooms = new Map<string, NeighborRoom>();
  return {
    all: () => Promise.resolve([...rooms.values()]),
    joined: () => Promise.resolve([...rooms.values()].filter((r) => r.status === 'joined')),
    invited: (room) => { if (!rooms.has(room.roomId)) rooms.set(room.roomId, { ...room, status: 'invited' }); return Promise.resolve(); },
    markJoined: (roomId) => { const room = rooms.get(roomId); if (room) room.status = 'joined'; return Promise.resolve(); },
    forget: (roomId) => { rooms.delete(roomId); return Promise.resolve(); },
  };
}

function world(neighbors: string[], joinFailures: Error[] = [], retryJoinMs = 1, now?: () => number) {
  const did: string[] = [];
  const client: Pick<HomeserverClient, 'joinRoom' | 'leaveRoom'> = {
    joinRoom: (roomId) => {
      const failure = joinFailures.shift();
      if (failure !== undefined) { did.push(`join ${roomId} failed`); return Promise.reject(failure); }
      did.push(`join ${roomId}`);
      return Promise.resolve(roomId);
    },
    leaveRoom: (roomId) => { did.push(`leave ${roomId}`); return Promise.resolve(); },
  };
  const store = memoryStore();
  const rooms = new NeighborRooms({
    self: 'camp.test', botLocalpart: 'hearth', client, store, neighbors: () => Promise.resolve(neighbors),
    onJoined: (room) => { did.push(`welcome members to ${room.roomId}`); return Promise.resolve(); },
    log: silentLogger(),
    retryJoinMs,
    ...(now ? { now } : {}),
  });
  return { did, rooms, store };
}

describe('a neighbor\'s rooms', () => {
  it('an invitation counts only from another server\'s Hearth bot, to a room that bot created', () => {
    assert.deepEqual(neighborRoomInvitation(invitation('@hearth:hood.test'), 'camp.test', 'hearth'), { server: 'hood.test', creationKey: 'neighborhood_square' });
    assert.equal(neighborRoomInvitation(invitation('@mallory:hood.test'), 'camp.test', 'hearth'), null, 'not a Hearth bot');
    assert.equal(neighborRoomInvitation(invitation('@hearth:hood.test', '@someone:far.test'), 'camp.test', 'hearth'), null, 'a room hood did not create');
    assert.equal(neighborRoomInvitation(invitation('@hearth:camp.test'), 'camp.test', 'hearth'), null, 'our own bot');
  });

  it('the bot joins a current neighbor\'s room at once and offers it to the members', async () => {
    const { did, rooms } = world(['hood.test']);
    assert.equal(await rooms.acceptInvite(invitation('@hearth:hood.test')), true);
    assert.deepEqual(did, ['join !square', 'welcome members to !square']);
  });

  it('an invitation that comes before this server sees the neighborhood waits for it, and the bot leaves when it ends', async () => {
    const { did, rooms } = world([]);
    await rooms.acceptInvite(invitation('@hearth:hood.test'));
    assert.deepEqual(did, []);
    await rooms.sync(['hood.test']);
    assert.deepEqual(did, ['join !square', 'welcome members to !square']);
    await rooms.sync([]);
    assert.deepEqual(did.slice(-1), ['leave !square']);
  });

  it('a join the neighbor\'s homeserver did not answer is tried again, not forgotten', async () => {
    const { did, rooms } = world(['hood.test'], [new Error('fetch failed'), new MatrixError({ errcode: 'M_UNKNOWN', error: 'busy' }, 502)]);
    await rooms.acceptInvite(invitation('@hearth:hood.test'));
    assert.deepEqual(did, ['join !square failed']);
    await waitUntil('the square welcomes members', () => did.includes('welcome members to !square'));
    assert.deepEqual(did, ['join !square failed', 'join !square failed', 'join !square', 'welcome members to !square']);
    rooms.stop();
  });

  it('a room whose ACL does not admit this server yet is tried again', async () => {
    const { did, rooms } = world(['hood.test'], [new MatrixError({ errcode: 'M_FORBIDDEN', error: 'Server is banned from room' }, 403)]);
    await rooms.acceptInvite(invitation('@hearth:hood.test'));
    await waitUntil('the square welcomes members', () => did.includes('welcome members to !square'));
    assert.deepEqual(did, ['join !square failed', 'join !square', 'welcome members to !square']);
    rooms.stop();
  });

  it('a failed join waits its turn, however often the neighborhood is re-derived meanwhile', async () => {
    const { did, rooms } = world(['hood.test'], [new Error('fetch failed')], 60_000);
    await rooms.acceptInvite(invitation('@hearth:hood.test'));
    for (let i = 0; i < 5; i++) await rooms.sync(['hood.test']);
    assert.deepEqual(did, ['join !square failed']);
    rooms.stop();
  });

  it('a room that is gone is forgotten at once', async () => {
    const { did, rooms, store } = world(['hood.test'], [new MatrixError({ errcode: 'M_NOT_FOUND', error: 'Unknown room' }, 404)]);
    await rooms.acceptInvite(invitation('@hearth:hood.test'));
    await rooms.sync(['hood.test']);
    assert.deepEqual(did, ['join !square failed'], 'no second try');
    assert.deepEqual(await store.all(), []);
    rooms.stop();
  });

  it('an invitation still refused after five more tries is given up', async () => {
    const refused = (): MatrixError => new MatrixError({ errcode: 'M_FORBIDDEN', error: 'You do not belong to any of the required rooms/spaces to join this room.' }, 403);
    const { did, rooms, store } = world(['hood.test'], Array.from({ length: 6 }, refused));
    await rooms.acceptInvite(invitation('@hearth:hood.test'));
    let forgotten = false;
    await waitUntil('the square is forgotten', () => forgotten, async () => { forgotten = (await store.all()).length === 0; });
    assert.deepEqual(did, Array.from({ length: 6 }, () => 'join !square failed'));
    rooms.stop();
  });

  it('a room\'s refusals are all counted, however late its retry comes round', async () => {
    const refused = (): MatrixError => new MatrixError({ errcode: 'M_FORBIDDEN', error: 'Server is banned from room' }, 403);
    // Every look at the clock finds ten seconds gone: each retry comes round long after its wait ended.
    let time = 0;
    const { did, rooms, store } = world(['hood.test'], Array.from({ length: 6 }, refused), 1, () => (time += 10_000));
    await rooms.acceptInvite(invitation('@hearth:hood.test'));
    let forgotten = false;
    await waitUntil('the square is forgotten', () => forgotten, async () => { forgotten = (await store.all()).length === 0; });
    assert.deepEqual(did, Array.from({ length: 6 }, () => 'join !square failed'));
    rooms.stop();
  });
});
