// Defederating far.test with informed consent, on the real testbed: the report
// names exactly who loses whom, they (and only they) are told, and once
// decided the cut is complete, survives a crash mid-propagation, and can be
// reversed. Runs after the shared suite: it cuts far.test off and restarts Hearth.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killHearth, startHearth, stopHearth } from '../../testbed/testbed.ts';
import { acceptInvite, adminCommand, botByHand, botOf, dmWithBot, hearthSql, managedRoom, roomIdIn, setHearthConfig } from '../support/hearth.ts';
import { Member, refusal, server, waitFor } from '../support/member.ts';
import { aclEventsDenying } from '../support/acl.ts';

/** Ground truth from camp's own admin API: the camp members (not guests, whose IDs are numbers) who share any room with a far.test account. */
async function campMembersSharingRoomsWithFar(): Promise<string[]> {
  const headers = { authorization: `Bearer ${server('camp.test').admin_access_token}` };
  const base = server('camp.test').client_url;
  const { rooms } = (await (await fetch(`${base}/_synapse/admin/v1/rooms?limit=1000`, { headers })).json()) as { rooms: { room_id: string }[] };
  const sharing = new Set<string>();
  for (const { room_id: roomId } of rooms) {
    const { members } = (await (await fetch(`${base}/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/members`, { headers })).json()) as { members: string[] };
    if (!members.some((m) => m.endsWith(':far.test'))) continue;
    for (const m of members) if (m.endsWith(':camp.test') && !m.startsWith('@hearth') && !/^@\d+:/.test(m)) sharing.add(m);
  }
  return [...sharing].sort();
}

function membersNamedIn(report: string): string[] {
  return [...report.matchAll(/^- (@[^ ]+) would lose contact with/gm)].map((m) => m[1] ?? '').sort();
}

async function federatingRooms(): Promise<string[]> {
  return (await hearthSql<{ room_id: string }>('camp.test', "select room_id from managed_rooms where room_id is not null and tier <> 'local'")).map((r) => r.room_id);
}

async function count(sql: string, bindings: readonly string[] = []): Promise<number> {
  return Number((await hearthSql<{ n: string }>('camp.test', sql, bindings))[0]?.n ?? 0);
}

async function jobFinished(): Promise<boolean> {
  return (await count("select count(*) as n from jobs where kind = 'acl-push' and finished_at is null")) === 0;
}

async function dmRoomOf(userId: string): Promise<string | null> {
  return (await hearthSql<{ room_id: string | null }>('camp.test', 'select room_id from direct_rooms where user_id = ?', [userId]))[0]?.room_id ?? null;
}

