// What the bot says in a room reaches only that room's audience: a member
// who asks for the community's rooms where outsiders read gets the list in a
// DM, and the room learns nothing but that. Guests are not answered at all.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { acceptInvite, botOf, dmWithBot, hearthSql, managedRoom, reconcileEverything, roomIdIn, withHearthDb } from '../support/hearth.ts';
import { Member, server, waitFor, type RoomEvent } from '../support/member.ts';

const POINTER = 'I answered you in a direct message.';

/** Everything a reader received of a room's recent messages, as text. */
async function whatReaderSees(reader: Member, roomId: string): Promise<string> {
  const events = await reader.messages(roomId, 200);
  return events.filter((e) => e.type === 'm.room.message').map((e) => JSON.stringify(e.content)).join('\n');
}

/** The member's DM with camp's bot, as Hearth recorded it, joined and read. */
async function dmFromBot(member: Member): Promise<string> {
  const roomId = await waitFor(`camp's bot to open a DM with ${member.userId}`, async () => {
    const rows = await hearthSql<{ room_id: string | null }>('camp.test',
      'select room_id from direct_rooms where bot_user_id = ? and user_id = ?', [botOf('camp.test'), member.userId]);
    return rows[0]?.room_id ?? null;
  });
  // Joining is the same whether the invitation is still on its way, waiting, or already accepted.
  await waitFor(`${member.userId} to join their DM with the bot`, () => member.join(roomId));
  return roomId;
}

async function registerGuest(): Promise<Member> {
  const response = await fetch(`${server('camp.test').client_url}/_matrix/client/v3/register?kind=guest`, {
    method: 'POST', body: '{}', headers: { 'content-type': 'application/json' },
  });
  const guest = (await response.json()) as { user_id?: string; access_token?: string; error?: string };
  if (!response.ok || !guest.user_id || !guest.access_token) throw new Error(`guest registration on camp.test: ${response.status} ${guest.error ?? ''}`);
  return new Member(server('camp.test'), guest.user_id, guest.access_token);
}

function replyTo(events: readonly RoomEvent[], eventId: string): RoomEvent | undefined {
  return events.find((e) => (e.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === eventId);
}

describe('what the bot says respects who can read the room', () => {
  const bot = (): string => botOf('camp.test');
  let alice: Member;
  // A local and a neighborhood room with names no one could guess: the secrets.
  const hidden = { name: `Hidden hollow ${randomBytes(4).toString('hex')}`, id: '' };
  const porch = { name: `Back porch ${randomBytes(4).toString('hex')}`, id: '' };

  before(async () => {
    alice = await Member.register('camp.test', 'alice');
    const ask = await dmWithBot(alice, 'camp.test');
    hidden.id = roomIdIn(await ask(`!room create "${hidden.name}" --tier local`));
    porch.id = roomIdIn(await ask(`!room create "${porch.name}" --tier neighborhood`));
  });

  const secrets = (): string[] => [hidden.name, hidden.id, porch.name, porch.id];

  it('!room list in the public square: far.test reads only a pointer, the member gets the list in a DM', async () => {
    const square = await managedRoom('camp.test', 'public_square');
    await acceptInvite(alice, square);
    const command = await alice.send(square, '!room list');

    const reader = await Member.register('far.test', 'reader');
    await waitFor('far.test to join the public square', () => reader.join(square, ['camp.test']));
    const answer = await reader.waitForReply(square, bot(), command);
    assert.equal(answer.content.body, POINTER, 'far.test reads the bot\'s answer, and it says nothing');
    const seen = await whatReaderSees(reader, square);
    for (const secret of secrets()) assert.ok(!seen.includes(secret), `far.test must not read ${secret}`);

    const dm = await dmFromBot(alice);
    const list = await alice.waitForMessage(dm, bot(), (body) => body.includes(hidden.name));
    assert.ok(String(list.content.body).includes(porch.name), 'the DM holds the whole list');
  });

  it('a camp guest who says !room list in the public square is told Hearth answers members only, and gets no list', async () => {
    const square = await managedRoom('camp.test', 'public_square');
    const guest = await registerGuest();
    await guest.join(square);
    const command = await guest.send(square, '!room list');
    const answer = await guest.waitForReply(square, bot(), command);
    assert.equal(answer.content.body, 'Hearth answers members of camp.test only.');
    // The answer to a member who must be answered privately goes to the DM first, so it would be there by now.
    assert.deepEqual(await guest.invitedRooms(), [], 'no DM was opened for the guest');
    const seen = await whatReaderSees(guest, square);
    for (const secret of secrets()) assert.ok(!seen.includes(secret), `the guest must not read ${secret}`);
  });

  it('!room list in the neighborhood square shows a hood.test member no local room', async () => {
    await withHearthDb('camp.test', (db) => db('neighborhood_servers').insert({ server_name: 'hood.test', added_at: Date.now() }).onConflict('server_name').ignore());
    await reconcileEverything('camp.test');
    const square = await managedRoom('camp.test', 'neighborhood_square');
    await acceptInvite(alice, square);
    const neighbor = await Member.register('hood.test', 'neighbor');
    const invited = await alice.waitForReply(square, bot(), await alice.send(square, `!room invite ${neighbor.userId}`));
    assert.equal(invited.content.body, `Invited ${neighbor.userId}.`, 'an answer that reveals only this room is said in it');
    await waitFor('hood.test to join the neighborhood square', () => neighbor.join(square, ['camp.test']));

    const command = await alice.send(square, '!room list');
    const answer = await neighbor.waitForReply(square, bot(), command);
    assert.equal(answer.content.body, POINTER);
    const seen = await whatReaderSees(neighbor, square);
    for (const secret of [hidden.name, hidden.id]) assert.ok(!seen.includes(secret), `hood.test must not read ${secret}`);
    const dm = await dmFromBot(alice);
    const lists = (await alice.messages(dm)).filter((e) => e.sender === bot() && String(e.content.body).includes(hidden.name));
    assert.equal(lists.length, 2, 'both lists went to the member\'s DM');
    assert.equal(replyTo(await alice.messages(square), command)?.content.body, POINTER);
  });
});
