// neighborhood-convergence: camp and hood form a neighborhood, glen is
// proposed and accepts, then hood casts the deciding vote. Measured: from that
// vote until the neighborhood squares of all three servers allow glen. The
// baseline, in the same run, is the floor issue 17 names, step by step: one
// state event from camp's bot crosses to glen (one federated hop), glen's
// homeserver pushes it to glen's Hearth (the appservice push), and glen's bot
// writes one ACL.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { ACL_SETTLE_FIELD } from '../src/room-state/writer.ts';
import { adminCommand, botByHand, hearthSql, managedRoom, withHearthDb } from '../test/support/hearth.ts';
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

async function decidingVoteMs(): Promise<number> {
  const admin = Member.admin('hood.test');
  const adminRoom = await managedRoom('hood.test', 'admin');
  await admin.join(adminRoom);
  // Looked up before the clock starts, so that the poll asks only the homeservers.
  const squares = await Promise.all(SERVERS.map(async (s) => [s, await managedRoom(s, 'neighborhood_square')] as const));
  const started = performance.now();
  await admin.send(adminRoom, '!neighborhood approve glen.test');
  await until('the deciding vote', started, async () => (await Promise.all(squares.map(([s, square]) => squareAllows(s, square, 'glen.test')))).every(Boolean), 20);
  return performance.now() - started;
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
 * homeserver's push (looked for in its database every 10 ms, through a
 * connection opened before the clock); glen's bot then writes its square's ACL
 * as it stands, marked as the writer marks a second copy, which Hearth's
 * comparisons leave out, so the write is a real event that Hearth does not repair.
 */
async function floorRun(council: string, glenSquare: string, glenDb: Knex): Promise<FloorRun> {
  const key = `bench-${randomBytes(4).toString('hex')}`;
  const glen = botByHand('glen.test');
  const acl = await glen.state(glenSquare, 'm.room.server_acl');
  const started = performance.now();
  const eventId = await botByHand('camp.test').setState(council, 'org.hearth.bench', key, { at: Date.now() });
  await until('the push to glen\'s Hearth', started, async () => (await glenDb('inbox_events').where({ event_id: eventId }).first('seq')) !== undefined, 10);
  const pushed = performance.now();
  await glen.setState(glenSquare, 'm.room.server_acl', '', { ...acl, [ACL_SETTLE_FIELD]: key });
  return { hopAndPushMs: pushed - started, aclWriteMs: performance.now() - pushed };
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
  const council = (await hearthSql<{ room_id: string }>('camp.test', 'select room_id from neighborhood_councils'))[0]?.room_id ?? '';
  return async () => {
    await glenGone();
    await glenWaitingForHood();
    const floors = await floorRuns(council);
    const hearth = await decidingVoteMs();
    const shown = floors.map((f) => `${totalMs(f).toFixed(0)} (${f.hopAndPushMs.toFixed(0)} + ${f.aclWriteMs.toFixed(0)})`).join(', ');
    return {
      name: 'neighborhood-convergence',
      unit: 'ms',
      hearth,
      baseline: floors.map(totalMs).reduce((a, b) => a + b, 0) / floors.length,
      target: { ratio: 2.5 },
      note: `hood's deciding vote for glen until camp, hood and glen all allow glen, vs the floor: one state event from camp pushed to glen's Hearth, then one ACL write by glen (mean of ${shown} ms: hop and push + ACL write)`,
    };
  };
}
