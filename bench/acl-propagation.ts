// acl-propagation: 200 managed rooms on the testbed; the time from an admin's
// "!defederate now" until every room carries the new deny entry. The baseline,
// measured in the same run on the same rooms, is raw HTTP PUTs of the same
// state events (the ACL with one more deny entry) with the best concurrency
// found. The note shows the floor of a correct ACL change on Synapse 1.160
// too: each room's ACL written twice, the second copy settling the first, as
// Hearth's writer does (docs/architecture.md, "the one event written twice").
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { adminCommand, botByHand, hearthSql, setServerAclByHand, untilInHearthDb } from '../test/support/hearth.ts';
import { Member, server } from '../test/support/member.ts';
import type { Trial } from './runner.ts';

const ROOMS = 200;
const BASELINE_CONCURRENCY = [1, 4, 8, 16, 32];
const SERVER = 'camp.test';

export async function federatingRooms(): Promise<string[]> {
  return (await hearthSql<{ room_id: string }>(SERVER, "select room_id from managed_rooms where room_id is not null and tier <> 'local'")).map((r) => r.room_id);
}

export async function ensureRooms(): Promise<string[]> {
  const admin = Member.admin(SERVER);
  const existing = await federatingRooms();
  const dm = await admin.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [server(SERVER).hearth!.bot_user_id] });
  const bot = server(SERVER).hearth!.bot_user_id;
  for (let tries = 0; tries < 100 && (await admin.membership(dm, bot)) !== 'join'; tries++) await new Promise((r) => setTimeout(r, 100));
  const missing = Math.max(0, ROOMS - existing.length);
  const commands = [];
  for (let i = 0; i < missing; i++) commands.push(await admin.send(dm, `!room create "Bench ${i}" --tier public`));
  const last = commands.at(-1);
  if (last) await admin.waitForReply(dm, bot, last, 600_000);
  return federatingRooms();
}

/** Ten minutes: far beyond any propagation; past it the run fails instead of hanging the others. */
const STUCK_MS = 600_000;

async function timeUntil(what: string, done: (db: Knex) => Promise<boolean>, pollMs = 20): Promise<void> {
  await untilInHearthDb(SERVER, what, done, { pollMs, timeoutMs: STUCK_MS });
}

/**
 * Propagation proper: from the moment the decision's ACL job is recorded until
 * its last room is done, by Hearth's own clock. The whole command (impact
 * report, policy rule, DMs) is timed too, and shown in the note.
 */
export async function hearthMs(): Promise<{ propagation: number; command: number }> {
  const glob = `bench-${randomBytes(3).toString('hex')}.test`;
  const started = performance.now();
  await adminCommand(SERVER, `!defederate now ${glob} "benchmark"`, 600_000);
  await timeUntil('the ACL job', async (db) => (await db('jobs').where({ kind: 'acl-push' }).whereNull('finished_at').first('id')) === undefined);
  const command = performance.now() - started;
  const [job] = await hearthSql<{ created_at: string; finished_at: string }>(SERVER, "select created_at, finished_at from jobs where kind = 'acl-push' order by id desc limit 1");
  return { propagation: Number(job?.finished_at) - Number(job?.created_at), command };
}

/** Lets Hearth finish what earlier steps sent it, so no phase pays for another's work. */
export async function hearthSettled(): Promise<void> {
  await timeUntil('Hearth\'s inbox to empty', async (db) => (await db('inbox_events').where({ status: 'pending' }).first('seq')) === undefined, 100);
}

/**
 * The same ACL events written by hand. The new deny entry is first recorded in
 * Hearth's list (without telling it), so Hearth sees the result as the desired
 * state and does not repair it: both sides then cost the homeserver the same.
 */
export async function rawPuts(roomIds: readonly string[], concurrency: number, settled = false): Promise<number> {
  const bot = botByHand(SERVER);
  const glob = `baseline-${randomBytes(3).toString('hex')}.test`;
  await hearthSql(SERVER, 'insert into defederated_servers (server_glob, reason, decided_at) values (?, ?, ?)', [glob, 'benchmark baseline', Date.now()]);
  const contents = await Promise.all(roomIds.map(async (roomId) => {
    const current = await bot.state(roomId, 'm.room.server_acl');
    return { roomId, content: { ...current, deny: [...(current.deny as string[]), glob].sort() } };
  }));
  await hearthSettled();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let next = contents.shift(); next !== undefined; next = contents.shift()) {
      if (settled) await setServerAclByHand(bot, next.roomId, next.content);
      else await bot.setState(next.roomId, 'm.room.server_acl', '', next.content);
    }
  }));
  const elapsed = performance.now() - started;
  await hearthSettled();
  return elapsed;
}

/**
 * Every change adds an event to each room and the homeserver slows a little as
 * rooms grow, so the baseline is measured right before and right after Hearth
 * at the best concurrency found, and the two are averaged. The rooms and the
 * search for the best concurrency are set up once, for every run.
 */
export async function aclPropagation(): Promise<Trial> {
  const roomIds = await ensureRooms();
  const trials: [number, number][] = [];
  for (const concurrency of BASELINE_CONCURRENCY) trials.push([concurrency, await rawPuts(roomIds, concurrency)]);
  const [bestConcurrency] = trials.reduce((best, trial) => (trial[1] < best[1] ? trial : best));
  const search = trials.map(([c, ms]) => `${c}→${ms.toFixed(0)}`).join(' ');
  return async () => {
    const before = await rawPuts(roomIds, bestConcurrency);
    const hearth = await hearthMs();
    await hearthSettled();
    const after = await rawPuts(roomIds, bestConcurrency);
    const floor = await rawPuts(roomIds, bestConcurrency, true);
    return {
      name: 'acl-propagation',
      unit: 'ms',
      hearth: hearth.propagation,
      baseline: (before + after) / 2,
      target: { ratio: 1.25 },
      note: `one new deny entry to ${roomIds.length} rooms: Hearth's ACL job vs raw PUTs at the best concurrency (${bestConcurrency}; ` +
        `${before.toFixed(0)}ms before, ${after.toFixed(0)}ms after; search ${search}); whole "!defederate now" command ${hearth.command.toFixed(0)}ms; ` +
        `the floor, each ACL written twice as Hearth must: ${floor.toFixed(0)}ms, ${(floor / ((before + after) / 2)).toFixed(2)}× the baseline, Hearth ${(hearth.propagation / floor).toFixed(2)}× the floor`,
    };
  };
}
