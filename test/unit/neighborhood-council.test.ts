// The council room and the allow-lists: how the room is created, who may do
// what in it, how an invitation to one is recognised, and what the derived
// neighborhood means for this server's neighborhood rooms.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { councilServerAcl, currentNeighbors, neighborsOf } from '../../src/neighborhood/acl.ts';
import { councilCreationRequest, councilInviter, councilPowerLevels } from '../../src/neighborhood/council.ts';
import type { Neighborhood } from '../../src/neighborhood/derive.ts';
import { COUNCIL_ROOM_TYPE, MEMBERSHIP_TYPE, VOTES_TYPE } from '../../src/neighborhood/events.ts';
import { serverAcl } from '../../src/tiers/policy.ts';

function neighborhood(partial: Partial<Neighborhood>): Neighborhood {
  return { founder: 'camp.test', members: [], rounds: {}, history: [], candidates: [], removals: [], removed: [], cuts: [], nextRound: 1, standing: 'member', ignored: [], ...partial };
}

const three = neighborhood({ members: ['camp.test', 'glen.test', 'hood.test'], rounds: { 'camp.test': 0, 'hood.test': 1, 'glen.test': 2 } });

describe('what this server\'s neighborhood rooms allow', () => {
  it('the other members, ready for facts.neighbors', () => {
    const neighbors = neighborsOf(three, 'hood.test', () => false);
    assert.deepEqual(neighbors, ['camp.test', 'glen.test']);
    const facts = { serverName: 'hood.test', spaceId: null, neighbors, defederated: [], admins: [] };
    assert.deepEqual(serverAcl('neighborhood', facts), { allow: ['camp.test', 'glen.test', 'hood.test'], deny: [], allow_ip_literals: false });
  });

  it('minus the members this server has defederated, globs included', () => {
    assert.deepEqual(neighborsOf(three, 'hood.test', (s) => s.endsWith('glen.test')), ['camp.test']);
  });

  it('minus a member that cut this server off, or that this server cut off', () => {
    const cut = { ...three, cuts: [{ by: 'glen.test', server: 'hood.test' }] };
    assert.deepEqual(neighborsOf(cut, 'hood.test', () => false), ['camp.test']);
    assert.deepEqual(neighborsOf(cut, 'glen.test', () => false), ['camp.test']);
    assert.deepEqual(neighborsOf(cut, 'camp.test', () => false), ['glen.test', 'hood.test']);
  });

  it('from the council rooms the bot is in: the one this server is a member of', () => {
    const create = (founder: string) => ({ event_id: `$c-${founder}`, type: 'm.room.create', state_key: '', sender: `@hearth:${founder}`, content: { type: COUNCIL_ROOM_TYPE } });
    const join = (server: string, round: number, after: string[]) => ({ event_id: `$j-${server}`, type: MEMBERSHIP_TYPE, state_key: `@hearth:${server}`, sender: `@hearth:${server}`, content: { membership: 'join', round, after } });
    const approve = (voter: string, server: string) => ({ event_id: `$v-${voter}`, type: VOTES_TYPE, state_key: `@hearth:${voter}`, sender: `@hearth:${voter}`, content: { approve: [{ server, round: 1, after: [`${voter}#0`] }] } });
    const ours = { roomId: '!b', state: [create('camp.test'), join('camp.test', 0, []), approve('camp.test', 'hood.test'), join('hood.test', 1, ['camp.test#0'])] };
    const invitation = { roomId: '!a', state: [create('glen.test'), join('glen.test', 0, []), approve('glen.test', 'hood.test')] };
    const options = { botLocalpart: 'hearth', self: 'hood.test', defederatedBySelf: () => false };
    assert.deepEqual(currentNeighbors([invitation, ours], options), ['camp.test']);
    assert.deepEqual(currentNeighbors([invitation], options), []);
  });

  it('nobody, when this server is not a member itself', () => {
    for (const standing of ['none', 'invited', 'accepted', 'removed'] as const) assert.deepEqual(neighborsOf({ ...three, standing }, 'hood.test', () => false), [], standing);
  });
});

describe('the council room', () => {
  it('lets in its members and the candidates still in the running', () => {
    const candidate = { round: 3, approvals: ['camp.test'], missing: [], outdated: [], rejectedBy: [], cutBy: [], accepted: false, declined: false, defederatedBySelf: false };
    const n = neighborhood({
      members: ['camp.test', 'hood.test'],
      candidates: [
        { ...candidate, server: 'glen.test' },
        { ...candidate, server: 'river.test', declined: true },
        { ...candidate, server: 'spam.test', rejectedBy: ['hood.test'] },
        { ...candidate, server: 'far.test', cutBy: ['hood.test'] },
      ],
    });
    assert.deepEqual(councilServerAcl(n), { allow: ['camp.test', 'glen.test', 'hood.test'], deny: [], allow_ip_literals: false });
    assert.equal(councilServerAcl(neighborhood({ members: [] })), null);
  });

  it('gives members\' bots the ACL, never the founder\'s (a room version 12 creator is not listed)', () => {
    const levels = councilPowerLevels(['camp.test', 'hood.test'], 'camp.test', 'hearth');
    assert.deepEqual(levels.users, { '@hearth:hood.test': 50 });
    assert.deepEqual(levels.events, { [MEMBERSHIP_TYPE]: 0, [VOTES_TYPE]: 0, 'm.room.server_acl': 50, 'm.room.power_levels': 100, 'm.room.tombstone': 100 });
    assert.equal(levels.redact, 100);
    assert.equal(levels.kick, 100);
  });

  it('is created by the founder, who is in it from the first event', () => {
    const request = councilCreationRequest('camp.test', 'hearth', 'key-1');
    assert.equal(request.room_version, '12');
    assert.deepEqual(request.creation_content, { type: COUNCIL_ROOM_TYPE, 'org.hearth.creation_key': 'key-1' });
    const initial = request.initial_state ?? [];
    assert.deepEqual(initial.find((e) => e.type === MEMBERSHIP_TYPE), { type: MEMBERSHIP_TYPE, state_key: '@hearth:camp.test', content: { membership: 'join', round: 0, after: [] } });
    assert.deepEqual(initial.find((e) => e.type === 'm.room.server_acl')?.content, { allow: ['camp.test'], deny: [], allow_ip_literals: false });
    assert.equal(request.invite, undefined);
  });
});

describe('recognising an invitation to a council', () => {
  const invite = (sender: string, createType: unknown = COUNCIL_ROOM_TYPE) => ({
    sender,
    state_key: '@hearth:glen.test',
    content: { membership: 'invite' },
    unsigned: { invite_room_state: [{ type: 'm.room.create', state_key: '', sender, content: { type: createType } }] },
  });

  it('names the inviting server when another server\'s Hearth bot invites to a council room', () => {
    assert.equal(councilInviter(invite('@hearth:camp.test'), 'glen.test', 'hearth'), 'camp.test');
  });

  it('ignores invitations from ordinary users, to other rooms, or to another user', () => {
    assert.equal(councilInviter(invite('@alice:camp.test'), 'glen.test', 'hearth'), null);
    assert.equal(councilInviter(invite('@hearth:camp.test', 'm.space'), 'glen.test', 'hearth'), null);
    assert.equal(councilInviter({ ...invite('@hearth:camp.test'), state_key: '@carol:glen.test' }, 'glen.test', 'hearth'), null);
    assert.equal(councilInviter({ ...invite('@hearth:camp.test'), unsigned: {} }, 'glen.test', 'hearth'), null);
  });
});
