// transaction-ingest: 10,000 events pushed to Hearth's transaction endpoint in
// batches of 100, one transaction at a time as Synapse sends them, until every
// event is recorded and processed. The baseline is an endpoint that only
// parses the JSON and acknowledges it, measured in the same run. The note also
// shows the floor durability sets: the same transactions' events written
// straight to the database (a bare SQLite file synced as Hearth syncs it, or
// the scratch PostgreSQL database through one connection), and the ratio that
// floor alone would give; and a second floor, Hearth's own inbox statements
// through its store with nothing else, what the inbox's bookkeeping costs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { start } from '../src/main.ts';
import { openDatabase } from '../src/store/database.ts';
import { createInboxStore, type IncomingEvent } from '../src/store/inbox-store.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { testConfig } from '../test/support/config.ts';
import { messageEvent, pushTransaction } from '../test/support/homeserver-push.ts';
import { scratchDatabase, type ScratchDatabase } from '../test/support/databases.ts';
import type { BenchResult } from './report.ts';

const EVENTS = 10_000;
const BATCH = 100;

function batches(): Record<string, unknown>[][] {
  return Array.from({ length: EVENTS / BATCH }, (_, b) =>
    Array.from({ length: BATCH }, (_, i) => messageEvent(`bench message ${b * BATCH + i}`)));
}

async function pushAll(url: string, token: string, label: string): Promise<number> {
  const work = batches();
  const started = performance.now();
  for (const [index, events] of work.entries()) {
    const { status } = await pushTransaction(url, `${label}-${index}`, events, { token });
    if (status !== 200) throw new Error(`transaction ${index} answered ${status}`);
  }
  return performance.now() - started;
}

async function parseAndAcknowledgeServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function baselineMs(): Promise<number> {
  const server = await parseAndAcknowledgeServer();
  try {
    return await pushAll(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'baseline', 'baseline');
  } finally {
    server.close();
  }
}

/** How long a step took, and how many bytes the database wrote meanwhile. */
interface Measured {
  ms: number;
  written: number;
}

/**
 * What the database writes, which on a small board's SD card costs more than
 * its time here: on SQLite the bytes this process sends to the disk (Hearth
 * and the floor both run in it), on PostgreSQL the write-ahead log.
 */
interface WriteMeter {
  written(): Promise<number>;
  close(): Promise<void>;
}

function processBytesWritten(): number {
  const match = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  if (!match) throw new Error('/proc/self/io has no write_bytes line');
  return Number(match[1]);
}

async function writeMeter(database: ScratchDatabase): Promise<WriteMeter> {
  if (database.settings.engine === 'sqlite') return { written: () => Promise.resolve(processBytesWritten()), close: () => Promise.resolve() };
  const client = new pg.Client({ connectionString: database.settings.postgres_url });
  await client.connect();
  return {
    async written() {
      const { rows } = await client.query<{ at: string }>("select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text as at");
      return Number(rows[0]?.at);
    },
    close: () => client.end(),
  };
}

/** A step that times itself (the floor leaves its set-up out), and what the database wrote meanwhile. */
async function measured(meter: WriteMeter, timedStep: () => Promise<number>): Promise<Measured> {
  const writtenBefore = await meter.written();
  const ms = await timedStep();
  return { ms, written: (await meter.written()) - writtenBefore };
}

async function hearthRun(database: ScratchDatabase, meter: WriteMeter): Promise<Measured> {
  const config = testConfig({ database: database.settings });
  const hearth = await start(config, { listenerOnly: true });
  try {
    const run = await measured(meter, async () => {
      const started = performance.now();
      await pushAll(`http://127.0.0.1:${hearth.port}`, config.appservice.hs_token, 'hearth');
      await hearth.inboxIdle();
      return performance.now() - started;
    });
    const counts = await hearth.db('inbox_events').where({ status: 'done' }).count({ n: '*' });
    if (Number(counts[0]?.n) !== EVENTS) throw new Error(`only ${String(counts[0]?.n)} of ${EVENTS} events were processed`);
    return run;
  } finally {
    await hearth.stop();
  }
}

/**
 * What no durable inbox can go below, on a bare SQLite file synced as Hearth
 * syncs it (WAL, synchronous = FULL): per transaction, one commit of its events
 * keyed by their IDs (which are random, as the homeserver's are, so each commit
 * writes index pages all over the table), and one commit saying they were
 * processed. No parsing, no handler, no HTTP.
 */
