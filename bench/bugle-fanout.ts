// bugle-fanout: a broadcast to 100 members (the sender and 99 recipients),
// from the sender's "!bugle send" to the last delivery (no copy pending; the
// sender's report, which follows, is timed in the note), through DM rooms that
// already exist (a first broadcast opens them; its time is shown too). The
// baseline, in the same run, sends the same 99 DMs into the same rooms with
// raw HTTP PUTs as the Bugle's user, at the best concurrency found.
// The note shows a floor too: the same PUTs, each after a read of the DM's
// state, as the Bugle reads it before each copy (the audience check of the
// tier promise: whoever is in the room may read what is sent), and that floor
// with the command's trip (the sender's message pushed to Hearth) added.
// Hearth's times come from its own records, on the same clock as the
// benchmark's, so the poll that finds them can be slow.
// bugle-fanout-encrypted: the same on hood.test, whose Bugle opens encrypted
// DMs: every delivery is encrypted (a key query, a one-time key claim and a
// to-device message per new room, then Megolm); the baseline PUTs stay plain.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { startHearth, stopHearth } from '../testbed/testbed.ts';
import { hearthSql, recordedAt, setHearthConfig, untilInHearthDb } from '../test/support/hearth.ts';
import { Member, server, waitFor } from '../test/support/member.ts';
import type { Trial } from './runner.ts';

const MEMBERS = 100;
const CONCURRENCY = [1, 4, 8, 16, 32];

function bugleUser(server: string): string {
  return `@hearth_bugle:${server}`;
}

/**
 * The Bugle allows 3 broadcasts per member a day and 10 an hour for the whole
 * community; a benchmark sends more than that, so its server's Hearth is
 * restarted without those limits (they are not what is measured).
 */
export async function withoutBugleLimits(serverName: string): Promise<void> {
  await stopHearth(serverName);
  setHearthConfig(serverName, [[['bugle', 'per_member_per_day'], 1000], [['bugle', 'hourly_cap'], 1000]]);
  await startHearth(serverName);
}

/** Fills the community up to 100 members; returns a sender Hearth already knows as a member. */
export async function ensureMembers(serverName: string): Promise<Member> {
  const known = async (): Promise<number> => Number((await hearthSql<{ n: string }>(serverName, 'select count(*) as n from members'))[0]?.n);
  const sender = await Member.register(serverName, 'fan-sender');
  const missing = Math.max(0, MEMBERS - 1 - (await known()));
  await Promise.all(Array.from({ length: missing }, (_, i) => Member.register(serverName, `fan${i}`)));
  const senderKnown = async (): Promise<boolean> => (await hearthSql(serverName, 'select 1 from members where user_id = ?', [sender.userId])).length === 1;
  await waitFor('Hearth to know every member', async () => (await known()) >= MEMBERS && (await senderKnown()), 120_000);
  return sender;
}

/** A broadcast that has not finished in five minutes is stuck: the benchmark fails rather than wait for ever. */
const BROADCAST_TIMEOUT_MS = 300_000;

export interface BroadcastTimes {
  /** From "!bugle send" until no copy is left pending: the last delivery. */
  deliveredMs: number;
  /** From "!bugle send" until the broadcast is finished: the sender's report sent after the last delivery. */
  reportedMs: number;
}

/**
 * How the broadcast with this text stands, from Hearth's own records (the
 * testbed's Hearths run on PostgreSQL): its copies, how many are pending, when
 * the last one was settled, and when the broadcast was finished (its report sent).
 */
const PROGRESS = `select count(*) as total, sum(case when job_items.status = 'pending' then 1 else 0 end) as pending,
    max(job_items.finished_at) as delivered_at, max(bugle_broadcasts.finished_at) as reported_at
  from job_items join jobs on jobs.id = job_items.job_id join bugle_broadcasts on jobs.subject = cast(bugle_broadcasts.id as varchar(32))
  where jobs.kind = 'bugle-delivery' and bugle_broadcasts.body = ?`;

interface Progress { total: string; pending: string | null; delivered_at: string | null; reported_at: string | null }

// The times come from Hearth's records (each copy's settling time, the
// broadcast's end), on the same clock as `sentAt`, so the poll that finds
// them can be slow: a tight one loaded the database and the two cores the
// homeserver sends with, during Hearth's timed phase only.
const POLL = { pollMs: 200, timeoutMs: BROADCAST_TIMEOUT_MS };

export async function broadcast(serverName: string, sender: Member, room: string, text: string): Promise<BroadcastTimes> {
  await sender.waitForReply(room, bugleUser(serverName), await sender.send(room, `!bugle ${text}`));
  const sentAt = Date.now();
  await sender.send(room, '!bugle send');
  let progress: Progress | undefined;
  await untilInHearthDb(serverName, `the broadcast "${text}" to be delivered and reported`, async (db) => {
    [progress] = (await db.raw<{ rows: Progress[] }>(PROGRESS, [text])).rows;
    return Number(progress?.total) > 0 && Number(progress?.pending) === 0 && progress?.reported_at !== null;
  }, POLL);
  return { deliveredMs: Number(progress?.delivered_at) - sentAt, reportedMs: Number(progress?.reported_at) - sentAt };
}

