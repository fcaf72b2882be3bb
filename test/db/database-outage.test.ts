// PostgreSQL goes away under the inbox worker and comes back. The log says so
// twice, when the outage starts and when it ends, however many times the
// worker tried in between; no stack traces, neither Hearth's nor knex's; and
// the events that arrived meanwhile are handled once it is back. PostgreSQL
// sits behind a TCP proxy that this test closes and opens again, so the
// shared cluster keeps running for everyone else.
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { InboxWorker } from '../../src/matrix/inbox/worker.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { createInboxStore, type IncomingEvent, type InboxStore } from '../../src/store/inbox-store.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { scratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { recordingLogger, type LogLine } from '../support/recording-logger.ts';

/** A TCP proxy to PostgreSQL that can be taken down (connections cut, new ones refused) and brought back on the same port. */
class DatabaseLink {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;
  private readonly target: { host: string; port: number };

  constructor(target: { host: string; port: number }) {
    this.target = target;
  }

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  }
}

/** Waits for what the test expects next; a wait, never a limit on how long Hearth may take. */
async function until(probe: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, 20));
}

function incoming(id: string): IncomingEvent {
  return { eventId: id, roomId: '!r:camp.test', type: 'm.room.message', sender: '@a:camp.test', json: JSON.stringify({ event_id: id }) };
}

describe('a PostgreSQL outage under the inbox worker', () => {
  let scratch: ScratchDatabase;
  let direct: Database;
  let link: DatabaseLink;
  let throughLink: Database;
  const lines: LogLine[] = [];
  const printed: string[] = [];
  const originalLog = console.log;

  before(async () => {
    scratch = await scratchDatabase('postgres');
    direct = openDatabase(scratch.settings);
    await migrateToLatest(direct);
    const url = new URL(scratch.settings.postgres_url);
    link = new DatabaseLink({ host: url.hostname, port: Number(url.port) });
    await link.up();
    url.port = String(link.port);
    throughLink = openDatabase({ ...scratch.settings, postgres_url: url.toString() }, recordingLogger(lines));
    // knex prints its connection errors, stack and all, with console.log unless told where to write.
    console.log = (...args: unknown[]): void => { printed.push(args.map(String).join(' ')); };
  });

  after(async () => {
    console.log = originalLog;
    await throughLink.destroy();
    await link.down();
    await direct.destroy();
    await scratch.drop();
  });

  it('is logged once when it starts and once when it ends, and what arrived meanwhile is handled', async () => {
    const handled: string[] = [];
    // The worker's first reads of each try, counted: how the test knows the worker has tried in vain.
    const store = createInboxStore(throughLink);
    let failedReads = 0;
    const counted = <T>(read: Promise<T>): Promise<T> => read.catch((error: unknown) => {
      failedReads++;
      throw error;
    });
    const counting: InboxStore = {
      ...store,
      countAbandoned: () => counted(store.countAbandoned()),
      dueEvents: (now, limit) => counted(store.dueEvents(now, limit)),
    };
    const worker = new InboxWorker({
      store: counting,
      handle: (event) => { handled.push(event.event_id); return Promise.resolve(); },
      log: recordingLogger(lines),
      maxAttempts: 45, retryBaseMs: 10, retryMaxMs: 60_000, batchSize: 100, idlePollMs: 20,
    });
    const inbox = createInboxStore(direct);
    await inbox.recordTransaction('t1', [incoming('$before')], Date.now());
    worker.start();
    // Handled and recorded as done: an outage between the two would rightly hand it over again.
    await until(async () => (await direct('inbox_events').where({ event_id: '$before' }).first<{ status: string } | undefined>())?.status === 'done');

    await link.down();
    await inbox.recordTransaction('t2', [incoming('$during')], Date.now());
    await until(() => failedReads >= 10);
    await link.up();
    worker.wake();
    await until(() => handled.includes('$during'));
    await worker.idle();
    await worker.stop();

    const said = lines.filter((l) => l.level !== 'debug');
    assert.deepEqual(said.map((l) => [l.level, l.message]), [
      ['error', "the inbox's database is failing; trying again until it works, and saying so once it does"],
      ['info', "the inbox's database works again"],
    ]);
    assert.ok(lines.every((l) => !JSON.stringify(l.fields).includes('    at ') && !l.message.includes('    at ')), 'no stack trace in any line');
    assert.deepEqual(printed.filter((p) => /Connection Error|Acquire connection error/.test(p)), [], 'knex printed nothing of its own');
    assert.deepEqual(handled, ['$before', '$during']);
  });
});
