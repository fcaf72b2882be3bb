// What the members' area and the dashboard list, described as a small
// community: who is here (as !who says), the rooms a member may join by tier,
// where each member stands for the admins and when each last used a client,
// and the reconciler's repairs as the dashboard lists them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastSeenNote, lastSeenTimes, readLastSeen } from '../../src/web/admin/last-seen.ts';
import { memberStates } from '../../src/web/admin/member-states.ts';
import { repairRows } from '../../src/web/admin/repair-log.ts';
import type { Logger } from '../../src/logging/logger.ts';
import type { RepairEntry } from '../../src/store/repairs-store.ts';
import { matrixToLink, roomsByTier, whoIsHere } from '../../src/web/members/directory.ts';
import type { ManagedRoomRow } from '../../src/store/managed-rooms-store.ts';
import type { MemberRow } from '../../src/store/members-store.ts';
import type { MemberProfile } from '../../src/store/onboarding-store.ts';

const row = (userId: string, firstSeenAt: number, changes: Partial<MemberRow> = {}): MemberRow => ({ userId, firstSeenAt, invitedAt: firstSeenAt, leftAt: null, ...changes });
const profile = (userId: string, changes: Partial<MemberProfile>): MemberProfile => ({
  userId, invitedBy: null, invitationCode: null, signedUpAt: null, welcomedAt: null, introduction: null, introducedAt: null, announcedAt: null, ...changes,
});
const room = (name: string, role: ManagedRoomRow['role'], tier: ManagedRoomRow['tier'], roomId: string | null, createdAt = 0): ManagedRoomRow => ({
  creationKey: `${role}:${name}`, roomId, role, tier, name, encrypted: false, requestedBy: null, createdAt,
});
const isMember = (userId: string): boolean => userId.endsWith(':camp.test') && !userId.startsWith('@hearth') && !/^@\d+:/.test(userId);

describe('who\'s who', () => {
  const rows = [
    row('@carol:camp.test', 300), row('@alice:camp.test', 100), row('@gone:camp.test', 50, { leftAt: 60 }),
    row('@removed:camp.test', 70), row('@hearth:camp.test', 1), row('@ferris:far.test', 2), row('@42:camp.test', 3),
  ];
  const profiles = new Map([['@carol:camp.test', profile('@carol:camp.test', { invitedBy: '@alice:camp.test', signedUpAt: 250, introduction: 'I bake.' })]]);

  it('lists the people here, oldest first, with when they joined, who invited them and their introduction', () => {
    assert.deepEqual(whoIsHere({ rows, profiles, removed: new Set(['@removed:camp.test']), isMember }), [
      { userId: '@alice:camp.test', joinedAt: 100, invitedBy: null, introduction: null },
      { userId: '@carol:camp.test', joinedAt: 250, invitedBy: '@alice:camp.test', introduction: 'I bake.' },
    ]);
  });
});

describe('the rooms by tier', () => {
  const rows = [
    room('Book club', 'topic', 'local', '!book:camp.test', 20), room('Admins', 'admin', 'local', '!admin:camp.test'), room('Ban list', 'policy_list', 'public', '!ban:camp.test'),
    room('Public square', 'public_square', 'public', '!public:camp.test'), room('Camp', 'space', 'local', '!space:camp.test'), room('Local timeline', 'local_timeline', 'local', '!local:camp.test'),
    room('Being made', 'topic', 'public', null), room('Neighborhood square', 'neighborhood_square', 'neighborhood', '!nb:camp.test'),
  ];

  it('groups every room a member may join under its tier and sentence, the community\'s own rooms first', () => {
    const groups = roomsByTier(rows, 'camp.test');
    assert.deepEqual(groups.map((g) => [g.tier, g.rooms.map((r) => r.name)]), [
      ['local', ['Camp', 'Local timeline', 'Book club']],
      ['neighborhood', ['Neighborhood square']],
      ['public', ['Public square']],
    ]);
    assert.match(groups[0]?.sentence ?? '', /^Local only: never leaves camp\.test\./);
  });

  it('links each room through matrix.to, by its ID and this server', () => {
    assert.equal(matrixToLink('!abc:camp.test', 'camp.test'), 'https://matrix.to/#/!abc%3Acamp.test?via=camp.test');
  });
});