/**
 * The command's trip, which no broadcast can go without: from a message of
 * the sender's in the Bugle's DM (plain text, which the Bugle leaves alone)
 * until the homeserver has pushed it to Hearth and Hearth has recorded it, by
 * the time Hearth records with it.
 */
async function commandTripMs(serverName: string, sender: Member, room: string): Promise<number> {
  const sentAt = Date.now();
  const eventId = await sender.send(room, `not a command ${randomBytes(3).toString('hex')}`);
  let receivedAt: number | null = null;
  await untilInHearthDb(serverName, 'a message of the sender\'s to be recorded', async (db) => (receivedAt = await recordedAt(db, eventId)) !== null, POLL);
  return Number(receivedAt) - sentAt;
}

async function rawPuts(serverName: string, rooms: readonly string[], concurrency: number, token: string, readStateFirst = false): Promise<number> {
  const queue = [...rooms];
  const base = server(serverName).client_url;
  const asBugle = `user_id=${encodeURIComponent(bugleUser(serverName))}`;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let room = queue.shift(); room !== undefined; room = queue.shift()) {
      if (readStateFirst) {
        const state = await fetch(`${base}/_matrix/client/v3/rooms/${encodeURIComponent(room)}/state?${asBugle}`, { headers: { authorization: `Bearer ${token}` } });
        if (!state.ok) throw new Error(`floor GET /state failed: ${state.status}`);
        await state.arrayBuffer();
      }
      const url = `${base}/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/${randomBytes(8).toString('hex')}?${asBugle}`;
      const response = await fetch(url, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ msgtype: 'm.text', body: '📯 Bugle from baseline: the same size of message', format: 'org.matrix.custom.html', formatted_body: '<p>📯 Bugle from baseline</p>' }),
      });
      if (!response.ok) throw new Error(`baseline PUT failed: ${response.status}`);
    }
  }));
  return performance.now() - started;
}

/** Members, their DMs (opened by a first broadcast) and the best baseline concurrency, set up once for every run. */
async function fanout(name: string, serverName: string, encrypted: boolean): Promise<Trial> {
  if (encrypted) setHearthConfig(serverName, [[['encryption', 'encrypt_direct_messages'], true]]);
  await withoutBugleLimits(serverName);
  const sender = await ensureMembers(serverName);
  const room = await sender.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [bugleUser(serverName)] });
  await waitFor('the Bugle to join', async () => (await sender.membership(room, bugleUser(serverName))) === 'join');
  const cold = await broadcast(serverName, sender, room, `first broadcast ${randomBytes(3).toString('hex')}`);
  const rooms = (await hearthSql<{ room_id: string }>(serverName, 'select room_id from direct_rooms where bot_user_id = ? and user_id <> ? and room_id is not null', [bugleUser(serverName), sender.userId])).map((r) => r.room_id);
  const token = (parse(readFileSync(server(serverName).hearth!.config_path, 'utf8')) as { appservice: { as_token: string } }).appservice.as_token;
  const trials: [number, number][] = [];
  for (const concurrency of CONCURRENCY) trials.push([concurrency, await rawPuts(serverName, rooms, concurrency, token)]);
  const [best] = trials.reduce((a, b) => (b[1] < a[1] ? b : a));
  return async () => {
    const before = await rawPuts(serverName, rooms, best, token);
    const timed = await broadcast(serverName, sender, room, `timed broadcast ${randomBytes(3).toString('hex')}`);
    const hearth = timed.deliveredMs;
    const after = await rawPuts(serverName, rooms, best, token);
    const floor = await rawPuts(serverName, rooms, best, token, true);
    const trip = await commandTripMs(serverName, sender, room);
    const baseline = (before + after) / 2;
    return {
      name,
      unit: 'ms',
      hearth,
      baseline,
      target: { ratio: encrypted ? 1.6 : 1.25 },
      note: `${rooms.length} ${encrypted ? 'encrypted ' : ''}DMs: "!bugle send" to the last delivery vs raw PUTs at the best concurrency (${best}; ${before.toFixed(0)}ms before, ${after.toFixed(0)}ms after); the sender's report ${(timed.reportedMs - timed.deliveredMs).toFixed(0)}ms after the last delivery; first broadcast, opening the DMs: ${cold.deliveredMs.toFixed(0)}ms; ` +
        `the floor, each PUT after a read of the DM's state as the Bugle's audience check makes: ${floor.toFixed(0)}ms, ${(floor / baseline).toFixed(2)}× the baseline, Hearth ${(hearth / floor).toFixed(2)}× the floor; `
        + `with the command's trip too (a message of the sender's until Hearth has recorded it: ${trip.toFixed(0)}ms): ${((floor + trip) / baseline).toFixed(2)}× the baseline, Hearth ${(hearth / (floor + trip)).toFixed(2)}× of it`,
    };
  };
}

export function bugleFanout(): Promise<Trial> {
  return fanout('bugle-fanout', 'camp.test', false);
}

export function bugleFanoutEncrypted(): Promise<Trial> {
  return fanout('bugle-fanout-encrypted', 'hood.test', true);
}