describe('defederating far.test', () => {
  let carol: Member;
  let dave: Member;
  let erin: Member;
  let ferris: Member;
  let porch: string;
  before(async () => {
    [carol, dave, erin, ferris] = await Promise.all([
      Member.register('camp.test', 'carol'), Member.register('camp.test', 'dave'), Member.register('camp.test', 'erin'), Member.register('far.test', 'ferris'),
    ]);
    const ask = await dmWithBot(carol, 'camp.test');
    porch = roomIdIn(await ask('!room create "Porch" --tier public'));
    await acceptInvite(carol, porch);
    await dave.join(porch);
    await waitFor('ferris to join the porch', () => ferris.join(porch, ['camp.test']));
  });
  after(() => {
    setHearthConfig('camp.test', [[['federation', 'acl_room_delay_ms'], 0], [['federation', 'acl_concurrency'], 32]]);
  });

  it('the proposal\'s report names exactly the camp members who share rooms with far.test users, and only they get a DM', async () => {
    const report = await adminCommand('camp.test', '!defederate propose far.test "testing informed consent"');
    const named = membersNamedIn(report);
    assert.deepEqual(named, await campMembersSharingRoomsWithFar());
    assert.ok(named.includes(carol.userId) && named.includes(dave.userId) && !named.includes(erin.userId));
    assert.match(report, /@ferris-[0-9a-f]+:far\.test/);
    assert.match(report, /every room on this server, DMs included/);
    for (const member of named) assert.notEqual(await dmRoomOf(member), null, `${member} has a DM from the bot`);
    assert.equal(await dmRoomOf(erin.userId), null, 'no DM for an unaffected member');
    const dm = await waitFor('carol\'s DM', () => dmRoomOf(carol.userId));
    await acceptInvite(carol, dm);
    const message = await carol.waitForMessage(dm, botOf('camp.test'), (body) => body.includes('cut this community off from far.test'));
    assert.match(String(message.content.body), /Reason: testing informed consent[\s\S]*You share rooms with .*@ferris-[\s\S]*The decision is due on \d{4}-\d{2}-\d{2}/);
    const thanks = await carol.waitForReply(dm, botOf('camp.test'), await carol.send(dm, '!defederate reply far.test I will miss ferris'));
    assert.equal(thanks.content.body, 'Thank you: the admins have your reply.');
    assert.match(await adminCommand('camp.test', '!defederate status'), /Replies:\n- @carol-[0-9a-f]+:camp\.test: I will miss ferris/);
  });

  it('bad input gets a clear answer and changes nothing', async () => {
    assert.match(await adminCommand('camp.test', '!defederate now camp.test "oops"'), /would match camp\.test, this community's own server/);
    assert.match(await adminCommand('camp.test', '!defederate now 203.0.113.9 "spam"'), /IP address/);
    assert.match(await adminCommand('camp.test', '!defederate now glen.test'), /^missing reason\. Usage: !defederate now <server> <reason>$/);
    assert.match(await adminCommand('camp.test', '!defederate now "glen..test" "spam"'), /not a server name or glob/);
    const ask = await dmWithBot(erin, 'camp.test');
    assert.equal(await ask('!defederate now glen.test "spam"'), '!defederate now is for admins only.');
    assert.equal(await count('select count(*) as n from defederated_servers'), 0);
  });

  it('once confirmed, every federating room denies far.test, even across a crash mid-propagation, with one ACL change each', async () => {
    await stopHearth('camp.test');
    setHearthConfig('camp.test', [[['federation', 'acl_room_delay_ms'], 400], [['federation', 'acl_concurrency'], 1]]);
    await startHearth('camp.test');
    const confirmed = await adminCommand('camp.test', '!defederate confirm far.test');
    assert.match(confirmed, /^Defederated far\.test\. \d+ members? lost \d+ contacts? and (was|were) told\./);
    await waitFor('two rooms to be done', async () => (await count("select count(*) as n from job_items i join jobs j on j.id = i.job_id where j.kind = 'acl-push' and i.status = 'done'")) >= 2);
    await killHearth('camp.test');
    const pendingAtCrash = await count("select count(*) as n from job_items i join jobs j on j.id = i.job_id where j.kind = 'acl-push' and i.status = 'pending'");
    assert.ok(pendingAtCrash > 0, 'the crash came in the middle of propagation');
    setHearthConfig('camp.test', [[['federation', 'acl_room_delay_ms'], 0], [['federation', 'acl_concurrency'], 32]]);
    await startHearth('camp.test');
    await waitFor('the resumed propagation to finish', jobFinished, 60_000);

    for (const roomId of await federatingRooms()) {
      const acl = await botByHand('camp.test').state(roomId, 'm.room.server_acl');
      assert.ok((acl.deny as string[]).includes('far.test'), `${roomId} denies far.test`);
      assert.equal((await aclEventsDenying('camp.test', roomId, 'far.test')).length, 1, `${roomId} got exactly one ACL change`);
    }
    assert.equal(await carol.membership(porch, ferris.userId), 'leave', 'far.test users are no longer members');
    await refusal(ferris.send(porch, 'can you hear me?'));
    const policyRoom = await managedRoom('camp.test', 'policy_list');
    assert.deepEqual(await botByHand('camp.test').state(policyRoom, 'm.policy.rule.server', 'rule:far.test'), { entity: 'far.test', recommendation: 'm.ban', reason: 'testing informed consent' });
    const ask = await dmWithBot(carol, 'camp.test');
    assert.match(await ask('!severed'), new RegExp(`${ferris.userId.replace(/[.]/g, '\\.')} \\(far\\.test, since`));
  });

  it('a message sent from far.test no longer reaches camp\'s rooms', async () => {
    const square = await managedRoom('camp.test', 'public_square');
    const visitor = await Member.register('far.test', 'visitor');
    await refusal(visitor.join(square, ['camp.test']));
  });

  it('!refederate far.test lets far.test users join the public square again', async () => {
    assert.match(await adminCommand('camp.test', '!refederate far.test'), /far\.test is no longer defederated/);
    await waitFor('the refederation to reach every room', jobFinished, 60_000);
    const square = await managedRoom('camp.test', 'public_square');
    const returning = await Member.register('far.test', 'returning');
    await waitFor('far.test to join the public square', () => returning.join(square, ['camp.test']), 60_000);
    assert.deepEqual(await botByHand('camp.test').state(await managedRoom('camp.test', 'policy_list'), 'm.policy.rule.server', 'rule:far.test'), {});
  });
});
