// A member who accepts no invitations (MSC4380: m.invite_permission_config
// with default_action "block", in Synapse since 1.149) cannot be given a DM by
// the Bugle. On glen.test, after the Bugle's own suite: their copy of a
// broadcast counts as refused at its first try, is never retried, and the
// sender's report names them; everyone else gets theirs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dmWithBot, hearthSql } from '../support/hearth.ts';
import { Member, waitFor } from '../support/member.ts';

const GLEN = 'glen.test';
const BUGLE = '@hearth_bugle:glen.test';

async function count(sql: string, bindings: readonly (string | number)[] = []): Promise<number> {
  return Number((await hearthSql<{ n: string }>(GLEN, sql, bindings))[0]?.n ?? 0);
}

async function dmRoomOf(member: Member): Promise<string | null> {
  const [row] = await hearthSql<{ room_id: string | null }>(GLEN, 'select room_id from direct_rooms where bot_user_id = ? and user_id = ?', [BUGLE, member.userId]);
  return row?.room_id ?? null;
}

describe('a broadcast to a member who accepts no invitations', () => {
  it('counts their copy as refused at the first try, names them to the sender, and reaches the others', async () => {
    const [herald, hermit, friend] = await Promise.all(['herald', 'hermit', 'friend'].map((prefix) => Member.register(GLEN, prefix))) as [Member, Member, Member];
    await hermit.request('PUT', `/user/${encodeURIComponent(hermit.userId)}/account_data/m.invite_permission_config`, { default_action: 'block' });
    // Hermit's own invitation of the main bot is no invitation to hermit: it is how Hearth first hears of them.
    await dmWithBot(hermit, GLEN);
    await waitFor('Hearth to know all three', async () =>
      (await count('select count(*) as n from members where user_id in (?, ?, ?)', [herald.userId, hermit.userId, friend.userId])) === 3);

    const dm = await herald.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [BUGLE] });
    await waitFor('the Bugle to join', async () => (await herald.membership(dm, BUGLE)) === 'join');
    const ask = async (command: string): Promise<string> => String((await herald.waitForReply(dm, BUGLE, await herald.send(dm, command))).content.body);
    assert.match(await ask('!bugle Soup at the hall tonight'), /^This will go to \d+ members by DM/);
    assert.match(await ask('!bugle send'), /^Sending to \d+ members\./);

    const report = String((await herald.waitForMessage(dm, BUGLE, (body) => body.startsWith('Your broadcast is out'), 180_000)).content.body);
    assert.match(report, new RegExp(`, refused 1, failed \\d+\\. Refused: ${hermit.userId.replace(/[.]/g, '\\.')}, who accept no invitations, so the Bugle cannot open a chat with them\\.$`));
    const [row] = await hearthSql<{ status: string; attempts: number }>(GLEN,
      "select d.status, d.attempts from job_items d join jobs j on j.id = d.job_id and j.kind = 'bugle-delivery' join bugle_broadcasts b on j.subject = cast(b.id as varchar(255)) where b.sender = ? and d.item_key = ?", [herald.userId, hermit.userId]);
    assert.deepEqual(row, { status: 'refused', attempts: 1 }, 'refused at the first try, never retried');
    assert.equal(await dmRoomOf(hermit), null, 'no room passes for their DM');
    assert.deepEqual(await hermit.invitedRooms(), [], 'and they hold no invitation');

    const friendsDm = await dmRoomOf(friend);
    assert.ok(friendsDm, 'the others got a DM');
    await friend.join(friendsDm);
    const copies = (await friend.messages(friendsDm)).filter((e) => e.sender === BUGLE && String(e.content.body).includes('Soup at the hall tonight'));
    assert.equal(copies.length, 1);
  });
});
