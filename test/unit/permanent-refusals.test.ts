// A refusal for good (a 4xx that asking again cannot change, such as an event
// too large) is never retried: the inbox sets its event aside at once with
// the reason, the member still gets a short answer, and queued work gives up
// on it at once. A 429 is the opposite: waited out, capped, and no failure.
// And an outage of the database is logged when it starts and when it ends,
// not at every try.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handleCommandMessages } from '../../src/bot/conversation.ts';
import type { CommandTable } from '../../src/commands/table.ts';
import type { HomeserverClient } from '../../src/matrix/client.ts';
import type { MatrixEvent } from '../../src/matrix/event.ts';
import { InboxWorker } from '../../src/matrix/inbox/worker.ts';
import { MatrixError, permanentRefusal } from '../../src/matrix/matrix-error.ts';
import type { StoredEvent } from '../../src/store/inbox-store.ts';
import { partial } from '../support/command-catalog.ts';
import { MemoryInboxStore } from '../support/memory-inbox-store.ts';
import { recordingLogger, type LogLine } from '../support/recording-logger.ts';

const HOUR_MS = 3_600_000;

const tooLarge = (): MatrixError => new MatrixError({ errcode: 'M_TOO_LARGE', error: 'event too large' }, 413);
const rateLimited = (retryAfterMs: number): MatrixError => new MatrixError({ errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: retryAfterMs }, 429);

function workerOn(store: MemoryInboxStore, handle: (event: MatrixEvent) => Promise<void>, lines: LogLine[] = []): InboxWorker {
  return new InboxWorker({ store, handle, log: recordingLogger(lines), maxAttempts: 45, retryBaseMs: HOUR_MS, retryMaxMs: HOUR_MS, batchSize: 100 });
}

describe('which refusals are for good', () => {
  it('a 4xx is, unless it means "not now" or concerns Hearth\'s own token', () => {
    assert.ok(permanentRefusal(tooLarge()));
    assert.ok(permanentRefusal(new MatrixError({ errcode: 'M_FORBIDDEN' }, 403)));
    assert.ok(permanentRefusal(new MatrixError({ errcode: 'M_INVITE_BLOCKED' }, 403)));
    assert.ok(permanentRefusal(new Error('while answering', { cause: tooLarge() })), 'a wrapped refusal counts');
    for (const notNow of [rateLimited(100), new MatrixError({ errcode: 'M_LIMIT_EXCEEDED' }, 400), new MatrixError({ errcode: 'M_RESOURCE_LIMIT_EXCEEDED' }, 403),
      new MatrixError({ errcode: 'M_UNKNOWN_TOKEN' }, 401), new MatrixError({}, 408), new MatrixError({ errcode: 'M_UNKNOWN' }, 500), new MatrixError({}, 502), new Error('fetch failed')]) {
      assert.equal(permanentRefusal(notNow), null, notNow.message);
    }
  });
});

describe('the inbox and a refusal for good', () => {
  it('sets the event aside at its first attempt, logs why, and goes on with the next events', async () => {
    const store = new MemoryInboxStore();
    store.add('$huge', '$next');
    const lines: LogLine[] = [];
    const worker = workerOn(store, (event) => (event.event_id === '$huge' ? Promise.reject(tooLarge()) : Promise.resolve()), lines);
    worker.start();
    await worker.idle();
    await worker.stop();
    assert.deepEqual([store.row('$huge').status, store.row('$huge').attempts], ['failed', 1]);
    assert.match(store.row('$huge').lastError ?? '', /M_TOO_LARGE \(413\): event too large/);
    assert.equal(store.row('$next').status, 'done');
    const setAside = lines.filter((l) => l.level === 'error');
    assert.equal(setAside.length, 1);
    assert.deepEqual(setAside[0]?.fields, { event_id: '$huge', attempts: 1, reason: 'M_TOO_LARGE (413): event too large' });
  });

  it('retries what may work later: a 429, a 5xx, a network error, a bad token of its own', async () => {
    const failures: Record<string, Error> = {
      $limited: rateLimited(1_000),
      $unavailable: new MatrixError({ errcode: 'M_UNKNOWN' }, 502),
      $network: new TypeError('fetch failed'),
      $token: new MatrixError({ errcode: 'M_UNKNOWN_TOKEN' }, 401),
    };
    const store = new MemoryInboxStore();
    store.add(...Object.keys(failures));
    const worker = workerOn(store, (event) => Promise.reject(failures[event.event_id] ?? new Error('unexpected')));
    worker.start();
    await worker.idle();
    await worker.stop();
    for (const id of Object.keys(failures)) assert.deepEqual([id, store.row(id).status, store.row(id).attempts], [id, 'pending', 1]);
  });
});

