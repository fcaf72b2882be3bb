// Only Hearth's bot defines a room's tier; whatever changes it anyway is repaired and reported.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { botByHand, botOf, managedRoom } from '../support/hearth.ts';
import { Member, refusal, waitFor } from '../support/member.ts';

describe('guarding tier-defining state', () => {
  let admin: Member;
  let adminRoom: string;
  let square: string;
  before(async () => {
    admin = Member.admin('camp.test');
    adminRoom = await managedRoom('camp.test', 'admin');
    square = await managedRoom('camp.test', 'public_square');
    await admin.join(adminRoom);
    await admin.join(square);
  });

  it('a camp admin who is not the bot cannot change tier-defining state', async () => {
    for (const [type, content] of [
      ['m.room.history_visibility', { history_visibility: 'joined' }],
      ['m.room.join_rules', { join_rule: 'invite' }],
      ['m.room.server_acl', { allow: ['camp.test'], deny: [], allow_ip_literals: false }],
      ['m.room.guest_access', { guest_access: 'forbidden' }],
    ] as const) {
      const error = await refusal(admin.setState(square, type, '', content));
      assert.equal(error.errcode, 'M_FORBIDDEN', type);
    }
  });

  it('a remote moderator cannot change tier-defining state either', async () => {
    const moderator = await Member.register('far.test', 'moderator');
    await waitFor('far.test to join', () => moderator.join(square, ['camp.test']));
    const bot = botByHand('camp.test');
    const levels = await bot.state(square, 'm.room.power_levels');
    await bot.setState(square, 'm.room.power_levels', '', { ...levels, users: { ...(levels.users as object), [moderator.userId]: 50 } });
    await waitFor('the promotion to reach far.test', async () =>
      ((await moderator.state(square, 'm.room.power_levels')).users as Record<string, number>)[moderator.userId] === 50);
    const error = await refusal(moderator.setState(square, 'm.room.history_visibility', '', { history_visibility: 'joined' }));
    assert.equal(error.errcode, 'M_FORBIDDEN');
  });

  it('drift made by hand is restored within seconds and reported in the admin room', async () => {
    const bot = botByHand('camp.test');
    const levels = await bot.state(square, 'm.room.power_levels');
    await bot.setState(square, 'm.room.power_levels', '', { ...levels, events: { ...(levels.events as object), 'm.room.history_visibility': 0 } });
    await bot.setState(square, 'm.room.history_visibility', '', { history_visibility: 'joined' });
    await waitFor('history visibility to be restored', async () => (await admin.state(square, 'm.room.history_visibility')).history_visibility === 'world_readable');
    await waitFor('the power level to be restored', async () =>
      ((await admin.state(square, 'm.room.power_levels')).events as Record<string, number>)['m.room.history_visibility'] === 150);
    const report = await admin.waitForMessage(adminRoom, botOf('camp.test'), (body) => body.includes('m.room.history_visibility was {"history_visibility":"joined"}'));
    assert.match(String(report.content.body), /Repaired "Public square" \(public\)/);
  });
});
