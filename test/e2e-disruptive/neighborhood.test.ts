// Two servers, each with its own Hearth, form a neighborhood over ordinary
// federation: afterwards each one's neighborhood square admits the other's
// members, and still no one else. A server that leaves, or is voted out,
// loses its users' places in the others' squares, and receives nothing posted
// there after; voted out, it can come back through a fresh proposal. Runs
// after the shared suite: it changes camp's neighborhood ACL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { acceptInvite, adminCommand, botByHand, hearthSql, managedRoom, setHearthConfig } from '../support/hearth.ts';
import { startHearth, stopHearth, registerUser } from '../../testbed/testbed.ts';
import { Member, refusal, server, waitFor } from '../support/member.ts';
import { REMOVAL_REASON } from '../../src/tiers/membership-policy.ts';

async function squareAllows(serverName: string): Promise<string[]> {
  const acl = await botByHand(serverName).state(await managedRoom(serverName, 'neighborhood_square'), 'm.room.server_acl');
  return acl.allow as string[];
}

/** Waits until a user is no longer in a room as camp's bot sees it; returns the event that took them out. */
async function goneFrom(roomId: string, userId: string): Promise<Record<string, unknown>> {
  const bot = botByHand('camp.test');
  await waitFor(`${userId} to be out of ${roomId}`, async () => (await bot.state(roomId, 'm.room.member', userId)).membership === 'leave', 180_000);
  return bot.state(roomId, 'm.room.member', userId);
}

/** Posts in camp's square as a camp member and checks that none of `outsiders` receives it. */
async function postedPastThem(poster: Member, roomId: string, outsiders: readonly Member[]): Promise<void> {
  const text = `posted after ${randomBytes(4).toString('hex')}`;
  await poster.send(roomId, text);
  await poster.waitForMessage(roomId, poster.userId, (body) => body === text);
  for (const outsider of outsiders) {
    const read = await outsider.messages(roomId, 100).catch(() => []);
    assert.ok(!read.some((e) => e.content.body === text), `${outsider.userId} received a post made after it was removed`);
  }
}

