// The pure tier policy: what each tier's rooms must look like, and the repairs
// that restore a room that drifted. A world is described, then the decision checked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StateEvent } from '../../src/matrix/client.ts';
import { createRoomRequest } from '../../src/tiers/creation.ts';
import type { CommunityFacts } from '../../src/tiers/facts.ts';
import {
  aclOnlyWidens, BOT_ONLY_LEVEL, defaultPowerLevels, desiredState, enforcedPowerLevels, mayBeInvited, MODERATOR_LEVEL, NEIGHBOR_BOT_LEVEL, neighborBots, revokedUsers, serverAcl, stateKey, withEncryptionFromState,
} from '../../src/tiers/policy.ts';
import { encryptedByDefault } from '../../src/tiers/encryption-defaults.ts';
import { testConfig } from '../support/config.ts';
import { globMatches } from '../../src/matrix/server-globs.ts';
import { eventDrifts, planRepairs } from '../../src/tiers/repairs.ts';
import { mayBeEncrypted, type ManagedRoom } from '../../src/tiers/tier.ts';

const camp: CommunityFacts = {
  serverName: 'camp.test',
  spaceId: '!space:camp.test',
  neighbors: ['hood.test'],
  defederated: ['far.test', '*.spam.test', 'camp.test'],
  admins: ['@root:camp.test'],
};

const room = (role: ManagedRoom['role'], tier: ManagedRoom['tier']): ManagedRoom => ({ roomId: '!r:camp.test', role, tier, name: role, encrypted: false });
const localTimeline = room('local_timeline', 'local');
const square = room('neighborhood_square', 'neighborhood');
const publicSquare = room('public_square', 'public');

function stateOf(room: ManagedRoom, facts: CommunityFacts): StateEvent[] {
  const request = createRoomRequest({ creationKey: room.role, room, requester: null }, facts);
  return [
    ...(request.initial_state ?? []).map((e) => ({ ...e, sender: '@hearth:camp.test', event_id: '$x' })),
    { type: 'm.room.power_levels', state_key: '', sender: '@hearth:camp.test', event_id: '$pl', content: request.power_level_content_override ?? {} },
  ];
}

function withChange(state: StateEvent[], type: string, content: Record<string, unknown>, sender = '@mallory:far.test'): StateEvent[] {
  return [...state.filter((e) => e.type !== type), { type, state_key: '', sender, event_id: '$drift', content }];
}

