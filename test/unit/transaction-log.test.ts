// What the transaction listener writes to the log when the homeserver's
// transactions cannot be recorded, or hold malformed events: a bounded number
// of lines, however often the homeserver resends and however many events.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createAppserviceApp } from '../../src/matrix/appservice/server.ts';
import type { IncomingEvent, InboxStore } from '../../src/store/inbox-store.ts';
import { messageEvent, pushTransaction } from '../support/homeserver-push.ts';
import { MemoryInboxStore } from '../support/memory-inbox-store.ts';
import { recordingLogger, type LogLine } from '../support/recording-logger.ts';
import { waitUntil } from '../support/wait-until.ts';

interface Hold { holdMs: number; holdRetryMs: number; accepting?: () => boolean }

async function listener(inbox: InboxStore, lines: LogLine[], hold: Hold = { holdMs: 0, holdRetryMs: 0 }): Promise<{ url: string; close: () => void }> {
  const app = createAppserviceApp({
    hsToken: 'h'.repeat(64), acceptLegacyQueryToken: false, maxBodyBytes: 1 << 20, inbox, log: recordingLogger(lines), onRecorded: () => undefined,
    health: () => ({ status: 'ok', bot_user_id: '@hearth:camp.test', admin_room_id: null }),
    ...hold,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.close(); } };
}

class DatabaseThatIsDown extends MemoryInboxStore {
  down = true;

  override recordTransaction(txnId: string, events: readonly IncomingEvent[], now: number): Promise<'recorded' | 'duplicate'> {
    return this.down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) : super.recordTransaction(txnId, events, now);
  }
}


describe('the transaction listener\'s log', () => {
  it('logs a database outage once when it starts and once when it ends, however often the homeserver resends', async () => {
    const flaky = new DatabaseThatIsDown();
    const lines: LogLine[] = [];
    const { url, close } = await listener(flaky, lines);
    try {
      const event = messageEvent('kept');
      for (let i = 0; i < 5; i++) assert.equal((await pushTransaction(url, 't1', [event], { token: 'h'.repeat(64) })).status, 500);
      flaky.down = false;
      assert.equal((await pushTransaction(url, 't1', [event], { token: 'h'.repeat(64) })).status, 200);
    } finally {
      close();
    }
    const told = lines.filter((line) => line.level !== 'debug');
    assert.deepEqual(told.map((line) => [line.level, line.message]), [
      ['error', 'recording the homeserver\'s transactions is failing; trying again until it works, and saying so once it does'],
      ['info', 'recording the homeserver\'s transactions works again'],
    ]);
    assert.equal(told[0]?.fields.error, 'connect ECONNREFUSED 127.0.0.1:5432');
    assert.equal(told[1]?.fields.failures, 5);
  });

  it('keeps a transaction waiting while the database is out, and answers 200 once it is back within the hold', async () => {
    const flaky = new DatabaseThatIsDown();
    const lines: LogLine[] = [];
    const { url, close } = await listener(flaky, lines, { holdMs: 60_000, holdRetryMs: 10 });
    try {
      const event = messageEvent('waits');
      const answer = pushTransaction(url, 't3', [event], { token: 'h'.repeat(64) });
      await waitUntil('three lines say the database is still failing', () => lines.filter((line) => line.message.includes('still failing')).length >= 3);
      flaky.down = false;
      assert.equal((await answer).status, 200);
      assert.deepEqual((await flaky.dueEvents(Date.now(), 10)).map((e) => e.eventId), [event.event_id]);
    } finally {
      close();
    }
    assert.deepEqual(lines.filter((line) => line.level !== 'debug').map((line) => line.level), ['error', 'info']);
  });

  it('answers 500 once the hold is over, and at once when Hearth begins to stop', async () => {
    const lines: LogLine[] = [];
    const over = await listener(new DatabaseThatIsDown(), lines, { holdMs: 50, holdRetryMs: 10 });
    try {
      assert.equal((await pushTransaction(over.url, 't4', [messageEvent('late')], { token: 'h'.repeat(64) })).status, 500);
    } finally {
      over.close();
    }
    let accepting = true;
    const stopping = await listener(new DatabaseThatIsDown(), lines, { holdMs: 60_000, holdRetryMs: 10, accepting: () => accepting });
    try {
      const answer = pushTransaction(stopping.url, 't5', [messageEvent('stop')], { token: 'h'.repeat(64) });
      await waitUntil('t5 is logged', () => lines.some((line) => line.fields.txn_id === 't5'));
      accepting = false;
      assert.equal((await answer).status, 500);
    } finally {
      stopping.close();
    }
  });

  it('sets aside 10,000 malformed events with one warning that counts them and names the first few', async () => {
    const lines: LogLine[] = [];
    const { url, close } = await listener(new MemoryInboxStore(), lines);
    try {
      const answer = await pushTransaction(url, 't2', Array.from({ length: 10_000 }, (_, i) => ({ event_id: i })), { token: 'h'.repeat(64) });
      assert.equal(answer.status, 200);
    } finally {
      close();
    }
    const warnings = lines.filter((line) => line.level === 'warn');
    assert.equal(warnings.length, 1);
    const [warning] = warnings;
    assert.equal(warning?.message, 'set aside malformed events');
    assert.equal(warning.fields.count, 10_000);
    assert.equal((warning.fields.first as unknown[]).length, 3);
  });
});

/** Keeps the events exactly as the listener hands them over, rejections included. */
class RecordingInbox extends MemoryInboxStore {
  readonly recorded: IncomingEvent[] = [];

  override recordTransaction(txnId: string, events: readonly IncomingEvent[], now: number): Promise<'recorded' | 'duplicate'> {
    this.recorded.push(...events);
    return super.recordTransaction(txnId, events, now);
  }
}

describe('an event nested deeper than can be stored', () => {
  it('is set aside as malformed, and the rest of its transaction is recorded', async () => {
    const lines: LogLine[] = [];
    const inbox = new RecordingInbox();
    const { url, close } = await listener(inbox, lines);
    const fine = messageEvent('!help');
    const deep = `{"event_id":"$deep","room_id":"!r:camp.test","type":"m.room.message","sender":"@a:camp.test","origin_server_ts":1,"content":${'{"a":'.repeat(50_000)}{}${'}'.repeat(50_000)}}`;
    try {
      const answer = await pushTransaction(url, 't3', [], { token: 'h'.repeat(64), rawBody: `{"events":[${JSON.stringify(fine)},${deep}]}` });
      assert.equal(answer.status, 200);
    } finally {
      close();
    }
    assert.deepEqual(inbox.recorded.map((event) => [event.eventId === fine.event_id, event.rejection]), [[true, undefined], [false, 'nested too deeply to be stored']]);
    assert.equal(lines.find((line) => line.level === 'warn')?.fields.count, 1);
  });
});