describe('a member whose answer the homeserver refuses for good', () => {
  it('gets a short answer instead, and the event is left to be set aside with the reason', async () => {
    const sent: { txnId: string; body: unknown }[] = [];
    // A plain object: a promise resolving to it must not find a `then` to call.
    const sending: Pick<HomeserverClient, 'userId' | 'sendEvent'> = {
      userId: '@hearth:camp.test',
      sendEvent: (_room, _type, content, txnId) => {
        if (txnId.startsWith('reply.')) return Promise.reject(tooLarge());
        sent.push({ txnId, body: content.body });
        return Promise.resolve('$answer');
      },
    };
    const responder = sending as HomeserverClient;
    const handle = handleCommandMessages({
      responderFor: () => Promise.resolve(responder),
      table: partial<CommandTable>('table', { execute: () => Promise.resolve({ text: 'x'.repeat(70_000), reveals: 'public' }) }),
      serverName: 'camp.test', admins: [], isOwnBot: () => false, isMember: () => true,
      directMessage: () => Promise.reject(new Error('no DM expected')),
      log: recordingLogger([]),
    });
    const command: MatrixEvent = { event_id: '$cmd', room_id: '!dm:camp.test', sender: '@alice:camp.test', type: 'm.room.message', origin_server_ts: 0, content: { msgtype: 'm.text', body: '!help' } };
    await assert.rejects(handle(command), (error: unknown) => error instanceof MatrixError && error.errcode === 'M_TOO_LARGE');
    assert.deepEqual(sent, [{ txnId: 'refused.$cmd', body: 'I could not send you my answer: the homeserver refused it (M_TOO_LARGE). Try a shorter command, or ask your admin.' }]);
  });
});

describe('an outage of the database under the inbox worker', () => {
  it('is logged once when it starts and once when it ends, whatever the number of tries between', async () => {
    const store = new MemoryInboxStore();
    store.add('$during');
    const lines: LogLine[] = [];
    let failuresLeft = 25;
    let recovered: () => void = () => undefined;
    const back = new Promise<void>((resolve) => { recovered = resolve; });
    const dueEvents = store.dueEvents.bind(store);
    store.dueEvents = (now: number, limit: number): Promise<StoredEvent[]> => {
      if (failuresLeft > 0) {
        failuresLeft--;
        const refused = new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return Promise.reject(refused);
      }
      recovered();
      return dueEvents(now, limit);
    };
    const worker = new InboxWorker({ store, handle: () => Promise.resolve(), log: recordingLogger(lines), maxAttempts: 45, retryBaseMs: 1, retryMaxMs: HOUR_MS, batchSize: 100 });
    worker.start();
    await back;
    await worker.idle();
    await worker.stop();
    assert.equal(store.row('$during').status, 'done');
    const said = lines.filter((l) => l.level !== 'debug');
    assert.deepEqual(said.map((l) => [l.level, l.message]), [
      ['error', "the inbox's database is failing; trying again until it works, and saying so once it does"],
      ['info', "the inbox's database works again"],
    ]);
    assert.equal(said[0]?.fields.error, 'connect ECONNREFUSED 127.0.0.1:5432', 'the message, without a stack trace');
    assert.equal(said[1]?.fields.failures, 25);
  });
});
