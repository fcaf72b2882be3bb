// The appservice contract, on a real database of each engine: authentication,
// durable acknowledgement, exactly-once processing across retries and restarts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../src/config/schema.ts';
import { start, type Hearth } from '../../src/main.ts';
import type { MatrixEvent } from '../../src/matrix/event.ts';
import { createAppserviceApp } from '../../src/matrix/appservice/server.ts';
import { openDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createInboxStore, type InboxStore } from '../../src/store/inbox-store.ts';
import { testConfig } from '../support/config.ts';
import { ENGINES, scratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { messageEvent, pushTransaction } from '../support/homeserver-push.ts';
import { silentLogger } from '../support/silent-logger.ts';

interface Running {
  hearth: Hearth;
  url: string;
  seen: string[];
}

async function boot(config: Config, failFirst: Set<string> = new Set()): Promise<Running> {
  const seen: string[] = [];
  const hearth = await start(config, {
    listenerOnly: true,
    extraRoutes: (router) => {
      router.on('m.room.message', (event: MatrixEvent) => {
        if (failFirst.delete(event.event_id)) return Promise.reject(new Error('handler failed on purpose'));
        seen.push(event.event_id);
        return Promise.resolve();
      });
    },
  });
  return { hearth, url: `http://127.0.0.1:${hearth.port}`, seen };
}

for (const engine of ENGINES) {
  describe(`the appservice contract on ${engine}`, () => {
    let scratch: ScratchDatabase;
    let config: Config;
    let running: Running;
    before(async () => {
      scratch = await scratchDatabase(engine);
      config = testConfig({ database: scratch.settings, appservice: { accept_legacy_query_token: false } });
      config.inbox.retry_base_ms = 20;
      running = await boot(config);
    });
    after(async () => {
      await running.hearth.stop();
      await scratch.drop();
    });

    it('answers a wrong hs_token with 403 M_FORBIDDEN and records nothing', async () => {
      const result = await pushTransaction(running.url, 'wrong-token', [messageEvent('hi')], { token: 'not-the-token' });
      assert.equal(result.status, 403);
      assert.equal(result.body.errcode, 'M_FORBIDDEN');
      assert.equal(await running.hearth.db('appservice_transactions').where({ txn_id: 'wrong-token' }).first(), undefined);
    });

    it('answers a missing token with 401 and refuses the legacy query parameter', async () => {
      assert.equal((await pushTransaction(running.url, 'no-token', [])).status, 401);
      const legacy = await pushTransaction(running.url, 'legacy', [], { queryToken: config.appservice.hs_token });
      assert.equal(legacy.status, 401);
      assert.match(String(legacy.body.error), /Authorization: Bearer/);
    });

    it('processes a retried txnId once', async () => {
      const event = messageEvent('once');
      const token = config.appservice.hs_token;
      assert.equal((await pushTransaction(running.url, 'retry-1', [event], { token })).status, 200);
      assert.equal((await pushTransaction(running.url, 'retry-1', [event], { token })).status, 200);
      await running.hearth.inboxIdle();
      assert.equal(running.seen.filter((id) => id === event.event_id).length, 1);
    });

    it('still treats a txnId as seen after a restart', async () => {
      const event = messageEvent('across restarts');
      const token = config.appservice.hs_token;
      assert.equal((await pushTransaction(running.url, 'restart-1', [event], { token })).status, 200);
      await running.hearth.inboxIdle();
      await running.hearth.stop();
      running = await boot(config);
      assert.equal((await pushTransaction(running.url, 'restart-1', [event], { token })).status, 200);
      await running.hearth.inboxIdle();
      assert.deepEqual(running.seen.filter((id) => id === event.event_id), []);
    });

    it('processes a txnId reused with other events, as Synapse on SQLite sends after its own restart', async () => {
      const token = config.appservice.hs_token;
      const before = messageEvent('before the homeserver restarted');
      const after = messageEvent('after the homeserver restarted');
      assert.equal((await pushTransaction(running.url, 'reused-1', [before], { token })).status, 200);
      assert.equal((await pushTransaction(running.url, 'reused-1', [after], { token })).status, 200);
      await running.hearth.inboxIdle();
      assert.deepEqual(running.seen.filter((id) => id === before.event_id || id === after.event_id), [before.event_id, after.event_id]);
    });

    it('answers identical transactions pushed in parallel with 200 each, and processes their events once', async () => {
      const token = config.appservice.hs_token;
      const events = [messageEvent('parallel one'), messageEvent('parallel two')];
      const results = await Promise.all(Array.from({ length: 8 }, () => pushTransaction(running.url, 'parallel-1', events, { token })));
      assert.deepEqual(results.map((r) => r.status), Array(8).fill(200));
      await running.hearth.inboxIdle();
      for (const event of events) assert.equal(running.seen.filter((id) => id === event.event_id).length, 1);
    });

    it('processes events left pending by a crash when it starts again', async () => {
      const event = messageEvent('pending at shutdown');
      await running.hearth.stop();
      // What a crash after the acknowledgement but before processing leaves behind.
      const db = openDatabase(config.database);
      await createInboxStore(db).recordTransaction('crash-1', [{
        eventId: String(event.event_id), roomId: '!room:camp.test', type: 'm.room.message', sender: '@alice:camp.test', json: JSON.stringify(event),
      }], Date.now());
      await db.destroy();
      running = await boot(config);
      await running.hearth.inboxIdle();
      assert.deepEqual(running.seen, [event.event_id]);
    });

    it('forgets, at its next start, the events and txnIds it finished with more than inbox.keep_days ago', async () => {
      const token = config.appservice.hs_token;
      const old = messageEvent('a week and a day ago');
      const recent = messageEvent('yesterday');
      assert.equal((await pushTransaction(running.url, 'aged-1', [old], { token })).status, 200);
      assert.equal((await pushTransaction(running.url, 'recent-1', [recent], { token })).status, 200);
      await running.hearth.inboxIdle();
      await running.hearth.stop();
      // What eight days would do: received_at is when each was recorded.
      const db = openDatabase(config.database);
      const eightDaysAgo = Date.now() - (config.inbox.keep_days + 1) * 86_400_000;
      await db('inbox_events').where({ event_id: String(old.event_id) }).update({ received_at: eightDaysAgo });
      await db('appservice_transactions').where({ txn_id: 'aged-1' }).update({ received_at: eightDaysAgo });
      await db.destroy();
      running = await boot(config);
      // The clean-up follows the first moment the worker is idle.
      await running.hearth.inboxIdle();
      await running.hearth.inboxIdle();
      const events: { event_id: string }[] = await running.hearth.db('inbox_events').whereIn('event_id', [String(old.event_id), String(recent.event_id)]).select('event_id');
      assert.deepEqual(events.map((e) => e.event_id), [recent.event_id]);
      const txnIds: { txn_id: string }[] = await running.hearth.db('appservice_transactions').whereIn('txn_id', ['aged-1', 'recent-1']).select('txn_id');
      assert.deepEqual(txnIds.map((t) => t.txn_id), ['recent-1']);
    });

    it('retries a failing handler with backoff and processes the event exactly once', async () => {
      const event = messageEvent('flaky');
      await running.hearth.stop();
      running = await boot(config, new Set([String(event.event_id)]));
      assert.equal((await pushTransaction(running.url, 'flaky-1', [event], { token: config.appservice.hs_token })).status, 200);
      for (let i = 0; i < 100 && running.seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await running.hearth.inboxIdle();
      assert.deepEqual(running.seen, [event.event_id]);
      const row = (await running.hearth.db('inbox_events').where({ event_id: event.event_id }).first()) as { attempts: number; status: string };
      assert.equal(row.status, 'done');
      assert.equal(row.attempts, 2, 'each attempt is counted before its handler runs: one failure, then the success');
    });

    it('sets a malformed event aside and processes the rest of its transaction', async () => {
      const good = messageEvent('fine');
      const result = await pushTransaction(running.url, 'mixed-1', [{ type: 'm.room.message' }, 'nonsense', good], { token: config.appservice.hs_token });
      assert.equal(result.status, 200);
      await running.hearth.inboxIdle();
      assert.ok(running.seen.includes(String(good.event_id)));
      const rejected: { last_error: string }[] = await running.hearth.db('inbox_events').where({ txn_id: 'mixed-1', status: 'rejected' }).select('last_error');
      assert.equal(rejected.length, 2);
    });

    it('answers malformed JSON with 400 and an oversized body with 413, and keeps running', async () => {
      const token = config.appservice.hs_token;
      const bad = await pushTransaction(running.url, 'bad-json', [], { token, rawBody: '{"events": [' });
      assert.deepEqual([bad.status, bad.body.errcode], [400, 'M_NOT_JSON']);
      const shapeless = await pushTransaction(running.url, 'no-events', [], { token, rawBody: '{"evnts": []}' });
      assert.deepEqual([shapeless.status, shapeless.body.errcode], [400, 'M_BAD_JSON']);
      const huge = await pushTransaction(running.url, 'huge', [], { token, rawBody: JSON.stringify({ events: [], pad: 'x'.repeat(config.appservice.max_body_bytes) }) });
      assert.deepEqual([huge.status, huge.body.errcode], [413, 'M_TOO_LARGE']);
      assert.equal((await pushTransaction(running.url, 'after-bad', [], { token })).status, 200);
    });

    it('answers the homeserver\'s ping', async () => {
      const response = await fetch(`${running.url}/_matrix/app/v1/ping`, {
        method: 'POST',
        headers: { authorization: `Bearer ${config.appservice.hs_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ transaction_id: 'ping-1' }),
      });
      assert.equal(response.status, 200);
    });
  });

  describe(`a transaction that cannot be recorded, on ${engine}`, () => {
    it('is answered 5xx, and its retry is recorded and processed exactly once', async () => {
      const scratch = await scratchDatabase(engine);
      const db = openDatabase(scratch.settings);
      await migrateToLatest(db);
      const real = createInboxStore(db);
      let failNext = true;
      const flaky: InboxStore = {
        ...real,
        recordTransaction: (...args) => {
          if (failNext) {
            failNext = false;
            return Promise.reject(new Error('disk full'));
          }
          return real.recordTransaction(...args);
        },
      };
      const hsToken = 'h'.repeat(64);
      const app = createAppserviceApp({
        hsToken, acceptLegacyQueryToken: false, maxBodyBytes: 1 << 20, inbox: flaky,
        log: silentLogger(), onRecorded: () => undefined,
        health: () => ({ status: 'ok', bot_user_id: '@hearth:camp.test', admin_room_id: null }),
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      try {
        const event = messageEvent('precious');
        const first = await pushTransaction(url, 'fails-once', [event], { token: hsToken });
        assert.equal(first.status, 500);
        assert.equal(await db('inbox_events').where({ event_id: event.event_id }).first(), undefined, 'nothing half-recorded');
        assert.equal((await pushTransaction(url, 'fails-once', [event], { token: hsToken })).status, 200);
        assert.deepEqual((await real.dueEvents(Date.now(), 10)).map((e) => e.eventId), [event.event_id]);
      } finally {
        server.close();
        await db.destroy();
        await scratch.drop();
      }
    });
  });
}
