// The job kinds on the runner, with fakes for the homeserver: a broadcast sent
// again after a crash that the homeserver forgot, the sender's report, and the
// ACL push's notices.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DirectMessage, DirectMessenger } from '../../src/community/direct-messages.ts';
import { JobRunner, type Clock } from '../../src/jobs/index.ts';
import { aclPushKind, ACL_PUSH } from '../../src/jobs/kinds/acl-push.ts';
import { BUGLE_DELIVERY, bugleDeliveryKind } from '../../src/jobs/kinds/bugle-delivery.ts';
import { ROOM_CHECK, roomCheckKind, roomCheckReport, roomCheckSubject } from '../../src/jobs/kinds/room-check.ts';
import { MatrixError } from '../../src/matrix/matrix-error.ts';
import type { Broadcast } from '../../src/store/bugle-store.ts';
import { MemoryJobsStore } from '../support/memory-jobs-store.ts';
import { silentLogger } from '../support/silent-logger.ts';

const instantClock: Clock = { now: () => 0, sleep: () => Promise.resolve() };
const broadcast: Broadcast = { id: 7, sender: '@herald:camp.test', body: 'Soup at the hall', digest: 'd', reportRoomId: '!report', recipientCount: 2, optedOutCount: 1, createdAt: 0, finishedAt: null };

/** DM rooms as the homeserver keeps them: each message once per txnId, unless it restarted and forgot them. */
class FakeDms {
  readonly rooms = new Map<string, { id: string; text: string }[]>();
  remembered = new Set<string>();
  failAfterSend = new Set<string>();
  refuse = new Map<string, MatrixError>();

  messenger(): Pick<DirectMessenger, 'roomWith' | 'send' | 'existingRooms' | 'alreadySent'> {
    return {
      roomWith: (userId) => Promise.resolve({ roomId: `!dm-${userId}`, created: false }),
      existingRooms: () => Promise.resolve(new Map()),
      alreadySent: (roomId, id) => Promise.resolve((this.rooms.get(roomId) ?? []).some((m) => m.id === id)),
      send: (userId: string, message: DirectMessage, known?: string) => {
        const refusal = this.refuse.get(userId);
        if (refusal) return Promise.reject(refusal);
        const roomId = known ?? `!dm-${userId}`;
        if (!this.remembered.has(`${roomId} ${message.id}`)) {
          this.remembered.add(`${roomId} ${message.id}`);
          this.rooms.set(roomId, [...(this.rooms.get(roomId) ?? []), { id: message.id, text: message.text }]);
        }
        if (this.failAfterSend.delete(userId)) return Promise.reject(new TypeError('fetch failed', { cause: new Error('socket hang up') }));
        return Promise.resolve(roomId);
      },
    };
  }

  copiesOf(userId: string, id: string): number {
    return (this.rooms.get(`!dm-${userId}`) ?? []).filter((m) => m.id === id).length;
  }
}

function bugleRunner(jobs: MemoryJobsStore, dms: FakeDms, stop: AbortSignal): JobRunner {
  const runner = new JobRunner({ store: jobs, log: silentLogger(), stop, clock: instantClock });
  runner.register(bugleDeliveryKind({
    bot: { profile: () => Promise.resolve({ displayname: 'Herald' }) },
    messenger: dms.messenger(),
    store: { broadcast: () => Promise.resolve(broadcast), finish: () => Promise.resolve() },
    jobs, serverName: 'camp.test', concurrency: 1, delayMs: 0, log: silentLogger(),
  }));
  return runner;
}

