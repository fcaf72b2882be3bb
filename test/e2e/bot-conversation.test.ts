// A member talks to Hearth's bot on the real testbed: camp.test runs Hearth.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Member, server, waitFor } from '../support/member.ts';

function hearthOf(name: string): { botUserId: string } {
  const hearth = server(name).hearth;
  if (!hearth) throw new Error(`${name} runs no Hearth in this testbed`);
  return { botUserId: hearth.bot_user_id };
}

describe('talking to Hearth\'s bot', () => {
  it('a camp.test member who sends !help in a DM gets the command list back', async () => {
    const { botUserId } = hearthOf('camp.test');
    const alice = await Member.register('camp.test', 'alice');
    const dm = await alice.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [botUserId] });
    await waitFor('the bot to join the DM', async () => (await alice.membership(dm, botUserId)) === 'join');
    const command = await alice.send(dm, '!help');
    const reply = await alice.waitForMessage(dm, botUserId, (body) => body.startsWith('Commands:'));
    assert.match(String(reply.content.body), /!help \[command\] — List the commands you can use/);
    assert.equal(reply.content.msgtype, 'm.notice');
    assert.deepEqual(reply.content['m.relates_to'], { 'm.in_reply_to': { event_id: command } });
  });

  it('an unknown command gets a one-line answer that points to !help', async () => {
    const { botUserId } = hearthOf('camp.test');
    const bob = await Member.register('camp.test', 'bob');
    const dm = await bob.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [botUserId] });
    await waitFor('the bot to join the DM', async () => (await bob.membership(dm, botUserId)) === 'join');
    await bob.send(dm, '!frobnicate "the thing"');
    const reply = await bob.waitForMessage(dm, botUserId, (body) => body.includes('frobnicate'));
    assert.equal(reply.content.body, 'Unknown command "!frobnicate". Say !help for the list.');
  });

  it('an invitation from another server is declined, with a reason', async () => {
    const { botUserId } = hearthOf('camp.test');
    const stranger = await Member.register('far.test', 'stranger');
    const room = await stranger.createRoom({ preset: 'private_chat', invite: [botUserId] });
    const leave = await waitFor('the bot to decline', async () => {
      const events = await stranger.messages(room);
      return events.find((e) => e.type === 'm.room.member' && e.state_key === botUserId && e.content.membership === 'leave');
    });
    assert.match(String(leave.content.reason), /only takes invitations from members of camp\.test/);
  });
});
