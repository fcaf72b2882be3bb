// The neighborhood square admits only the neighborhood's servers; the public square admits anyone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptInvite, managedRoom, reconcileEverything, withHearthDb } from '../support/hearth.ts';
import { Member, refusal, server, waitFor } from '../support/member.ts';

async function reconcileAsAdmin(): Promise<void> {
  await reconcileEverything('camp.test');
}

describe('the neighborhood tier', () => {
  it('a neighbor in the allow-list gets its Hearth invited and nobody else; no user of another server joins by ID', async () => {
    const alice = await Member.register('camp.test', 'alice');
    const square = await managedRoom('camp.test', 'neighborhood_square');
    await acceptInvite(alice, square);
    await alice.send(square, 'porch party on Saturday');
    const neighbor = await Member.register('hood.test', 'neighbor');
    const stranger = await Member.register('far.test', 'stranger');
    await refusal(neighbor.join(square, ['camp.test']));

    await withHearthDb('camp.test', (db) => db('neighborhood_servers').insert({ server_name: 'hood.test', added_at: Date.now() }).onConflict('server_name').ignore());
    await reconcileAsAdmin();
    const acl = await alice.state(square, 'm.room.server_acl');
    assert.deepEqual(acl.allow, ['camp.test', 'hood.test']);
    assert.equal(acl.allow_ip_literals, false);
    const levels = await alice.state(square, 'm.room.power_levels');
    assert.equal((levels.users as Record<string, number>)['@hearth:hood.test'], levels.invite, 'hood\'s Hearth may invite its own members');
    assert.ok(((levels.users as Record<string, number>)[alice.userId] ?? 0) < Number(levels.invite), 'a member may not invite from a client');
    await waitFor('camp to invite hood\'s Hearth', async () => ['invite', 'join'].includes(String(await alice.membership(square, '@hearth:hood.test'))));

    // The neighborhood admits by invitation: a user who was not invited joins by neither server.
    await refusal(neighbor.join(square, ['camp.test']));
    await refusal(stranger.join(square, ['camp.test']));
    await refusal(stranger.join(square, ['hood.test']));
    await refusal(alice.invite(square, stranger.userId));
  });
});

describe('the public tier', () => {
  it('a far.test user and a reader without an account can read the public square', async () => {
    const alice = await Member.register('camp.test', 'alice');
    const square = await managedRoom('camp.test', 'public_square');
    await acceptInvite(alice, square);
    await alice.send(square, 'hello, world');
    const stranger = await Member.register('far.test', 'reader');
    await waitFor('far.test to join the public square', () => stranger.join(square, ['camp.test']));
    await stranger.waitForMessage(square, alice.userId, (body) => body === 'hello, world');

    const campUrl = server('camp.test').client_url;
    const guest = (await (await fetch(`${campUrl}/_matrix/client/v3/register?kind=guest`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).json()) as { user_id: string; access_token: string };
    const reader = new Member(server('camp.test'), guest.user_id, guest.access_token);
    await reader.waitForMessage(square, alice.userId, (body) => body === 'hello, world');
    const listed = (await (await fetch(`${campUrl}/_matrix/client/v3/publicRooms`)).json()) as { chunk: { room_id: string; world_readable: boolean; guest_can_join: boolean }[] };
    const entry = listed.chunk.find((room) => room.room_id === square);
    assert.deepEqual([entry?.world_readable, entry?.guest_can_join], [true, true], 'listed in the directory as readable by anyone');
  });
});