describe('a Bugle delivery', () => {
  it('sends each copy once across a crash after the send, even when the homeserver forgot the transaction ID', async () => {
    const jobs = new MemoryJobsStore();
    const dms = new FakeDms();
    const crash = new AbortController();
    dms.failAfterSend.add('@a:camp.test');
    const first = bugleRunner(jobs, dms, crash.signal);
    const job = await jobs.create(BUGLE_DELIVERY, 0, () => Promise.resolve({ subject: '7', items: ['@a:camp.test', '@b:camp.test'] }));
    // The copy went out, the answer was lost, and Hearth stopped before trying again.
    const stopAfterFirstTry = jobs.recordTry.bind(jobs);
    jobs.recordTry = async (...args) => { crash.abort(); await stopAfterFirstTry(...args); };
    await first.resume(BUGLE_DELIVERY);
    await first.idle();
    assert.equal(jobs.item(job.id, '@a:camp.test').status, 'pending');
    assert.equal(jobs.item(job.id, '@a:camp.test').txnId, 'dm.bugle.7.@a:camp.test', 'kept before the send');

    dms.remembered = new Set(); // the homeserver restarted
    const second = bugleRunner(jobs, dms, new AbortController().signal);
    await second.resume(BUGLE_DELIVERY);
    await second.idle();
    assert.equal(dms.copiesOf('@a:camp.test', 'bugle.7.@a:camp.test'), 1, 'found in the room, not sent again');
    assert.equal(dms.copiesOf('@b:camp.test', 'bugle.7.@b:camp.test'), 1);
    assert.deepEqual(jobs.job(job.id).items.map((i) => [i.status, i.note]), [['done', 'found'], ['done', 'sent']]);
  });

  it('tells the sender which copies failed and why, and who refuses invitations', async () => {
    const jobs = new MemoryJobsStore();
    const dms = new FakeDms();
    dms.refuse.set('@c:camp.test', new MatrixError({ errcode: 'M_FORBIDDEN', error: 'not allowed' }, 403));
    dms.refuse.set('@d:camp.test', new MatrixError({ errcode: 'M_INVITE_BLOCKED', error: 'blocked' }, 403));
    const runner = bugleRunner(jobs, dms, new AbortController().signal);
    await runner.enqueue(BUGLE_DELIVERY, '7', ['@b:camp.test', '@c:camp.test', '@d:camp.test']);
    await runner.idle();
    const report = dms.rooms.get('!dm-@herald:camp.test')?.map((m) => m.text);
    assert.deepEqual(report, ['Your broadcast is out: delivered 1, opted out 1, refused 1, failed 1. ' +
      'Failed: @c:camp.test (refused for good: M_FORBIDDEN (403): not allowed). ' +
      'Refused: @d:camp.test, who accept no invitations, so the Bugle cannot open a chat with them.']);
  });
});

describe('an ACL push', () => {
  it('goes through the reconciler room by room and reports the end, even when a progress notice fails', async () => {
    const jobs = new MemoryJobsStore();
    const calls: string[] = [];
    const notices: string[] = [];
    let time = 0;
    const runner = new JobRunner({ store: jobs, log: silentLogger(), stop: new AbortController().signal, clock: { now: () => time, sleep: () => Promise.resolve() } });
    runner.register(aclPushKind({
      reconciler: {
        reconcileAcl: (roomId) => { calls.push(`acl ${roomId}`); time += 10_000; return Promise.resolve(true); },
        reconcileMembers: (roomId, trigger) => { calls.push(`members ${roomId} (${trigger.kind === 'job' ? trigger.reason : ''})`); return Promise.resolve([]); },
      },
      store: jobs,
      notify: (text) => {
        if (text.includes('…')) return Promise.reject(new TypeError('fetch failed'));
        notices.push(text);
        return Promise.resolve();
      },
      concurrency: 1, progressEveryMs: 5_000, roomDelayMs: 0,
    }));
    const job = await runner.enqueue(ACL_PUSH, 'far.test defederated', ['!a', '!b', '!c']);
    await runner.idle();
    assert.deepEqual(calls, ['acl !a', 'members !a (far.test defederated)', 'acl !b', 'members !b (far.test defederated)', 'acl !c', 'members !c (far.test defederated)']);
    assert.deepEqual(notices, ['ACL applied to 3/3 rooms: done. (far.test defederated)']);
    assert.notEqual(jobs.job(job.id).record.finishedAt, null);
  });
});

describe('a room check', () => {
  it('passes every room through the reconciler and answers the command with the repairs counted and the failures named', async () => {
    const jobs = new MemoryJobsStore();
    const notices: { text: string; replyTo: unknown }[] = [];
    const runner = new JobRunner({ store: jobs, log: silentLogger(), stop: new AbortController().signal, clock: instantClock });
    runner.register(roomCheckKind({
      reconciler: {
        reconcileRoom: (roomId, trigger) => {
          assert.deepEqual(trigger, { kind: 'request', by: '@admin:camp.test' });
          if (roomId === '!gone') return Promise.reject(new MatrixError({ errcode: 'M_FORBIDDEN', error: 'not in room' }, 403));
          return Promise.resolve(roomId === '!drifted' ? [{ type: 'm.room.join_rules', stateKey: '', content: {}, previous: null, previousSender: null }] : []);
        },
      },
      store: jobs,
      notify: (text, options) => { notices.push({ text, replyTo: options?.replyTo }); return Promise.resolve(); },
    }));
    const request = { by: '@admin:camp.test', roomId: '!admin', eventId: '$command' };
    await runner.enqueue(ROOM_CHECK, roomCheckSubject(request), ['!a', '!drifted', '!gone']);
    await runner.idle();
    assert.equal(notices.length, 1);
    assert.match(notices[0]?.text ?? '', /^Checked 2 rooms: made 1 repair, each reported above\. 1 room could not be checked \(!gone: .*M_FORBIDDEN.*\); say !reconcile again to retry\.$/);
    assert.deepEqual(notices[0]?.replyTo, request);
  });

  it('says every room is as its tier says when nothing drifted', () => {
    assert.equal(roomCheckReport(3, 0, []), 'Checked 3 rooms: every room is as its tier says.');
  });
});
