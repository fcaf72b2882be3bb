// neighborhood-convergence: camp and hood form a neighborhood, glen is
// proposed and accepts, then hood casts the deciding vote. Measured: from that
// vote until the neighborhood squares of camp and hood admit glen and glen's
// admits camp and hood, each seen by a long-polled /sync of its admin. The
// baseline, in the same run, is the floor issue 17 names, step by step: one
// state event from camp's bot crosses to glen (one federated hop), glen's
// homeserver pushes it to glen's Hearth (the appservice push), and glen's bot
// writes one ACL.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { ACL_SETTLE_FIELD } from '../src/room-state/writer.ts';
import { adminCommand, botByHand, hearthSql, managedRoom, recordedAt, withHearthDb } from '../test/support/hearth.ts';
import { Member, waitFor } from '../test/support/member.ts';
import type { Trial } from './runner.ts';

const SERVERS = ['camp.test', 'hood.test', 'glen.test'];
/** Five minutes: far beyond any convergence; past it the run fails instead of hanging the others. */
const STUCK_MS = 300_000;

function checkNotStuck(started: number, what: string): void {
  if (performance.now() - started > STUCK_MS) throw new Error(`${what}: still waiting after ${STUCK_MS / 1000} s`);
}

async function squareAllows(server: string, square: string, target: string): Promise<boolean> {
  const acl = await botByHand(server).state(square, 'm.room.server_acl');
  return (acl.allow as string[]).includes(target);
}

async function allows(server: string, target: string): Promise<boolean> {
  return squareAllows(server, await managedRoom(server, 'neighborhood_square'), target);
}

async function invitedToNeighborhood(server: string): Promise<boolean> {
  return /Invitation from the neighborhood of/.test(await adminCommand(server, '!neighborhood status'));
}

async function formCampAndHood(): Promise<void> {
  await adminCommand('camp.test', '!neighborhood create');
  await adminCommand('camp.test', '!neighborhood propose hood.test');
  await waitFor('hood to be invited', () => invitedToNeighborhood('hood.test'), 60_000);
  await adminCommand('hood.test', '!neighborhood accept');
  await waitFor('camp and hood to allow each other', async () => (await allows('camp.test', 'hood.test')) && (await allows('hood.test', 'camp.test')), 60_000);
}

async function glenWaitingForHood(): Promise<void> {
  await adminCommand('camp.test', '!neighborhood propose glen.test');
  await waitFor('glen to be invited', () => invitedToNeighborhood('glen.test'), 60_000);
  await adminCommand('glen.test', '!neighborhood accept');
  await waitFor('hood to see glen proposed', async () => /glen\.test: approved by camp\.test/.test(await adminCommand('hood.test', '!neighborhood status')), 60_000);
}

