// Sixty people get an account on glen.test at the same moment. Each must get
// exactly one invitation to each welcome room (the space, the local timeline
// and the two squares), however the member polls, a SIGTERM and a restart fall;
// and SIGTERM must end Hearth promptly. Invitation requests are counted in
// Synapse's access log: Synapse answers a repeated invitation with the first
// one's event, so room state alone cannot tell one request from ten. These
// tests stop and start glen's Hearth, so they run after the shared suite.
import assert from 'node:assert/strict';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startHearth, stopHearth } from '../../testbed/testbed.ts';
import { botOf, managedRoom, withHearthDb } from '../support/hearth.ts';
import { Member, server, waitFor } from '../support/member.ts';

const GLEN = 'glen.test';
const WELCOME_ROLES = ['space', 'local_timeline', 'neighborhood_square', 'public_square'];
const CROWD = 60;
const INVITE_REQUEST = /\{(@[^}]+)\} Processed request: .* "POST \/_matrix\/client\/(?:v3|r0)\/rooms\/([^/ ]+)\/invite HTTP\/1\.1"/;

/** Where glen's Synapse log ends now: requests are counted from there. */
function logMark(): number {
  return statSync(server(GLEN).synapse_log).size;
}

/** The bot's invitation requests to `rooms` that glen's Synapse has answered since `mark`. */
function invitationRequests(mark: number, rooms: readonly string[]): number {
  const path = server(GLEN).synapse_log;
  const length = statSync(path).size - mark;
  const bytes = Buffer.alloc(Math.max(0, length));
  const file = openSync(path, 'r');
  try {
    readSync(file, bytes, 0, bytes.length, mark);
  } finally {
    closeSync(file);
  }
  // The last line may still be being written: only whole lines count.
  const lines = bytes.toString('utf8').split('\n').slice(0, -1);
  const bot = botOf(GLEN);
  return lines.filter((line) => {
    const match = INVITE_REQUEST.exec(line);
    return match?.[1] === bot && rooms.includes(decodeURIComponent(match[2] ?? ''));
  }).length;
}

/** Each room's members as glen's Synapse has them (admin API): membership and who set it, by user. */
async function memberships(roomId: string): Promise<Map<string, { membership: unknown; sender: string }>> {
  const admin = Member.admin(GLEN);
  const response = await fetch(`${admin.server.client_url}/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/state`, {
    headers: { authorization: `Bearer ${admin.server.admin_access_token}` },
  });
  if (!response.ok) throw new Error(`room state of ${roomId}: ${response.status}`);
  const { state } = (await response.json()) as { state: { type: string; state_key: string; sender: string; content: Record<string, unknown> }[] };
  return new Map(state.filter((e) => e.type === 'm.room.member').map((e) => [e.state_key, { membership: e.content.membership, sender: e.sender }]));
}

/** The people among `userIds` not yet invited by the bot to every one of `rooms`. */
async function notInvitedEverywhere(userIds: readonly string[], rooms: readonly string[]): Promise<string[]> {
  const bot = botOf(GLEN);
  const byRoom = await Promise.all(rooms.map(memberships));
  return userIds.filter((userId) => byRoom.some((members) => {
    const entry = members.get(userId);
    return entry?.membership !== 'invite' || entry.sender !== bot;
  }));
}

async function invitationRows(userIds: readonly string[]): Promise<{ status: string; count: number }[]> {
  return withHearthDb(GLEN, async (db) => {
    const rows = await db<{ user_id: string; status: string }>('member_invitations').whereIn('user_id', [...userIds]).select('status');
    const counts = new Map<string, number>();
    for (const { status } of rows) counts.set(status, (counts.get(status) ?? 0) + 1);
    return [...counts].map(([status, count]) => ({ status, count }));
  });
}

async function deactivate(userId: string): Promise<void> {
  const admin = server(GLEN);
  const response = await fetch(`${admin.client_url}/_synapse/admin/v1/deactivate/${encodeURIComponent(userId)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.admin_access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ erase: false }),
  });
  if (!response.ok) throw new Error(`deactivating ${userId}: ${response.status}`);
}

/** Registers one more member and waits for their four invitations: a whole pass has run since. */
async function latecomer(rooms: readonly string[]): Promise<Member> {
  const member = await Member.register(GLEN, 'latecomer');
  await waitFor(`${member.userId}'s invitations`, async () => (await notInvitedEverywhere([member.userId], rooms)).length === 0, 60_000);
  return member;
}

describe('sixty members arriving at once', () => {
  let rooms: string[] = [];
  const everyone: string[] = [];

  before(async () => {
    rooms = await Promise.all(WELCOME_ROLES.map((role) => managedRoom(GLEN, role)));
  });

  after(async () => {
    // Leave glen's Hearth running, and its community as the later tests expect it: these accounts gone.
    if (server(GLEN).hearth?.pid === null) await startHearth(GLEN);
    for (const userId of everyone) await deactivate(userId);
  });

  it('get exactly one invitation per welcome room, though Hearth is stopped in the middle and started again', async () => {
    const mark = logMark();
    const crowd = await Promise.all(Array.from({ length: CROWD }, () => Member.register(GLEN, 'crowd')));
    const crowdIds = crowd.map((m) => m.userId);
    everyone.push(...crowdIds);

    await waitFor('the invitations to begin', () => Promise.resolve(invitationRequests(mark, rooms) >= 20), 60_000);
    // stopHearth throws if Hearth ignores SIGTERM for 20 s.
    await stopHearth(GLEN);
    await startHearth(GLEN);

    await waitFor('every member to be invited to every welcome room', async () => (await notInvitedEverywhere(crowdIds, rooms)).length === 0, 180_000);
    const late = await latecomer(rooms);
    everyone.push(late.userId);
    const expected = (CROWD + 1) * rooms.length;
    await waitFor(`${expected} invitation requests in Synapse's log`, () => Promise.resolve(invitationRequests(mark, rooms) >= expected));
    assert.equal(invitationRequests(mark, rooms), expected, 'one invitation request per member and room, none repeated');
    assert.deepEqual(await invitationRows([...crowdIds, late.userId]), [{ status: 'sent', count: expected }]);
  });

  it('once all are invited, SIGTERM ends Hearth promptly and a restart sends none of them again', async () => {
    const mark = logMark();
    await stopHearth(GLEN);
    await startHearth(GLEN);
    const late = await latecomer(rooms);
    everyone.push(late.userId);
    await waitFor('the latecomer\'s invitation requests in Synapse\'s log', () => Promise.resolve(invitationRequests(mark, rooms) >= rooms.length));
    assert.equal(invitationRequests(mark, rooms), rooms.length, 'only the latecomer was invited');
  });
});
