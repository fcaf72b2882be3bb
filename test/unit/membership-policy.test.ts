// Who may stay in a managed room: each world is described as the community's
// facts and the people present in a room, and the policy names who must go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayStay, REMOVAL_REASON, usersToRemove, WITHDRAWAL_REASON, type MembershipFacts } from '../../src/tiers/membership-policy.ts';
import type { Tier } from '../../src/tiers/tier.ts';

interface World {
  neighbors?: string[];
  defederated?: string[];
  removed?: string[];
  admins?: string[];
}

function world(w: World = {}): MembershipFacts {
  return {
    community: { serverName: 'camp.test', spaceId: '!space:camp.test', neighbors: w.neighbors ?? [], defederated: w.defederated ?? [], admins: w.admins ?? [], botLocalpart: 'hearth' },
    removed: new Set(w.removed ?? []),
    isOwnBot: (userId) => userId === '@hearth:camp.test' || userId.startsWith('@hearth_'),
  };
}

/** Everyone a room could hold, by what they are. */
const PEOPLE = {
  member: '@alice:camp.test',
  bot: '@hearth:camp.test',
  bugle: '@hearth_bugle:camp.test',
  guest: '@12345:camp.test',
  removedMember: '@mallory:camp.test',
  neighbor: '@bob:hood.test',
  neighborBot: '@hearth:hood.test',
  stranger: '@far:far.test',
  defederatedNeighbor: '@eve:spam.test',
};

const everyone = Object.values(PEOPLE);

function staying(tier: Tier, facts: MembershipFacts): string[] {
  return everyone.filter((userId) => mayStay({ tier }, userId, facts)).sort();
}

describe('who may stay in a room of each tier', () => {
  const facts = world({ neighbors: ['hood.test', 'spam.test'], defederated: ['spam.test'], removed: [PEOPLE.removedMember] });

  it('local: the community\'s members and Hearth\'s own bots, nobody else', () => {
    assert.deepEqual(staying('local', facts), [PEOPLE.bot, PEOPLE.member, PEOPLE.bugle].sort());
  });

  it('neighborhood: those, and users of the current neighbors this community has not cut off', () => {
    assert.deepEqual(staying('neighborhood', facts), [PEOPLE.bot, PEOPLE.member, PEOPLE.bugle, PEOPLE.neighbor, PEOPLE.neighborBot].sort());
  });

  it('public: anyone whose server is not cut off, guests and removed people included', () => {
    assert.deepEqual(staying('public', facts), everyone.filter((u) => u !== PEOPLE.defederatedNeighbor).sort());
  });
});

describe('what removes whom', () => {
  const square = { tier: 'neighborhood' as const };
  const present = [PEOPLE.member, PEOPLE.bot, PEOPLE.neighbor, PEOPLE.neighborBot, '@carol:hood.test'];

  it('a neighbor voted out, or leaving by itself: all its users go, its bot included', () => {
    assert.deepEqual(usersToRemove(square, present, world({ neighbors: ['hood.test'] })), []);
    assert.deepEqual(usersToRemove(square, present, world({ neighbors: [] })), ['@bob:hood.test', '@carol:hood.test', '@hearth:hood.test']);
  });

  it('a neighbor this community defederates is removed though it is still a neighbor', () => {
    assert.deepEqual(usersToRemove(square, present, world({ neighbors: ['hood.test'], defederated: ['*.test'] })), ['@bob:hood.test', '@carol:hood.test', '@hearth:hood.test']);
  });

  it('a defederated glob empties a public room of every server it matches', () => {
    const room = { tier: 'public' as const };
    const people = [PEOPLE.member, '@a:far.test', '@b:one.far.test', '@c:hood.test'];
    assert.deepEqual(usersToRemove(room, people, world({ defederated: ['*far.test'] })), ['@a:far.test', '@b:one.far.test']);
  });

  it('a public room narrowed to neighborhood loses every server that is not a neighbor', () => {
    const people = [PEOPLE.member, PEOPLE.guest, '@a:far.test', '@b:glen.test', PEOPLE.neighbor];
    const facts = world({ neighbors: ['hood.test'] });
    assert.deepEqual(usersToRemove({ tier: 'public' }, people, facts), []);
    assert.deepEqual(usersToRemove({ tier: 'neighborhood' }, people, facts), [PEOPLE.guest, '@a:far.test', '@b:glen.test'].sort());
  });

  it('a person removed from the space leaves every local and neighborhood room, but may stay in public ones', () => {
    const facts = world({ neighbors: ['hood.test'], removed: [PEOPLE.removedMember] });
    for (const tier of ['local', 'neighborhood'] as const) assert.deepEqual(usersToRemove({ tier }, [PEOPLE.member, PEOPLE.removedMember], facts), [PEOPLE.removedMember]);
    assert.deepEqual(usersToRemove({ tier: 'public' }, [PEOPLE.member, PEOPLE.removedMember], facts), []);
  });

  it('a member who left the space by themselves is still a member: leaving removes nobody', () => {
    assert.deepEqual(usersToRemove({ tier: 'local' }, [PEOPLE.member], world()), []);
  });

  it('the admins the operator configured always stay, even marked removed', () => {
    const facts = world({ admins: ['@admin:camp.test'], removed: ['@admin:camp.test'] });
    assert.deepEqual(usersToRemove({ tier: 'local' }, ['@admin:camp.test'], facts), []);
  });

  it('the same users in any order give the same answer, each named once', () => {
    const facts = world();
    assert.deepEqual(usersToRemove({ tier: 'local' }, ['@z:far.test', '@a:far.test', '@z:far.test'], facts), ['@a:far.test', '@z:far.test']);
  });
});

describe('what a removed user\'s server is told', () => {
  it('the reasons are fixed sentences that name no room and quote nothing', () => {
    for (const reason of [REMOVAL_REASON, WITHDRAWAL_REASON]) {
      assert.match(reason, /^Hearth .*: this room's audience does not include you\.$/);
      assert.doesNotMatch(reason, /"/);
    }
  });
});