describe('what each tier promises', () => {
  it('a local room admits members of the space only and keeps history among them', () => {
    const desired = desiredState(localTimeline, camp);
    assert.deepEqual(desired.get(stateKey('m.room.join_rules')), { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: '!space:camp.test' }] });
    assert.deepEqual(desired.get(stateKey('m.room.history_visibility')), { history_visibility: 'shared' });
    assert.deepEqual(desired.get(stateKey('m.room.guest_access')), { guest_access: 'forbidden' });
    assert.equal(desired.has(stateKey('m.room.server_acl')), false, 'a room that never federates needs no ACL');
  });

  it('a local room never federates, from its creation on', () => {
    const request = createRoomRequest({ creationKey: 'local_timeline', room: localTimeline, requester: null }, camp);
    assert.equal(request.creation_content?.['m.federate'], false);
    assert.equal(request.room_version, '12');
    assert.equal(request.visibility, 'private');
  });

  it('the neighborhood square allows exactly this server and its neighbors, never IP literals', () => {
    assert.deepEqual(serverAcl('neighborhood', camp), { allow: ['camp.test', 'hood.test'], deny: ['*.spam.test', 'far.test'], allow_ip_literals: false });
  });

  it('no room but a public one can be summarised by a stranger: the space is invitation-only, neighborhood rooms admit the space', () => {
    const space = room('space', 'local');
    assert.deepEqual(desiredState(space, camp).get(stateKey('m.room.join_rules')), { join_rule: 'invite' });
    assert.deepEqual(desiredState(room('admin', 'local'), camp).get(stateKey('m.room.join_rules')), { join_rule: 'invite' });
    assert.deepEqual(desiredState(square, camp).get(stateKey('m.room.join_rules')), { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: '!space:camp.test' }] });
    assert.deepEqual(desiredState(room('policy_list', 'neighborhood'), camp).get(stateKey('m.room.join_rules'))?.join_rule, 'restricted');
  });

  it('in every room but a public one only the bots may invite: each neighbor\'s Hearth its own members, nobody else anyone', () => {
    const facts = { ...camp, botLocalpart: 'hearth', neighbors: ['hood.test', 'far.test'] };
    const levels = defaultPowerLevels(square, facts);
    assert.equal(levels.invite, NEIGHBOR_BOT_LEVEL);
    assert.deepEqual([MODERATOR_LEVEL, NEIGHBOR_BOT_LEVEL], [50, 75], 'admins and moderators (50) cannot invite from their clients');
    assert.deepEqual(neighborBots(square, facts), ['@hearth:hood.test'], 'a defederated neighbor\'s bot gets nothing');
    assert.equal((levels.users as Record<string, number>)['@hearth:hood.test'], NEIGHBOR_BOT_LEVEL);
    assert.equal(defaultPowerLevels(localTimeline, facts).invite, NEIGHBOR_BOT_LEVEL, 'even a withdrawn invitation lets a guest read a shared room\'s history');
    assert.equal(defaultPowerLevels(room('space', 'local'), facts).invite, NEIGHBOR_BOT_LEVEL);
    assert.equal(defaultPowerLevels(room('admin', 'local'), facts).invite, NEIGHBOR_BOT_LEVEL);
    assert.equal(defaultPowerLevels(publicSquare, facts).invite, 0);
    assert.equal(enforcedPowerLevels(localTimeline, facts).events['m.room.canonical_alias'], BOT_ONLY_LEVEL, 'nobody but the bot may list a local room in the directory');
    assert.equal(enforcedPowerLevels(publicSquare, facts).events['m.room.canonical_alias'], undefined);
  });

  it('a former neighbor\'s bot loses its power in our neighborhood rooms, and a moderator added by hand keeps theirs', () => {
    const facts = { ...camp, botLocalpart: 'hearth', neighbors: [] };
    const state = withChange(stateOf(square, { ...camp, botLocalpart: 'hearth' }), 'm.room.power_levels', {
      ...defaultPowerLevels(square, { ...camp, botLocalpart: 'hearth' }),
      users: { '@hearth:hood.test': NEIGHBOR_BOT_LEVEL, '@mod:camp.test': MODERATOR_LEVEL, '@root:camp.test': MODERATOR_LEVEL },
    }, '@hearth:camp.test');
    const repair = planRepairs(square, facts, state).find((r) => r.type === 'm.room.power_levels');
    assert.deepEqual(repair?.content.users, { '@mod:camp.test': MODERATOR_LEVEL, '@root:camp.test': MODERATOR_LEVEL });
    assert.equal(revokedUsers(square, facts, { '@hearth:camp.test': 100, '@hearth:hood.test': 75 }).join(), '@hearth:hood.test');
  });

  it('the public square is world-readable, guests may join, and only defederated servers are denied', () => {
    const desired = desiredState(publicSquare, camp);
    assert.deepEqual(desired.get(stateKey('m.room.history_visibility')), { history_visibility: 'world_readable' });
    assert.deepEqual(desired.get(stateKey('m.room.guest_access')), { guest_access: 'can_join' });
    assert.deepEqual(desired.get(stateKey('m.room.join_rules')), { join_rule: 'public' });
    assert.deepEqual(serverAcl('public', camp)?.allow, ['*']);
    assert.equal(createRoomRequest({ creationKey: 'public_square', room: publicSquare, requester: null }, camp).visibility, 'public');
  });

  it('an ACL never denies the community\'s own server, whatever the deny list says', () => {
    const acl = serverAcl('public', { ...camp, defederated: ['*', 'camp.*', 'camp.test'] });
    assert.deepEqual(acl?.deny, []);
  });

  it('only the bot can change tier-defining state; admins moderate', () => {
    const pl = createRoomRequest({ creationKey: 'x', room: publicSquare, requester: '@alice:camp.test' }, camp).power_level_content_override ?? {};
    const events = pl.events as Record<string, number>;
    for (const type of ['m.room.join_rules', 'm.room.history_visibility', 'm.room.server_acl', 'm.room.guest_access', 'm.room.encryption', 'm.room.power_levels']) {
      assert.equal(events[type], BOT_ONLY_LEVEL, type);
    }
    assert.deepEqual(pl.users, { '@root:camp.test': 50, '@alice:camp.test': 50 });
    assert.equal(pl.ban, 50);
    assert.equal(pl.redact, 50);
  });

  it('who may be invited follows the tier', () => {
    assert.equal(mayBeInvited('local', 'camp.test', camp), true);
    assert.equal(mayBeInvited('local', 'hood.test', camp), false);
    assert.equal(mayBeInvited('neighborhood', 'hood.test', camp), true);
    assert.equal(mayBeInvited('neighborhood', 'glen.test', camp), false);
    assert.equal(mayBeInvited('public', 'glen.test', camp), true);
    assert.equal(mayBeInvited('public', 'x.spam.test', camp), false);
  });

  it('matches ACL globs as Matrix does', () => {
    assert.equal(globMatches('*.far.test', 'a.far.test'), true);
    assert.equal(globMatches('*.far.test', 'far.test'), false);
    assert.equal(globMatches('fa?.test', 'far.test'), true);
    assert.equal(globMatches('far.test', 'farXtest'), false, 'dots are literal');
  });
});

