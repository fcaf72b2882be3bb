import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { MemberDirectory } from '../../src/community/members.ts';
import { outcomeOfFailure } from '../../src/community/welcome-invitations.ts';
import { MatrixError } from '../../src/matrix/client.ts';
import type { MatrixEvent } from '../../src/matrix/event.ts';
import { FakeHomeserver, MemoryInvitations, MemoryMembers } from '../support/community-fakes.ts';
import { recordingLogger, type LogLine } from '../support/recording-logger.ts';

const ROOMS = ['!space', '!timeline', '!neighborhood', '!public'];
const POLL_SECONDS = 60;
const alice = '@alice:camp.test';
const bob = '@bob:camp.test';
const carol = '@carol:camp.test';
const dave = '@dave:camp.test';

/** A members' directory over in-memory stores and a fake homeserver; `accounts` is what the admin API lists. */
function community(options: { accounts?: string[]; homeserver?: FakeHomeserver; members?: MemoryMembers; invitations?: MemoryInvitations } = {}) {
  const homeserver = options.homeserver ?? new FakeHomeserver();
  const members = options.members ?? new MemoryMembers();
  const invitations = options.invitations ?? new MemoryInvitations();
  const log: LogLine[] = [];
  const adminCalls = { count: 0 };
  const accounts = options.accounts;
  const directory = new MemberDirectory({
    client: homeserver,
    members,
    invitations,
    serverName: 'camp.test',
    welcomeRooms: () => Promise.resolve([...ROOMS]),
    spaceId: () => Promise.resolve('!space'),
    isOwnBot: (userId) => userId === '@hearth:camp.test',
    admin: accounts ? { localUsers: () => { adminCalls.count++; return Promise.resolve([...accounts]); } } : null,
    pollSeconds: POLL_SECONDS,
    log: recordingLogger(log),
    now: () => 1_000,
  });
  return { directory, homeserver, members, invitations, log, adminCalls };
}

function messageFrom(sender: string, n: number): MatrixEvent {
  return { event_id: `$${sender}-${n}`, room_id: '!dm', type: 'm.room.message', sender, content: { body: 'hi' }, origin_server_ts: n };
}

