// Local posts stay on camp.test: other servers cannot read, join, or even learn of local rooms.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { acceptInvite, botOf, dmWithBot, managedRoom, roomIdIn } from '../support/hearth.ts';
import { Member, refusal, serverKnowsRoom } from '../support/member.ts';

describe('the local tier', () => {
  let alice: Member;
  let space: string;
  let timeline: string;
  before(async () => {
    alice = await Member.register('camp.test', 'alice');
    space = await managedRoom('camp.test', 'space');
    timeline = await managedRoom('camp.test', 'local_timeline');
    await acceptInvite(alice, space);
    await acceptInvite(alice, timeline);
  });

  it('a new member is invited to the space and every default room', async () => {
    const bob = await Member.register('camp.test', 'bob');
    for (const role of ['space', 'local_timeline', 'neighborhood_square', 'public_square']) {
      await acceptInvite(bob, await managedRoom('camp.test', role));
    }
  });

  it('a post in the local timeline never reaches hood.test or far.test, even when someone tries to invite them', async () => {
    await alice.send(timeline, 'camp secret: the cake is in the blue tent');
    for (const serverName of ['hood.test', 'far.test']) {
      const outsider = await Member.register(serverName, 'outsider');
      await refusal(outsider.join(timeline, ['camp.test']));
      const invite = await alice.invite(timeline, outsider.userId).then(() => 'sent', () => 'refused');
      assert.equal((await outsider.invitedRooms()).includes(timeline), false, `${serverName} received no invitation (camp ${invite} it)`);
      await refusal(outsider.join(timeline, ['camp.test']));
      assert.equal(await serverKnowsRoom(serverName, timeline), false, `${serverName} has never heard of the room`);
    }
  });

  it('a local topic room created through the bot stays local too', async () => {
    const ask = await dmWithBot(alice, 'camp.test');
    const answer = await ask('!room create "Book club" --tier local');
    assert.match(answer, /Created "Book club"\. Local only: never leaves camp\.test/);
    const club = roomIdIn(answer);
    await acceptInvite(alice, club);
    await alice.send(club, 'next book: Kindred');
    const outsider = await Member.register('hood.test', 'reader');
    await refusal(outsider.join(club, ['camp.test']));
    assert.equal(await serverKnowsRoom('hood.test', club), false);
    assert.match(await ask(`!room invite ${outsider.userId}`), /not one of the community's rooms/, 'asked from the DM, which is no managed room');
  });

  it('the bot refuses to invite a remote user to a local room, and says why', async () => {
    const ask = await dmWithBot(alice, 'camp.test');
    const club = roomIdIn(await ask('!room create "Garden" --tier local'));
    await acceptInvite(alice, club);
    const command = await alice.send(club, '!room invite @someone:hood.test');
    const reply = await alice.waitForReply(club, botOf('camp.test'), command);
    assert.match(String(reply.content.body), /"Garden" is local\. Local only: never leaves camp\.test.*hood\.test is not among them/);
  });

  it('widening a local room moves it on to a new public room; what was said stays local, behind a tombstone', async () => {
    const admin = Member.admin('camp.test');
    const ask = await dmWithBot(admin, 'camp.test');
    const club = roomIdIn(await ask('!room create "Quilting" --tier local'));
    await acceptInvite(admin, club);
    await admin.send(club, 'our pattern stays among us');
    const bot = botOf('camp.test');
    const reply = await admin.waitForReply(club, bot, await admin.send(club, '!tier set public'));
    assert.match(String(reply.content.body), /continues in a new public room.*What was said here stays local/);
    const successor = roomIdIn(String(reply.content.body));
    assert.notEqual(successor, club);
    assert.equal((await admin.state(club, 'm.room.tombstone')).replacement_room, successor);
    const explained = await admin.waitForReply(club, bot, await admin.send(club, '!tier'));
    assert.match(String(explained.content.body), /^"Quilting" is local\. Local only: never leaves camp\.test/);

    const stranger = await Member.register('far.test', 'quilter');
    await stranger.join(successor, ['camp.test']);
    assert.equal((await stranger.messages(successor)).some((e) => e.content.body === 'our pattern stays among us'), false);
    await refusal(stranger.join(club, ['camp.test']));
  });
});