describe('an ACL change that takes nobody\'s access away', () => {
  const acl = (allow: string[], deny: string[] = []) => ({ allow, deny, allow_ip_literals: false });

  it('a neighbor admitted widens the ACL', () => {
    assert.equal(aclOnlyWidens(acl(['camp.test', 'hood.test']), acl(['camp.test', 'glen.test', 'hood.test'])), true);
  });

  it('the same ACL, in any order, is no narrowing', () => {
    assert.equal(aclOnlyWidens(acl(['hood.test', 'camp.test'], ['far.test']), acl(['camp.test', 'hood.test'], ['far.test'])), true);
  });

  it('a server lifted from the deny list widens it', () => {
    assert.equal(aclOnlyWidens(acl(['*'], ['far.test']), acl(['*'])), true);
  });

  it('a neighbor gone, or a server newly denied, narrows it', () => {
    assert.equal(aclOnlyWidens(acl(['camp.test', 'hood.test']), acl(['camp.test'])), false);
    assert.equal(aclOnlyWidens(acl(['*']), acl(['*'], ['far.test'])), false);
    assert.equal(aclOnlyWidens(acl(['camp.test', 'hood.test']), acl(['camp.test', 'glen.test'])), false, 'one admitted while another goes');
  });

  it('IP literals no longer allowed narrow it', () => {
    assert.equal(aclOnlyWidens({ ...acl(['*']), allow_ip_literals: true }, acl(['*'])), false);
  });
});

describe('repairing drift', () => {
  it('a room as created needs no repair', () => {
    for (const r of [localTimeline, square, publicSquare]) assert.deepEqual(planRepairs(r, camp, stateOf(r, camp)), [], r.role);
  });

  it('restores history visibility changed by a remote moderator', () => {
    const drifted = withChange(stateOf(publicSquare, camp), 'm.room.history_visibility', { history_visibility: 'joined' });
    const repairs = planRepairs(publicSquare, camp, drifted);
    assert.deepEqual(repairs.map((r) => [r.type, r.content, r.previousSender]), [
      ['m.room.history_visibility', { history_visibility: 'world_readable' }, '@mallory:far.test'],
    ]);
  });

  it('puts a lowered power level back first and keeps moderators added by hand', () => {
    const state = stateOf(square, camp);
    const pl = state.find((e) => e.type === 'm.room.power_levels')!;
    const lowered = { ...pl.content, events: { ...(pl.content.events as object), 'm.room.server_acl': 0 }, users: { '@root:camp.test': 0, '@mod:hood.test': 50 } };
    const drifted = withChange(withChange(state, 'm.room.power_levels', lowered), 'm.room.server_acl', { allow: ['*'], deny: [], allow_ip_literals: true });
    const [first, second] = planRepairs(square, camp, drifted);
    assert.equal(first?.type, 'm.room.power_levels');
    assert.equal((first.content.events as Record<string, number>)['m.room.server_acl'], BOT_ONLY_LEVEL);
    assert.deepEqual(first.content.users, { '@root:camp.test': 50, '@mod:hood.test': 50 });
    assert.deepEqual(second?.content, serverAcl('neighborhood', camp));
  });

  it('follows the facts: a new neighbor changes the square\'s ACL', () => {
    const withGlen = { ...camp, neighbors: ['hood.test', 'glen.test'] };
    const [repair] = planRepairs(square, withGlen, stateOf(square, camp));
    assert.deepEqual(repair?.content.allow, ['camp.test', 'glen.test', 'hood.test']);
  });

  it('admits a new neighbor in its ACL entry before it grants that neighbor\'s Hearth its power', () => {
    const before = { ...camp, botLocalpart: 'hearth' };
    const withGlen = { ...before, neighbors: ['hood.test', 'glen.test'] };
    const repairs = planRepairs(square, withGlen, stateOf(square, before));
    assert.deepEqual(repairs.map((r) => r.type), ['m.room.server_acl', 'm.room.power_levels']);
    assert.equal((repairs[1]?.content.users as Record<string, number>)['@hearth:glen.test'], NEIGHBOR_BOT_LEVEL);
  });

  it('takes a former neighbor\'s power away before it changes the ACL', () => {
    const before = { ...camp, botLocalpart: 'hearth' };
    const withoutHood = { ...before, neighbors: [] };
    assert.deepEqual(planRepairs(square, withoutHood, stateOf(square, before)).map((r) => r.type), ['m.room.power_levels', 'm.room.server_acl']);
  });

  it('does not count the order of ACL entries as drift', () => {
    const reordered = withChange(stateOf(square, camp), 'm.room.server_acl', { allow_ip_literals: false, deny: ['far.test', '*.spam.test'], allow: ['hood.test', 'camp.test'] });
    assert.deepEqual(planRepairs(square, camp, reordered), []);
  });

  it('lists every other room in the space', () => {
    const space = room('space', 'local');
    const repairs = planRepairs(space, camp, stateOf(space, camp), ['!a:camp.test', '!b:camp.test']);
    assert.deepEqual(repairs.map((r) => [r.type, r.stateKey, r.content]), [
      ['m.space.child', '!a:camp.test', { via: ['camp.test'] }],
      ['m.space.child', '!b:camp.test', { via: ['camp.test'] }],
    ]);
  });
});