/** Polls `done` every `pollMs` until it holds; fails once the wait since `started` is stuck. */
async function until(what: string, started: number, done: () => Promise<boolean>, pollMs: number): Promise<void> {
  while (!(await done())) {
    checkNotStuck(started, what);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Who each square must admit once glen is in: camp's and hood's, glen; glen's, camp and hood. */
function neighborsOf(server: string): string[] {
  return server === 'glen.test' ? ['camp.test', 'hood.test'] : ['glen.test'];
}

interface StateEventLike { type: string; content: { allow?: unknown } }
interface SquareRoom { state?: { events?: StateEventLike[] }; timeline?: { events?: StateEventLike[] } }
interface SquareSync {
  next_batch: string;
  rooms?: { join?: Record<string, SquareRoom> };
}

/** Whether the newest ACL among a sync's state and timeline of the square (in that order) admits every one of `servers`. */
function admitsAll(room: SquareRoom | undefined, servers: readonly string[]): boolean {
  const acl = [...(room?.state?.events ?? []), ...(room?.timeline?.events ?? [])].filter((event) => event.type === 'm.room.server_acl').at(-1);
  const allow = acl?.content.allow;
  return Array.isArray(allow) && servers.every((server) => allow.includes(server));
}

/**
 * The server's admin, joined to its square (invited by the bot if need be):
 * the one who watches it. The bot itself cannot sync: Synapse refuses /sync
 * to an application service's own user.
 */
async function squareWatcher(server: string, square: string): Promise<Member> {
  const admin = Member.admin(server);
  const membership = await botByHand(server).membership(square, admin.userId);
  if (membership === 'join') return admin;
  if (membership !== 'invite') await botByHand(server).invite(square, admin.userId);
  await admin.join(square);
  return admin;
}

/**
 * Watches a square's ACL through its admin's /sync, long-polled: the homeserver
 * answers when an ACL that admits every neighbor is stored, and nothing polls
 * it meanwhile (a poll of the three homeservers loaded them while they
 * converged, during Hearth's timed phase only). Set up before the clock;
 * `until` resolves at the moment that ACL came.
 */
async function squareWatch(server: string, square: string): Promise<{ until: (started: number) => Promise<number> }> {
  const watcher = await squareWatcher(server, square);
  const types = { types: ['m.room.server_acl'] };
  const filter = encodeURIComponent(JSON.stringify({
    room: { rooms: [square], state: types, timeline: { ...types, limit: 20 }, ephemeral: { types: [] }, account_data: { types: [] } },
    presence: { types: [] }, account_data: { types: [] },
  }));
  const first = await watcher.request<SquareSync>('GET', `/sync?timeout=0&filter=${filter}`);
  const already = admitsAll(first.rooms?.join?.[square], neighborsOf(server));
  return {
    until: async (started) => {
      if (already) return started;
      for (let since = first.next_batch; ;) {
        checkNotStuck(started, `${server}'s square to admit ${neighborsOf(server).join(' and ')}`);
        const sync = await watcher.request<SquareSync>('GET', `/sync?timeout=30000&since=${encodeURIComponent(since)}&filter=${filter}`);
        if (admitsAll(sync.rooms?.join?.[square], neighborsOf(server))) return performance.now();
        since = sync.next_batch;
      }
    },
  };
}

/** From hood's deciding vote until each square admits its new neighbors, in the order of SERVERS. */
async function decidingVoteMs(): Promise<number[]> {
  const admin = Member.admin('hood.test');
  const adminRoom = await managedRoom('hood.test', 'admin');
  await admin.join(adminRoom);
  const watches = await Promise.all(SERVERS.map(async (s) => squareWatch(s, await managedRoom(s, 'neighborhood_square'))));
  const started = performance.now();
  await admin.send(adminRoom, '!neighborhood approve glen.test');
  return Promise.all(watches.map(async (watch) => (await watch.until(started)) - started));
}

interface FloorRun {
  /** From camp's write until glen's Hearth has recorded the event. */
  hopAndPushMs: number;
  /** glen's one ACL write, after that. */
  aclWriteMs: number;
}

/**
 * The floor, one step after the other with nothing else: camp's bot writes a
 * state event in the council room; glen's Hearth records it from its
 * homeserver's push (timed by the time it records with it, on the same clock;
 * looked for in its database every 10 ms, through a connection opened before
 * the clock); glen's bot then writes its square's ACL
 * as it stands, marked as the writer marks a second copy, which Hearth's
 * comparisons leave out, so the write is a real event that Hearth does not repair.
 */
async function floorRun(council: string, glenSquare: string, glenDb: Knex): Promise<FloorRun> {
  const key = `bench-${randomBytes(4).toString('hex')}`;
  const glen = botByHand('glen.test');
  const acl = await glen.state(glenSquare, 'm.room.server_acl');
  const started = performance.now();
  const sentAt = Date.now();
  const eventId = await botByHand('camp.test').setState(council, 'org.hearth.bench', key, { at: sentAt });
  let receivedAt: number | null = null;
  await until('the push to glen\'s Hearth', started, async () => (receivedAt = await recordedAt(glenDb, eventId)) !== null, 10);
  const written = performance.now();
  await glen.setState(glenSquare, 'm.room.server_acl', '', { ...acl, [ACL_SETTLE_FIELD]: key });
  return { hopAndPushMs: Number(receivedAt) - sentAt, aclWriteMs: performance.now() - written };
}

async function floorRuns(council: string): Promise<FloorRun[]> {
  const glenSquare = await managedRoom('glen.test', 'neighborhood_square');
  return withHearthDb('glen.test', async (db) => [
    await floorRun(council, glenSquare, db),
    await floorRun(council, glenSquare, db),
    await floorRun(council, glenSquare, db),
  ]);
}

const totalMs = (run: FloorRun): number => run.hopAndPushMs + run.aclWriteMs;

/** Before a second run: glen leaves, and camp and hood stop allowing it, so it can be proposed again. */
async function glenGone(): Promise<void> {
  if (!(await allows('camp.test', 'glen.test'))) return;
  await adminCommand('glen.test', '!neighborhood leave');
  await waitFor('camp and hood to stop allowing glen', async () => !(await allows('camp.test', 'glen.test')) && !(await allows('hood.test', 'glen.test')), 180_000);
}

/** camp and hood form the neighborhood once; each run brings glen in again, up to hood's deciding vote. */
export async function neighborhoodConvergence(): Promise<Trial> {
  await formCampAndHood();
  // Joined once, untimed: what Hearth does about a member's join is not what is measured.
  for (const server of SERVERS) await squareWatcher(server, await managedRoom(server, 'neighborhood_square'));
  const council = (await hearthSql<{ room_id: string }>('camp.test', 'select room_id from neighborhood_councils'))[0]?.room_id ?? '';
  return async () => {
    await glenGone();
    await glenWaitingForHood();
    const floors = await floorRuns(council);
    const squares = await decidingVoteMs();
    const hearth = Math.max(...squares);
    const shown = floors.map((f) => `${totalMs(f).toFixed(0)} (${f.hopAndPushMs.toFixed(0)} + ${f.aclWriteMs.toFixed(0)})`).join(', ');
    return {
      name: 'neighborhood-convergence',
      unit: 'ms',
      hearth,
      baseline: floors.map(totalMs).reduce((a, b) => a + b, 0) / floors.length,
      target: { ratio: 2.5 },
      note: `hood's deciding vote for glen until camp's and hood's squares admit glen and glen's admits them (each seen by its admin's /sync: ${squares.map((ms, i) => `${SERVERS[i]} ${ms.toFixed(0)}`).join(', ')} ms), vs the floor: one state event from camp pushed to glen's Hearth, then one ACL write by glen (mean of ${shown} ms: hop and push + ACL write)`,
    };
  };
}