function sqliteFloorMs(): number {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
  const db = new DatabaseSync(join(dir, 'floor.sqlite'));
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; create table events (event_id text primary key, event text not null); create table progress (id integer primary key, done_through integer not null); insert into progress values (1, 0)');
    const insert = db.prepare('insert into events (event_id, event) values (?, ?)');
    const progress = db.prepare('update progress set done_through = ? where id = 1');
    const work = batches();
    const started = performance.now();
    for (const [b, events] of work.entries()) {
      db.exec('BEGIN');
      for (const event of events) insert.run(String(event.event_id), JSON.stringify(event));
      db.exec('COMMIT');
      progress.run(b);
    }
    return performance.now() - started;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same floor on PostgreSQL, in the scratch database Hearth used, through
 * one connection with nothing between it and the server: per transaction, one
 * INSERT of its events committed, then one UPDATE saying they were processed.
 */
async function postgresFloorMs(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table floor_events (event_id text primary key, event text not null); create table floor_progress (id integer primary key, done_through integer not null); insert into floor_progress values (1, 0)');
    const work = batches();
    const started = performance.now();
    for (const [b, events] of work.entries()) {
      const values = events.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ');
      await client.query('BEGIN');
      await client.query(`insert into floor_events (event_id, event) values ${values}`, events.flatMap((e) => [String(e.event_id), JSON.stringify(e)]));
      await client.query('COMMIT');
      await client.query('update floor_progress set done_through = $1 where id = 1', [b]);
    }
    return performance.now() - started;
  } finally {
    await client.end();
  }
}

/** The floor times its own commits, without its set-up; what it wrote counts its few tables too. */
function durableFloor(database: ScratchDatabase, meter: WriteMeter): Promise<Measured> {
  return measured(meter, () => (database.settings.engine === 'sqlite' ? Promise.resolve(sqliteFloorMs()) : postgresFloorMs(database.settings.postgres_url)));
}

function incoming(event: Record<string, unknown>): IncomingEvent {
  return { eventId: String(event.event_id), roomId: String(event.room_id), type: String(event.type), sender: String(event.sender), json: JSON.stringify(event) };
}

/**
 * Hearth's own inbox statements, through its own store on a fresh database of
 * the same engine, with nothing else: per transaction, the record, the read of
 * the due events, the batch taken in hand and the batch marked done, one after
 * the other as the worker makes them when transactions come one at a time. No
 * HTTP, no parsing, no handler, no worker: the inbox's bookkeeping alone.
 */
async function inboxStatements(engine: ScratchDatabase['settings']['engine'], meter: WriteMeter): Promise<Measured> {
  const scratch = await scratchDatabase(engine);
  const db = openDatabase(scratch.settings);
  try {
    await migrateToLatest(db);
    const store = createInboxStore(db);
    const work = batches().map((events) => events.map(incoming));
    return await measured(meter, async () => {
      const started = performance.now();
      for (const [b, events] of work.entries()) {
        await store.recordTransaction(`statements-${b}`, events, Date.now());
        const due = await store.dueEvents(Date.now(), BATCH + 1);
        await store.takeInHand(due, Date.now());
        await store.markDone(due.map((event) => event.seq), Date.now());
      }
      return performance.now() - started;
    });
  } finally {
    await db.destroy();
    await scratch.drop();
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

function durableFloorNote(baselineMs: number, hearth: Measured, floor: Measured, statements: Measured, engine: string): string {
  const what = engine === 'sqlite' ? 'written to disk' : 'of write-ahead log';
  const atBest = (added: Measured): string => `${((baselineMs + added.ms) / baselineMs).toFixed(2)}× at best`;
  return `; the durable floor (each transaction's events committed, then one commit marking them processed) adds ${floor.ms.toFixed(0)} ms: ${atBest(floor)}`
    + `; Hearth's own inbox statements alone (record, due read, batch in hand, done) add ${statements.ms.toFixed(0)} ms: ${atBest(statements)}`
    + `; ${what}: Hearth ${mib(hearth.written)}, the floor ${mib(floor.written)} (${(hearth.written / floor.written).toFixed(2)}×), the statements alone ${mib(statements.written)}`;
}

export async function transactionIngest(name: string, database: ScratchDatabase): Promise<BenchResult> {
  await baselineMs(); // warm-up: JIT and sockets, so neither side pays for it
  const baseline = await baselineMs();
  const meter = await writeMeter(database);
  try {
    const hearth = await hearthRun(database, meter);
    const floor = await durableFloor(database, meter);
    const statements = await inboxStatements(database.settings.engine, meter);
    const floorNote = durableFloorNote(baseline, hearth, floor, statements, database.settings.engine);
    return {
      name,
      unit: 'ms',
      hearth: hearth.ms,
      baseline: baseline,
      note: `${EVENTS} events in ${EVENTS / BATCH} transactions of ${BATCH}: recorded and processed (${database.settings.engine}) vs parse-and-acknowledge${floorNote}`,
    };
  } finally {
    await meter.close();
  }
}
