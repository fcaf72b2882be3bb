// The Bugle on glen.test, whose Hearth only these tests use: a community of
// exactly 30 members (29 registered here and glen's admin).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { killHearth, startHearth, stopHearth } from '../../testbed/testbed.ts';
import { adminCommand, hearthSql, managedRoom, setHearthConfig } from '../support/hearth.ts';
import { Member, waitFor } from '../support/member.ts';

const GLEN = 'glen.test';
const BUGLE = '@hearth_bugle:glen.test';

async function restartGlen(settings: [string, number][]): Promise<void> {
  await stopHearth(GLEN);
  setHearthConfig(GLEN, settings.map(([key, value]) => [['bugle', key], value]));
  await startHearth(GLEN);
}

/** Opens a DM with the Bugle and returns a function that sends a command and returns the Bugle's answer. */
async function bugleDm(member: Member): Promise<{ room: string; ask: (command: string) => Promise<string> }> {
  const room = await member.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [BUGLE] });
  await waitFor('the Bugle to join', async () => (await member.membership(room, BUGLE)) === 'join');
  return {
    room,
    ask: async (command) => String((await member.waitForReply(room, BUGLE, await member.send(room, command))).content.body),
  };
}

async function count(sql: string, bindings: readonly (string | number)[] = []): Promise<number> {
  return Number((await hearthSql<{ n: string }>(GLEN, sql, bindings))[0]?.n ?? 0);
}

async function broadcastFinished(sender: string): Promise<boolean> {
  return (await count('select count(*) as n from bugle_broadcasts where sender = ? and finished_at is null', [sender])) === 0;
}

/** How many copies of a broadcast a member can read in their DM with the Bugle. */
async function copiesReceived(member: Member, text: string): Promise<number> {
  const [row] = await hearthSql<{ room_id: string | null }>(GLEN, 'select room_id from direct_rooms where bot_user_id = ? and user_id = ?', [BUGLE, member.userId]);
  if (!row?.room_id) return 0;
  const membership = await member.membership(row.room_id, member.userId).catch(() => null);
  // Someone who left the DM can read nothing more there; that no delivery was even queued is checked apart.
  if (membership === 'leave') return 0;
  if (membership !== 'join') await member.join(row.room_id);
  const isCopy = (body: string): boolean => body.startsWith('📯 Bugle from') && body.includes(text);
  return (await member.messages(row.room_id, 100)).filter((e) => e.sender === BUGLE && isCopy(String(e.content.body))).length;
}