describe('where each member stands, for the admins', () => {
  const rows = [row('@alice:camp.test', 10), row('@new:camp.test', 20, { invitedAt: null }), row('@gone:camp.test', 30, { leftAt: 40 }), row('@removed:camp.test', 50), row('@admin:camp.test', 5)];
  const states = memberStates({
    rows, removed: new Set(['@removed:camp.test']), isMember: (userId) => isMember(userId) && userId !== '@removed:camp.test',
    isAdmin: (userId) => userId === '@admin:camp.test', profiles: new Map([['@alice:camp.test', profile('@alice:camp.test', { invitedBy: '@admin:camp.test', signedUpAt: 11 })]]),
    standing: (userId) => (userId === '@new:camp.test' ? 'never agreed' : 'agreed'),
    lastSeen: new Map([['@alice:camp.test', Date.UTC(2026, 4, 1, 18)], ['@removed:camp.test', Date.UTC(2026, 1, 2)], ['@stranger:camp.test', 1]]),
  });

  it('says each one\'s state and agreement as !member list does, keeping the removed in the list', () => {
    assert.deepEqual(states.map((m) => [m.userId, m.state, m.agreement]), [
      ['@admin:camp.test', 'in the community', 'agreed'],
      ['@alice:camp.test', 'in the community', 'agreed'],
      ['@gone:camp.test', 'left the space', 'agreed'],
      ['@new:camp.test', 'waiting to agree', 'not yet'],
      ['@removed:camp.test', 'removed', 'agreed'],
    ]);
  });

  it('offers to remove only members who are here and are not admins', () => {
    assert.deepEqual(states.filter((m) => m.removable).map((m) => m.userId), ['@alice:camp.test', '@new:camp.test']);
    assert.equal(states.find((m) => m.userId === '@alice:camp.test')?.invitedBy, '@admin:camp.test');
  });

  it('says when each one\'s account last used a client, as the homeserver told, and nothing for one it never saw', () => {
    assert.deepEqual(states.map((m) => [m.userId, m.lastSeenAt]), [
      ['@admin:camp.test', null],
      ['@alice:camp.test', Date.UTC(2026, 4, 1, 18)],
      ['@gone:camp.test', null],
      ['@new:camp.test', null],
      ['@removed:camp.test', Date.UTC(2026, 1, 2)],
    ]);
  });
});

describe('when the members last used a client', () => {
  const warnings: string[] = [];
  const log: Logger = { debug: () => undefined, info: () => undefined, warn: (message) => { warnings.push(message); }, error: () => undefined, child: () => log };

  it('is read from the homeserver\'s admin API, and needs no sentence under the table', async () => {
    const seen = await readLastSeen(() => Promise.resolve(new Map([['@alice:camp.test', 5]])), log);
    assert.deepEqual([...lastSeenTimes(seen)], [['@alice:camp.test', 5]]);
    assert.equal(lastSeenNote(seen), null);
  });

  it('without an admin token, is known for no one, and the page says what would make it known', async () => {
    const seen = await readLastSeen(null, log);
    assert.equal(lastSeenTimes(seen).size, 0);
    assert.match(lastSeenNote(seen) ?? '', /^Last seen needs homeserver\.admin_token in Hearth's config: Synapse keeps when each account last used a client/);
  });

  it('when the admin API fails, is known for no one, the page says it could not be read, and the log says why', async () => {
    warnings.length = 0;
    const seen = await readLastSeen(() => Promise.reject(new Error('Synapse admin API /_synapse/admin/v2/users: 502')), log);
    assert.equal(lastSeenTimes(seen).size, 0);
    assert.match(lastSeenNote(seen) ?? '', /^Last seen could not be read from Synapse's admin API just now/);
    assert.equal(warnings.length, 1);
  });
});

describe('the repair log, as the dashboard lists it', () => {
  const entry = (changes: Partial<RepairEntry>): RepairEntry => ({
    roomId: '!square:camp.test', roomName: 'Public square', tier: 'public', stateType: 'm.room.history_visibility',
    previous: '{"history_visibility":"joined"}', restored: '{"history_visibility":"world_readable"}', trigger: 'after a change by @mallory:camp.test',
    repairedAt: Date.UTC(2026, 5, 7, 9, 30, 15), ...changes,
  });

  it('says when, where, what the room had and what was put back, and why Hearth looked', () => {
    assert.deepEqual(repairRows([entry({})]), [{
      when: '2026-06-07 09:30 UTC', isoTime: '2026-06-07T09:30:15.000Z', roomName: 'Public square', roomId: '!square:camp.test', tier: 'public',
      stateType: 'm.room.history_visibility', was: { text: '{"history_visibility":"joined"}', preview: null },
      restored: { text: '{"history_visibility":"world_readable"}', preview: null }, why: 'after a change by @mallory:camp.test',
    }]);
  });

  it('keeps a missing event apart from its content, and folds a long ACL behind its first characters', () => {
    const acl = JSON.stringify({ allow: ['camp.test'], allow_ip_literals: false, deny: Array.from({ length: 30 }, (_, i) => `spam${i}.example`) });
    const [row] = repairRows([entry({ stateType: 'm.room.server_acl', previous: null, restored: acl })]);
    assert.equal(row?.was, null);
    assert.equal(row.restored.text, acl);
    const preview = row.restored.preview ?? '';
    assert.match(preview, /^\{"allow":\["camp\.test"\],.*…$/);
    assert.ok(acl.startsWith(preview.slice(0, -1)) && preview.length < 120, preview);
  });
});