/** Lets every pending promise and I/O callback run (the fakes answer at once). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

function nextPoll(t: TestContext): Promise<void> {
  t.mock.timers.tick(POLL_SECONDS * 1000);
  return settle();
}

const everyInvitation = (...userIds: string[]): string[] => userIds.flatMap((u) => ROOMS.map((r) => `${r} ${u}`)).sort();

describe('inviting members, one pass at a time', () => {
  it('sends each invitation once, one at a time, while polls and first contacts pile up during a pass', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { directory, homeserver, members, adminCalls } = community({ accounts: [alice, bob] });
    const release = homeserver.hold();
    const firstInvite = homeserver.nextInvite();
    directory.start();
    await firstInvite;

    // While the first invitation hangs: polls come due, and members write to the bot, many times each.
    for (let poll = 0; poll < 10; poll++) t.mock.timers.tick(POLL_SECONDS * 1000);
    for (let n = 0; n < 5; n++) {
      for (const sender of [carol, dave, alice]) await directory.handleEvent(messageFrom(sender, n));
    }
    assert.equal(adminCalls.count, 1, 'no poll starts while a pass runs');
    assert.equal(homeserver.invites.length, 1);

    release();
    await directory.idle();
    assert.deepEqual([...homeserver.invites].sort(), everyInvitation(alice, bob, carol, dave));
    assert.equal(homeserver.maxInFlight, 1, 'one invitation at a time');
    assert.equal(members.awaitingReads, 2, 'the first contacts during the pass asked for one more pass, together');
    assert.equal(adminCalls.count, 2);

    await nextPoll(t);
    await nextPoll(t);
    assert.equal(adminCalls.count, 4, 'the timer polls again after each pass ends');
    assert.equal(homeserver.invites.length, 16, 'members invited in full are never invited again');
    await directory.stop();
  });

  it('keeps an invitation that failed for a transient reason owed, and sends it on a later pass', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { directory, homeserver, members, invitations, log } = community();
    homeserver.failNext('!neighborhood', alice, { error: new MatrixError({ errcode: 'M_UNKNOWN', error: 'Internal server error' }, 502) });
    await members.addNew([alice, bob], 1);
    directory.start();
    await settle();

    assert.equal((await members.get(alice))?.invitedAt, null, 'alice is still owed an invitation');
    assert.equal((await members.get(bob))?.invitedAt, 1_000, 'a server error for alice does not hold bob back');
    assert.deepEqual(invitations.statusOf('!neighborhood', alice), {
      userId: alice, roomId: '!neighborhood', status: 'claimed', attempts: 1,
      lastError: 'M_UNKNOWN (502): Internal server error', updatedAt: 1_000,
    });
    assert.ok(log.some((l) => l.level === 'info' && l.message === 'could not invite a member yet; will try again' && l.fields.room_id === '!neighborhood'));

    await nextPoll(t);
    assert.equal((await members.get(alice))?.invitedAt, 1_000);
    assert.equal(homeserver.invitesOf('!neighborhood', alice), 2, 'sent again after the failure');
    assert.deepEqual(ROOMS.map((r) => homeserver.invitesOf(r, alice)), [1, 1, 2, 1], 'and nothing else twice');
    assert.deepEqual(homeserver.stateReads, [`!neighborhood ${alice}`], 'the membership was checked before sending it again');
    await directory.stop();
  });

  it('does not send again an invitation the homeserver took before the answer was lost, and waits out a rate limit', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { directory, homeserver, members } = community();
    homeserver.failNext('!space', alice, { error: new TypeError('fetch failed'), applied: true });
    homeserver.failNext('!space', bob, { error: new MatrixError({ errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests' }, 429) });
    await members.addNew([alice, bob, carol], 1);
    directory.start();
    await settle();
    assert.deepEqual(homeserver.invites, [`!space ${alice}`], 'no answer from the homeserver ends the pass');

    await nextPoll(t);
    assert.deepEqual(homeserver.invites.slice(1), [`!timeline ${alice}`, `!neighborhood ${alice}`, `!public ${alice}`, `!space ${bob}`],
      'alice\'s space invitation is found in the room, not sent again; the rate limit on bob ends that pass');
    await nextPoll(t);
    assert.deepEqual([...homeserver.invites].sort(), [...everyInvitation(alice, bob, carol), `!space ${bob}`].sort());
    assert.equal((await members.all()).every((m) => m.invitedAt !== null), true);
    await directory.stop();
  });

  it('counts "already in the room" as done, and gives up a refused invitation, saying why', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { directory, homeserver, members, invitations, log } = community();
    homeserver.failNext('!timeline', alice, { error: new MatrixError({ errcode: 'M_FORBIDDEN', error: `${alice} is already in the room.` }, 403) });
    homeserver.failNext('!public', alice, { error: new MatrixError({ errcode: 'M_INVITE_BLOCKED', error: 'You are not permitted to invite this user.' }, 403) });
    await members.addNew([alice], 1);
    directory.start();
    await settle();

    assert.equal((await members.get(alice))?.invitedAt, 1_000);
    assert.equal(invitations.statusOf('!timeline', alice)?.status, 'sent');
    assert.equal(invitations.statusOf('!public', alice)?.status, 'given_up');
    const warning = log.find((l) => l.level === 'warn');
    assert.deepEqual(warning, {
      level: 'warn', message: 'gave up inviting a member',
      fields: { room_id: '!public', user_id: alice, reason: 'M_INVITE_BLOCKED (403): You are not permitted to invite this user.' },
    });
    await nextPoll(t);
    assert.equal(homeserver.invites.length, 4, 'a refused invitation is not tried again');
    await directory.stop();
  });

  it('stop() waits for the invitation in hand, sends no other, and polls no more', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { directory, homeserver, invitations, adminCalls } = community({ accounts: [alice, bob] });
    const release = homeserver.hold();
    const firstInvite = homeserver.nextInvite();
    directory.start();
    await firstInvite;

    let stopped = false;
    const stopping = directory.stop().then(() => { stopped = true; });
    await settle();
    assert.equal(stopped, false, 'stop() waits for the running pass');
    release();
    await stopping;
    assert.deepEqual(homeserver.invites, [`!space ${alice}`]);
    assert.equal(invitations.statusOf('!space', alice)?.status, 'sent', 'the invitation in hand is recorded');

    await directory.handleEvent(messageFrom(carol, 1));
    await nextPoll(t);
    assert.equal(adminCalls.count, 1);
    assert.equal(homeserver.invites.length, 1, 'nothing runs after stop()');
  });

  it('invites the members already welcomed to a room added later in the one pass, never beside it, retrying a failure', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { directory, homeserver, members } = community();
    await members.addNew([alice, bob], 1);
    await members.markInvited(alice, 1);
    await members.markInvited(bob, 1);
    await members.addNew([carol], 2);
    const serverError = { error: new MatrixError({ errcode: 'M_UNKNOWN', error: 'Internal server error' }, 500) };
    homeserver.failNext('!neighbor', bob, serverError, serverError);
    const release = homeserver.hold();
    const firstInvite = homeserver.nextInvite();
    directory.start();
    await firstInvite;

    // A neighbor's room, joined while carol is being welcomed.
    const added = directory.inviteWelcomedTo('!neighbor');
    release();
    await added;
    const neighborInvites = (): number[] => [alice, bob, carol].map((userId) => homeserver.invitesOf('!neighbor', userId));
    assert.equal(homeserver.maxInFlight, 1, 'never beside the pass that welcomes carol');
    assert.deepEqual(neighborInvites(), [1, 2, 1], 'bob\'s failed once in each of the two passes');
    await nextPoll(t);
    assert.deepEqual(neighborInvites(), [1, 3, 1], 'the room stays owed to bob until his invitation goes through');
    await nextPoll(t);
    assert.deepEqual(neighborInvites(), [1, 3, 1]);
    await directory.stop();
  });

  it('after a restart, sends only what is still owed, checking a claim whose outcome is unknown', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const homeserver = new FakeHomeserver();
    const members = new MemoryMembers();
    const invitations = new MemoryInvitations();
    await members.addNew([alice, bob], 1);
    await invitations.claim(alice, '!space', 1);
    await invitations.settle(alice, '!space', 'sent', 1);
    // A crash between claiming and sending (bob), and one between sending and recording (alice's timeline).
    await invitations.claim(bob, '!space', 1);
    await invitations.claim(alice, '!timeline', 1);
    homeserver.memberships.set(`!timeline ${alice}`, 'invite');

    const { directory } = community({ homeserver, members, invitations });
    directory.start();
    await settle();
    assert.deepEqual([...homeserver.invites].sort(), [...everyInvitation(alice, bob)].filter((i) => i !== `!space ${alice}` && i !== `!timeline ${alice}`).sort());
    assert.equal((await members.all()).every((m) => m.invitedAt !== null), true);
    await directory.stop();
  });
});

describe('what a failed invitation means', () => {
  const matrix = (status: number, errcode: string, error: string) => outcomeOfFailure(new MatrixError({ errcode, error }, status));

  it('tries again after a network error, a rate limit or a server error', () => {
    assert.deepEqual(outcomeOfFailure(new TypeError('fetch failed')), { kind: 'retry', reason: 'fetch failed', pause: true });
    assert.equal(matrix(429, 'M_LIMIT_EXCEEDED', 'slow down').kind, 'retry');
    assert.deepEqual(matrix(503, 'M_UNKNOWN', 'busy'), { kind: 'retry', reason: 'M_UNKNOWN (503): busy', pause: false });
  });

  it('takes "already in the room" as done and any other refusal as final', () => {
    assert.deepEqual(matrix(403, 'M_FORBIDDEN', '@a:camp.test is already in the room.'), { kind: 'sent' });
    assert.equal(matrix(403, 'M_INVITE_BLOCKED', 'You are not permitted to invite this user.').kind, 'given_up');
    assert.equal(matrix(404, 'M_NOT_FOUND', 'Unknown user').kind, 'given_up');
    assert.equal(matrix(403, 'M_FORBIDDEN', '@a:camp.test is banned from the room').kind, 'given_up');
  });
});