describe('encryption, which can be turned on and never off', () => {
  const secret = { ...room('topic', 'local'), encrypted: true };

  it('an encrypted room is encrypted from its first event', () => {
    const request = createRoomRequest({ creationKey: 'topic:$1', room: secret, requester: '@alice:camp.test' }, camp);
    assert.deepEqual(request.initial_state?.find((e) => e.type === 'm.room.encryption')?.content, { algorithm: 'm.megolm.v1.aes-sha2' });
    assert.deepEqual(planRepairs(secret, camp, stateOf(secret, camp)), []);
  });

  it('encryption missing from a room recorded as encrypted is put back', () => {
    const stripped = stateOf(secret, camp).filter((e) => e.type !== 'm.room.encryption');
    assert.deepEqual(planRepairs(secret, camp, stripped).map((r) => [r.type, r.content]), [['m.room.encryption', { algorithm: 'm.megolm.v1.aes-sha2' }]]);
  });

  it('a room found encrypted is treated as encrypted, and its own rotation settings are kept', () => {
    const found = withEncryptionFromState(localTimeline, { algorithm: 'm.megolm.v1.aes-sha2', rotation_period_ms: 604800000 });
    assert.equal(found.encrypted, true);
    const state = withChange(stateOf(found, camp), 'm.room.encryption', { algorithm: 'm.megolm.v1.aes-sha2', rotation_period_ms: 604800000 }, '@hearth:camp.test');
    assert.deepEqual(planRepairs(found, camp, state), []);
    assert.equal(eventDrifts(localTimeline, camp, state.find((e) => e.type === 'm.room.encryption') ?? state[0]!), false, 'unasked-for encryption is never drift');
  });

  it('new rooms follow the per-tier default; public rooms, the space and the ban list never encrypt', () => {
    const config = testConfig();
    const on = { ...config, tiers: { ...config.tiers, encrypt_local_rooms: true, encrypt_neighborhood_rooms: true } };
    assert.equal(encryptedByDefault(config, 'local_timeline', 'local'), false, 'off by default: newcomers read the local timeline\'s history');
    assert.equal(encryptedByDefault(on, 'local_timeline', 'local'), true);
    assert.equal(encryptedByDefault(on, 'topic', 'neighborhood'), true);
    for (const [role, tier] of [['topic', 'public'], ['space', 'local'], ['policy_list', 'neighborhood']] as const) {
      assert.equal(encryptedByDefault(on, role, tier), false, `${role} (${tier})`);
      assert.equal(mayBeEncrypted(role, tier), false);
    }
  });
});