describe('the Bugle', () => {
  let people: Member[];
  before(async () => {
    await restartGlen([['per_member_per_day', 2], ['max_length', 200], ['delivery_delay_ms', 0], ['concurrency', 16]]);
    people = await Promise.all(Array.from({ length: 29 }, (_, i) => Member.register(GLEN, `m${String(i).padStart(2, '0')}`)));
    await waitFor('Hearth to know all 30 members', async () => (await count('select count(*) as n from members')) === 30);
  });

  it('a broadcast reaches every other member except those who opted out or left its DM, once each, and the sender is told', async () => {
    const [sender, offA, offB, leaver, ...rest] = people as [Member, Member, Member, Member, ...Member[]];
    for (const member of [offA, offB]) assert.match(await (await bugleDm(member)).ask('!bugle off'), /no more broadcasts/);
    const left = await bugleDm(leaver);
    await leaver.leave(left.room);
    await waitFor('the departure to count as opting out', async () => (await count("select count(*) as n from bugle_opt_outs where user_id = ? and how = 'left'", [leaver.userId])) === 1);

    const { ask } = await bugleDm(sender);
    assert.match(await ask("!bugle Movie night on Friday at 8 🍿 -- Bob's place"), /^This will go to 26 members by DM/);
    assert.equal(await ask('!bugle send'), 'Sending to 26 members. You will get a delivery report here.');
    await waitFor('the broadcast to be delivered', () => broadcastFinished(sender.userId), 60_000);
    const reports = await hearthSql<{ room_id: string }>(GLEN, 'select room_id from direct_rooms where bot_user_id = ? and user_id = ?', [BUGLE, sender.userId]);
    const reportRoom = reports[0]!.room_id;
    const delivered = await sender.waitForMessage(reportRoom, BUGLE, (body) => body.startsWith('Your broadcast is out'));
    assert.equal(delivered.content.body, 'Your broadcast is out: delivered 26, opted out 3, failed 0.');

    const recipients = [...rest, Member.admin(GLEN)];
    assert.equal(recipients.length, 26);
    const copies = await Promise.all(recipients.map((m) => copiesReceived(m, 'Movie night on Friday at 8 🍿')));
    assert.deepEqual(copies, recipients.map(() => 1), 'each recipient got exactly one copy');
    for (const excluded of [sender, offA, offB, leaver]) {
      assert.equal(await copiesReceived(excluded, 'Movie night on Friday at 8'), 0, excluded.userId);
      assert.equal(await count("select count(*) as n from job_items d join jobs j on j.id = d.job_id where j.kind = 'bugle-delivery' and d.item_key = ?", [excluded.userId]), 0, `nothing queued for ${excluded.userId}`);
    }
    const first = await hearthSql<{ room_id: string }>(GLEN, 'select room_id from direct_rooms where bot_user_id = ? and user_id = ?', [BUGLE, rest[0]!.userId]);
    const messages = await rest[0]!.messages(first[0]!.room_id);
    assert.ok(messages.some((e) => String(e.content.body).includes('Say !bugle off to stop receiving them')), 'a new recipient is told how to turn it off');
    const html = messages.find((e) => String(e.content.body).startsWith('📯 Bugle from'));
    assert.match(String(html?.content.formatted_body), new RegExp(`<a href="https://matrix.to/#/${encodeURIComponent(sender.userId)}">`));
    assert.match(await adminCommand(GLEN, '!bugle log'), new RegExp(`${sender.userId.replace(/\./g, '\\.')} → 26 members, digest [0-9a-f]{16}`));
  });

  it('a member who left the Bugle\'s DM can opt in again from a new one, and is answered there', async () => {
    const { ask } = await bugleDm(people[3]!);
    assert.equal(await ask('!bugle on'), 'You will receive broadcasts again.');
    assert.equal(await count('select count(*) as n from bugle_opt_outs where user_id = ?', [people[3]!.userId]), 0);
  });

  it('a member over the daily limit is told when they can send again, and nothing is sent', async () => {
    const member = people[4]!;
    const { ask } = await bugleDm(member);
    await ask('!bugle first of the day');
    await ask('!bugle send');
    await ask('!bugle second of the day');
    await ask('!bugle send');
    const before = await count('select count(*) as n from bugle_broadcasts');
    assert.match(await ask('!bugle third of the day'), /You have sent 2 broadcasts in the last 24 hours.*You can send again after \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    assert.equal(await count('select count(*) as n from bugle_broadcasts'), before);
  });

  it('a revoked member is refused, and can send again once restored', async () => {
    const member = people[5]!;
    assert.match(await adminCommand(GLEN, `!bugle revoke ${member.userId}`), /can no longer send broadcasts/);
    const { ask } = await bugleDm(member);
    assert.match(await ask('!bugle hello all'), /revoked your use of the Bugle/);
    assert.match(await adminCommand(GLEN, `!bugle restore ${member.userId}`), /can send broadcasts again/);
    assert.match(await ask('!bugle hello all'), /^This will go to/);
    assert.equal(await ask('!bugle cancel'), 'Draft discarded.');
  });

  it('refuses an over-long or empty message, and a member of another server, each with a reason', async () => {
    const { ask } = await bugleDm(people[6]!);
    assert.match(await ask(`!bugle ${'a'.repeat(201)}`), /201 characters; a broadcast may have at most 200/);
    assert.match(await ask('!bugle'), /missing message\. Usage: !bugle <message>/);
    const stranger = await Member.register('far.test', 'stranger');
    const square = await managedRoom(GLEN, 'public_square');
    await waitFor('far.test to join glen\'s public square', () => stranger.join(square, [GLEN]));
    const bot = '@hearth:glen.test';
    const reply = await stranger.waitForReply(square, bot, await stranger.send(square, '!bugle hello from afar'));
    assert.equal(reply.content.body, 'Hearth answers members of glen.test only.');
  });

  it('killed mid-broadcast and started again, every recipient ends with exactly one copy', async () => {
    const sender = people[7]!;
    await restartGlen([['delivery_delay_ms', 250], ['concurrency', 1]]);
    const { ask } = await bugleDm(sender);
    await ask('!bugle Fire drill at noon');
    await ask('!bugle send');
    await waitFor('a few deliveries', async () => (await count("select count(*) as n from job_items d join jobs j on j.id = d.job_id and j.kind = 'bugle-delivery' join bugle_broadcasts b on j.subject = cast(b.id as varchar(255)) where b.sender = ? and d.status = 'done'", [sender.userId])) >= 3);
    await killHearth(GLEN);
    assert.ok((await count("select count(*) as n from job_items d join jobs j on j.id = d.job_id and j.kind = 'bugle-delivery' join bugle_broadcasts b on j.subject = cast(b.id as varchar(255)) where b.sender = ? and d.status = 'pending'", [sender.userId])) > 0);
    await restartGlenAfterKill();
    await waitFor('the resumed broadcast to finish', () => broadcastFinished(sender.userId), 90_000);
    const intended = await hearthSql<{ recipient: string }>(GLEN, "select d.item_key as recipient from job_items d join jobs j on j.id = d.job_id and j.kind = 'bugle-delivery' join bugle_broadcasts b on j.subject = cast(b.id as varchar(255)) where b.sender = ?", [sender.userId]);
    const byId = new Map([...people, Member.admin(GLEN)].map((m) => [m.userId, m]));
    const copies = await Promise.all(intended.map(({ recipient }) => copiesReceived(byId.get(recipient)!, 'Fire drill at noon')));
    assert.deepEqual(copies, intended.map(() => 1));
  });
});

async function restartGlenAfterKill(): Promise<void> {
  setHearthConfig(GLEN, [[['bugle', 'delivery_delay_ms'], 0], [['bugle', 'concurrency'], 16]]);
  await startHearth(GLEN);
}
