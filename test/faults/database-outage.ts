// database-outage: PostgreSQL, which every testbed Hearth uses, is stopped for
// 20 s (two thirds of the 30 s the plan names, to keep the suite short) while
// members send commands. Hearth keeps the homeserver's transaction waiting
// (`appservice.transaction_hold_seconds`, 45 s) and the homeserver holds the
// rest back, so it never counts Hearth as down; no Hearth exits, the outage
// is logged once when it starts and once when it ends, and every command is
// answered once the database is back. Then a Hearth on SQLite whose database
// file turns read-only (immutable, which binds root too), with a hold of 1 s:
// the transaction is refused once the hold is over, with a clear error in the
// log, and taken in once the file is writable again.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { start } from '../../src/main.ts';
import { configureLogging } from '../../src/logging/logger.ts';
import { testConfig } from '../support/config.ts';
import { markLog } from '../support/hearth-log.ts';
import { homeserverHoldsHearthDown } from '../support/homeserver-state.ts';
import { botOf, openDm } from '../support/hearth.ts';
import { messageEvent, pushTransaction } from '../support/homeserver-push.ts';
import { Member, repliesTo, testbed } from '../support/member.ts';
import { isAlive } from '../support/process-watch.ts';
import { startPostgres, stopPostgres } from '../support/postgres-control.ts';
import { seconds, type Findings } from './findings.ts';

const CAMP = 'camp.test';
const OUTAGE_MS = 20_000;
const MEMBERS = 3;
const ROUNDS = 4;
/** How the listener names what fails while the database is out (src/matrix/appservice/transactions.ts). */
const RECORDING = 'recording the homeserver\'s transactions';

interface Sent { member: Member; dm: string; eventId: string }

async function answeredOnce(sent: readonly Sent[], bot: string): Promise<{ answered: number; once: number }> {
  const counts = await Promise.all(sent.map(async (s) => (await s.member.messages(s.dm, 100)).filter((e) => e.sender === bot && repliesTo(e, s.eventId)).length));
  return { answered: counts.filter((n) => n > 0).length, once: counts.filter((n) => n === 1).length };
}

async function postgresOutage(findings: Findings): Promise<void> {
  const bot = botOf(CAMP);
  const members = await Promise.all(Array.from({ length: MEMBERS }, () => Member.register(CAMP, 'db-outage')));
  const dms = await Promise.all(members.map((member) => openDm(member, bot)));
  const hearths = testbed().servers.flatMap((s) => (s.hearth?.pid == null ? [] : [{ name: s.name, pid: s.hearth.pid }]));
  const log = markLog(CAMP);
  await stopPostgres();
  const sent: Sent[] = [];
  let heldDown = false;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, member] of members.entries()) sent.push({ member, dm: dms[i] ?? '', eventId: await member.send(dms[i] ?? '', '!help') });
      await sleep(OUTAGE_MS / ROUNDS);
      heldDown ||= homeserverHoldsHearthDown(CAMP);
    }
  } finally {
    await startPostgres();
  }
  const back = Date.now();
  let result = await answeredOnce(sent, bot);
  while (result.answered < sent.length && Date.now() - back < 240_000) {
    await sleep(500);
    result = await answeredOnce(sent, bot);
  }
  findings.figure('pg_down_s', seconds(OUTAGE_MS));
  findings.figure('commands', sent.length);
  findings.figure('recovered_s', seconds(Date.now() - back));
  findings.figure('answered_once', result.once);
  findings.expect(result.once === sent.length, `${sent.length - result.once} of ${sent.length} commands sent during the outage were not answered exactly once`);
  const lines = log.lines();
  const began = lines.filter((line) => line.msg.startsWith(`${RECORDING} is failing`));
  const ended = lines.filter((line) => line.msg === `${RECORDING} works again`);
  const failedTries = ended.reduce((sum, line) => sum + Number(line.failures ?? 0), 0);
  findings.figure('failed_tries_while_held', failedTries);
  findings.figure('outage_log_lines', `${began.length}+${ended.length}`);
  findings.figure('homeserver_held_hearth_down', heldDown);
  findings.expect(failedTries > 0, 'no transaction failed to be recorded while the database was down (none reached Hearth?)');
  findings.expect(!heldDown, 'the homeserver counted camp\'s Hearth as down: a transaction was answered 5xx within the hold, and its to-device messages are lost');
  findings.expect(began.length === 1 && ended.length === 1, `the listener logged the outage ${began.length} times and its end ${ended.length} times, where once each was due`);
  const dead = hearths.filter((h) => !isAlive(h.pid)).map((h) => h.name);
  findings.expect(dead.length === 0, `Hearth exited on ${dead.join(', ')}`);
}

function immutable(folder: string, on: boolean): void {
  const files = readdirSync(folder).map((name) => join(folder, name));
  if (files.length > 0) execFileSync('chattr', [on ? '+i' : '-i', ...files]);
}

async function readOnlySqlite(findings: Findings): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'hearth-readonly-'));
  const lines: string[] = [];
  const config = testConfig({ database: { engine: 'sqlite', sqlite_path: join(folder, 'hearth.sqlite') }, appservice: { transaction_hold_seconds: 1 } });
  const hearth = await start(config, { listenerOnly: true });
  // After start(), which applies the config's logging: its lines are read here, as an operator reads the log.
  configureLogging({ level: 'error', format: 'json', write: (line) => { lines.push(line); } });
  const url = `http://127.0.0.1:${hearth.port}`;
  const token = config.appservice.hs_token;
  try {
    const before = await pushTransaction(url, 'ro-1', [messageEvent('before')], { token });
    // A type nothing handles: this Hearth has no homeserver to answer to.
    const event = messageEvent('while read-only');
    event.type = 'org.example.fault';
    const eventId = String(event.event_id);
    immutable(folder, true);
    let during: number;
    try {
      during = (await pushTransaction(url, 'ro-2', [event], { token })).status;
    } finally {
      immutable(folder, false);
    }
    const retried = await pushTransaction(url, 'ro-2', [event], { token });
    const stored: unknown = await hearth.db('inbox_events').where({ event_id: eventId }).first('event_id');
    const logged = lines.find((line) => line.includes(`${RECORDING} is failing`));
    findings.figure('sqlite_readonly_answer', during);
    findings.figure('sqlite_logged', JSON.stringify(/"error":"([^"]*)"/.exec(logged ?? '')?.[1] ?? logged?.slice(0, 120) ?? 'nothing'));
    findings.expect(before.status === 200, `a transaction before the file turned read-only was answered ${before.status}`);
    findings.expect(during >= 500, `a transaction the read-only file cannot hold was answered ${during}`);
    findings.expect(logged !== undefined, 'the log says nothing of the read-only database');
    findings.expect(retried.status === 200 && stored !== undefined, `the retry once the file was writable was answered ${retried.status} and ${stored ? 'stored' : 'not stored'}`);
  } finally {
    await hearth.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

export async function databaseOutage(findings: Findings): Promise<void> {
  await postgresOutage(findings);
  await readOnlySqlite(findings);
}