describe('a neighborhood formed by mutual approval', () => {
  let camper: Member;
  let glenUser: Member;

  it('camp and hood form a neighborhood; each one\'s members can read the other\'s square, far.test neither', async () => {
    assert.match(await adminCommand('camp.test', '!neighborhood create'), /^Started a neighborhood/);
    assert.match(await adminCommand('camp.test', '!neighborhood propose hood.test'), /^Proposed hood\.test for the neighborhood and invited its Hearth/);
    await waitFor('hood\'s Hearth to see the invitation', async () => /Invitation from the neighborhood of camp\.test/.test(await adminCommand('hood.test', '!neighborhood status')), 180_000);
    assert.match(await adminCommand('hood.test', '!neighborhood accept'), /This community is now in the neighborhood with camp\.test/);

    await waitFor('camp\'s square to allow hood', async () => (await squareAllows('camp.test')).includes('hood.test'), 180_000);
    await waitFor('hood\'s square to allow camp', async () => (await squareAllows('hood.test')).includes('camp.test'), 180_000);
    assert.deepEqual([...await squareAllows('camp.test')].sort(), ['camp.test', 'hood.test']);
    assert.deepEqual([...await squareAllows('hood.test')].sort(), ['camp.test', 'hood.test']);

    camper = await Member.register('camp.test', 'camper');
    const campSquare = await managedRoom('camp.test', 'neighborhood_square');
    await acceptInvite(camper, campSquare);
    await camper.send(campSquare, 'welcome, neighbors');
    const neighbor = await Member.register('hood.test', 'neighbor');
    await waitFor('hood to join camp\'s square', () => neighbor.join(campSquare, ['camp.test']), 180_000);
    await neighbor.waitForMessage(campSquare, camper.userId, (body) => body === 'welcome, neighbors');
    const hoodSquare = await managedRoom('hood.test', 'neighborhood_square');
    await waitFor('camp to join hood\'s square', () => camper.join(hoodSquare, ['hood.test']), 180_000);

    const stranger = await Member.register('far.test', 'stranger');
    await refusal(stranger.join(campSquare, ['camp.test']));
    await refusal(stranger.join(hoodSquare, ['hood.test']));
  });

  it('glen joins only once hood has approved and glen has accepted; then every ACL lists exactly camp, hood and glen', async () => {
    assert.match(await adminCommand('camp.test', '!neighborhood propose glen.test'), /^Proposed glen\.test/);
    await waitFor('glen\'s Hearth to see the invitation', async () => /Invitation from the neighborhood of/.test(await adminCommand('glen.test', '!neighborhood status')), 180_000);
    assert.match(await adminCommand('glen.test', '!neighborhood accept'), /joins it once every member has approved it; waiting for approval from hood\.test/);
    glenUser = await Member.register('glen.test', 'glenner');
    await refusal(glenUser.join(await managedRoom('camp.test', 'neighborhood_square'), ['camp.test']));
    await refusal(glenUser.join(await managedRoom('hood.test', 'neighborhood_square'), ['hood.test']));

    await waitFor('hood to see glen proposed', async () => /glen\.test: approved by camp\.test/.test(await adminCommand('hood.test', '!neighborhood status')), 180_000);
    assert.match(await adminCommand('hood.test', '!neighborhood approve glen.test'), /glen\.test/);
    for (const server of ['camp.test', 'hood.test', 'glen.test']) {
      await waitFor(`${server}'s square to allow exactly the three`, async () => [...await squareAllows(server)].sort().join() === 'camp.test,glen.test,hood.test', 180_000);
    }
    const [campSquare, hoodSquare] = [await managedRoom('camp.test', 'neighborhood_square'), await managedRoom('hood.test', 'neighborhood_square')];
    await waitFor('glen to join camp\'s square', () => glenUser.join(campSquare, ['camp.test']), 180_000);
    await waitFor('glen to join hood\'s square', () => glenUser.join(hoodSquare, ['hood.test']), 180_000);
  });

  it('a ballot for a server sent by an ordinary camp user does not count', async () => {
    const council = (await hearthSql<{ room_id: string }>('camp.test', 'select room_id from neighborhood_councils'))[0]!.room_id;
    const ordinary = await Member.register('camp.test', 'ordinary');
    await refusal(ordinary.join(council, ['camp.test']).then(() => ordinary.setState(council, 'org.hearth.neighborhood.votes', ordinary.userId, { approve: [{ server: 'far.test', round: 9, after: [] }], reject: [], remove: [], cut_off: [] })));
    assert.doesNotMatch(await adminCommand('camp.test', '!neighborhood status'), /far\.test: approved/);
  });

  it('when glen leaves, no server allows glen any more, and glen\'s rooms stop allowing the others', async () => {
    assert.match(await adminCommand('glen.test', '!neighborhood leave'), /left|leave/i);
    for (const server of ['camp.test', 'hood.test']) {
      await waitFor(`${server} to stop allowing glen`, async () => !(await squareAllows(server)).includes('glen.test'), 180_000);
    }
    await waitFor('glen to allow only itself', async () => (await squareAllows('glen.test')).join() === 'glen.test', 180_000);
    // The ACL only stops what glen.test sends: its users must leave camp's square too, or they keep receiving every post.
    const campSquare = await managedRoom('camp.test', 'neighborhood_square');
    await goneFrom(campSquare, glenUser.userId);
    await postedPastThem(camper, campSquare, [glenUser]);
  });

  it('a ballot from the bot of a server that is not a member cannot even reach the council', async () => {
    const council = (await hearthSql<{ room_id: string }>('camp.test', 'select room_id from neighborhood_councils'))[0]!.room_id;
    // far.test runs no Hearth; an account named like one is the best a non-member can do.
    const farBot = new Member(server('far.test'), '@hearth:far.test', (await registerUser('far.test', 'hearth', 'forged-bot')).access_token);
    await refusal(farBot.join(council, ['camp.test']));
    assert.doesNotMatch(await adminCommand('camp.test', '!neighborhood status'), /far\.test/);
  });

  it('with hood\'s approval given, camp and glen finish while hood\'s Hearth is down, and hood converges when it comes back', async () => {
    assert.match(await adminCommand('camp.test', '!neighborhood propose glen.test'), /^Proposed glen\.test/);
    await waitFor('hood to see glen proposed again', async () => /glen\.test: approved by camp\.test/.test(await adminCommand('hood.test', '!neighborhood status')), 180_000);
    await adminCommand('hood.test', '!neighborhood approve glen.test');
    await stopHearth('hood.test');
    try {
      await waitFor('glen\'s Hearth to see the invitation', async () => /Invitation from the neighborhood of/.test(await adminCommand('glen.test', '!neighborhood status')), 180_000);
      assert.match(await adminCommand('glen.test', '!neighborhood accept'), /now in the neighborhood/);
      for (const serverName of ['camp.test', 'glen.test']) {
        await waitFor(`${serverName} to allow the three`, async () => [...await squareAllows(serverName)].sort().join() === 'camp.test,glen.test,hood.test', 180_000);
      }
      assert.equal((await squareAllows('hood.test')).includes('glen.test'), false, 'hood, being down, has not changed yet');
    } finally {
      await startHearth('hood.test');
    }
    await waitFor('hood to converge on its own', async () => [...await squareAllows('hood.test')].sort().join() === 'camp.test,glen.test,hood.test', 180_000);
  });

  it('glen voted out while its own Hearth is down: camp removes its users from camp\'s square, who receive nothing after', async () => {
    const campSquare = await managedRoom('camp.test', 'neighborhood_square');
    const voted = await Member.register('glen.test', 'voted');
    // glen's Hearth brings its new member in with an invitation from its bot.
    await waitFor('glen\'s new member to get into camp\'s square', async () => (await voted.join(campSquare, ['camp.test'])) === campSquare, 180_000);
    await stopHearth('glen.test');
    try {
      assert.match(await adminCommand('camp.test', '!neighborhood remove glen.test'), /^Voted to remove glen\.test/);
      await waitFor('hood to see camp\'s vote', async () => /glen\.test/.test(await adminCommand('hood.test', '!neighborhood status')), 180_000);
      assert.match(await adminCommand('hood.test', '!neighborhood remove glen.test'), /glen\.test/);
      for (const serverName of ['camp.test', 'hood.test']) {
        await waitFor(`${serverName} to stop allowing glen`, async () => !(await squareAllows(serverName)).includes('glen.test'), 180_000);
      }
      // Only camp's Hearth can have done it: glen's is down.
      assert.equal((await goneFrom(campSquare, voted.userId)).reason, REMOVAL_REASON);
      const { joined } = await botByHand('camp.test').request<{ joined: Record<string, unknown> }>('GET', `/rooms/${encodeURIComponent(campSquare)}/joined_members`);
      assert.deepEqual(Object.keys(joined).filter((userId) => userId.endsWith(':glen.test')), [], 'no glen.test user, its bot included, stays');
      await postedPastThem(camper, campSquare, [voted]);
    } finally {
      await startHearth('glen.test');
    }
  });

  it('glen, voted out, comes back through a fresh proposal', async () => {
    await waitFor('glen\'s Hearth to know it was removed', async () => /removed this community/.test(await adminCommand('glen.test', '!neighborhood status')), 180_000);
    assert.match(await adminCommand('camp.test', '!neighborhood propose glen.test'), /^Proposed glen\.test/);
    await waitFor('hood to see glen proposed again', async () => /glen\.test: approved by camp\.test/.test(await adminCommand('hood.test', '!neighborhood status')), 180_000);
    assert.match(await adminCommand('hood.test', '!neighborhood approve glen.test'), /glen\.test/);
    await waitFor('glen\'s Hearth to see the invitation', async () => /Invitation from the neighborhood of/.test(await adminCommand('glen.test', '!neighborhood status')), 180_000);
    assert.match(await adminCommand('glen.test', '!neighborhood accept'), /now in the neighborhood/);
    for (const serverName of ['camp.test', 'hood.test', 'glen.test']) {
      await waitFor(`${serverName}'s square to allow the three again`, async () => [...await squareAllows(serverName)].sort().join() === 'camp.test,glen.test,hood.test', 180_000);
    }
  });

  it('hood defederates a server: camp gets a ready proposal, and with mode auto applies the ban itself', async () => {
    const followed = async (): Promise<number> => Number((await hearthSql<{ n: string }>('camp.test', "select count(*) as n from policy_subscriptions where source = 'hood.test'"))[0]?.n);
    await waitFor('camp to follow hood\'s ban list', async () => (await followed()) === 1, 180_000);
    assert.match(await adminCommand('hood.test', '!defederate now *.spam.test "spam wave"'), /^Defederated \*\.spam\.test/);
    await waitFor('camp\'s proposal', async () => /Proposal to cut off \*\.spam\.test \(by @hearth:hood\.test[^)]*\): hood\.test: spam wave/.test(await adminCommand('camp.test', '!defederate status')), 180_000);

    await stopHearth('camp.test');
    setHearthConfig('camp.test', [[['neighborhood', 'blocklist_mode'], 'auto']]);
    try {
      await startHearth('camp.test');
      assert.match(await adminCommand('hood.test', '!defederate now *.junk.test "junk mail"'), /^Defederated \*\.junk\.test/);
      await waitFor('camp to apply hood\'s ban', async () =>
        Number((await hearthSql<{ n: string }>('camp.test', "select count(*) as n from defederated_servers where server_glob = '*.junk.test'"))[0]?.n) === 1, 180_000);
    } finally {
      await stopHearth('camp.test');
      setHearthConfig('camp.test', [[['neighborhood', 'blocklist_mode'], 'propose']]);
      await startHearth('camp.test');
    }
  });
});
