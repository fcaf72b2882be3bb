// The pure parts of defederation: which targets are acceptable, whether an ACL
// fits in an event, and who would lose whom.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aclContentBytes, compactDenyList, fitsInAnEvent } from '../../src/federation/acl-size.ts';
import { computeImpact, renderImpact, type RoomView } from '../../src/federation/impact.ts';
import { checkDefederationTarget, matchingServers } from '../../src/federation/server-names.ts';

describe('checking what an admin wants to cut off', () => {
  const check = (input: string) => checkDefederationTarget(input, 'camp.test');

  it('accepts server names and globs, lower-cased', () => {
    assert.deepEqual(check('Far.Test'), { ok: true, glob: 'far.test' });
    assert.deepEqual(check('*.far.test'), { ok: true, glob: '*.far.test' });
  });

  it('refuses this community\'s own server, directly or by glob', () => {
    for (const input of ['camp.test', '*.test', 'camp.*', 'c?mp.test']) {
      assert.match(JSON.stringify(check(input)), /"ok":false.*this community's own server/, input);
    }
  });

  it('refuses IP literals, empty and malformed names, and cutting off everyone', () => {
    assert.match(JSON.stringify(check('10.0.0.1')), /IP address/);
    assert.match(JSON.stringify(check('[::1]:8448')), /IP address/);
    assert.match(JSON.stringify(check('  ')), /name a server/);
    assert.match(JSON.stringify(check('far..test')), /not a server name or glob/);
    assert.match(JSON.stringify(check('far_test!')), /not a server name or glob/);
    assert.match(JSON.stringify(checkDefederationTarget('*', 'camp.test')), /own server/);
    assert.match(JSON.stringify(checkDefederationTarget('*.*', 'camp.example')), /own server|every server/);
  });

  it('previews which known servers a glob matches', () => {
    assert.deepEqual(matchingServers('*.far.test', ['a.far.test', 'far.test', 'b.far.test', 'hood.test']), ['a.far.test', 'b.far.test']);
  });
});

describe('the ACL size limit', () => {
  it('measures the content as sent', () => {
    assert.equal(aclContentBytes({ allow: ['*'], deny: [], allow_ip_literals: false }), '{"allow":["*"],"deny":[],"allow_ip_literals":false}'.length);
  });

  it('refuses a deny list that would pass 64 KiB', () => {
    const deny = Array.from({ length: 4000 }, (_, i) => `spammer-number-${i}.example`);
    assert.equal(fitsInAnEvent({ allow: ['*'], deny: deny.slice(0, 100), allow_ip_literals: false }), true);
    assert.equal(fitsInAnEvent({ allow: ['*'], deny, allow_ip_literals: false }), false);
  });

  it('compacts entries that share a parent domain into one glob', () => {
    const { deny, merged } = compactDenyList(['a.spam.test', 'b.spam.test', 'far.test', 'x.other.test'], ['camp.test']);
    assert.deepEqual(deny, ['*.spam.test', 'far.test', 'x.other.test']);
    assert.deepEqual([...merged], [['*.spam.test', ['a.spam.test', 'b.spam.test']]]);
  });

  it('never offers a merge that would match the community\'s own server', () => {
    const { merged, withheld } = compactDenyList(['a.example.org', 'b.example.org'], ['camp.example.org']);
    assert.deepEqual([...merged], []);
    assert.deepEqual([...withheld], [['*.example.org', ['camp.example.org']]]);
  });
});

describe('the impact report', () => {
  const rooms: RoomView[] = [
    { roomId: '!porch', name: 'Porch', managed: true, members: ['@carol:camp.test', '@dave:camp.test', '@ferris:far.test', '@hearth:camp.test'] },
    { roomId: '!dm', name: 'DM', managed: false, members: ['@erin:camp.test', '@gale:x.far.test'] },
    { roomId: '!local', name: 'Local', managed: true, members: ['@carol:camp.test', '@erin:camp.test'] },
    { roomId: '!hood', name: 'Hood', managed: true, members: ['@dave:camp.test', '@hal:hood.test'] },
  ];
  const input = {
    coverage: 'all' as const,
    rooms,
    isLocalMember: (id: string) => id.endsWith(':camp.test') && id !== '@hearth:camp.test',
    lastSeen: new Map([['@ferris:far.test', Date.UTC(2026, 10, 1, 12, 0)]]),
    knownServers: ['hood.test'],
  };

  it('names exactly the members who share a room with the target\'s accounts, and whom they would lose', () => {
    const report = computeImpact({ ...input, target: 'far.test' });
    assert.deepEqual(report.members, [
      { member: '@carol:camp.test', contacts: [{ userId: '@ferris:far.test', lastSeenAt: Date.UTC(2026, 10, 1, 12, 0) }] },
      { member: '@dave:camp.test', contacts: [{ userId: '@ferris:far.test', lastSeenAt: Date.UTC(2026, 10, 1, 12, 0) }] },
    ]);
    assert.deepEqual(report.rooms, [{ roomId: '!porch', name: 'Porch', affectedAccounts: 1 }]);
  });

  it('follows a glob into DMs, which are not managed rooms', () => {
    const report = computeImpact({ ...input, target: '*.far.test' });
    assert.deepEqual(report.members.map((m) => m.member), ['@erin:camp.test']);
    assert.deepEqual(report.rooms, [], 'the DM is not a managed room');
    assert.deepEqual(report.matchedServers, ['x.far.test']);
  });

  it('says in the report what it covers', () => {
    assert.match(renderImpact(computeImpact({ ...input, target: 'far.test' })), /every room on this server, DMs included/);
    assert.match(renderImpact(computeImpact({ ...input, coverage: 'managed', target: 'far.test' })), /the rooms Hearth manages only/);
    assert.match(renderImpact(computeImpact({ ...input, target: 'far.test' })), /@carol:camp\.test would lose contact with @ferris:far\.test \(last seen 2026-11-01 12:00 UTC\)/);
  });
});
