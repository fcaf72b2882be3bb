// neighborhood-convergence: camp and hood form a neighborhood, glen is
// proposed and accepts, then hood casts the deciding vote. Measured: from that
// vote until the neighborhood squares of all three servers allow glen. The
// baseline, in the same run, is one state event from camp's bot reaching
// glen's copy of the council room (the time federation itself needs).
import { randomBytes } from 'node:crypto';
import { adminCommand, botByHand, hearthSql, managedRoom } from '../test/support/hearth.ts';
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

async function decidingVoteMs(): Promise<number> {
  const admin = Member.admin('hood.test');
  const adminRoom = await managedRoom('hood.test', 'admin');
  await admin.join(adminRoom);
  // Looked up before the clock starts: the poll then asks the homeservers only, as the baseline's does.
  const squares = await Promise.all(SERVERS.map(async (s) => [s, await managedRoom(s, 'neighborhood_square')] as const));
  const started = performance.now();
  await admin.send(adminRoom, '!neighborhood approve glen.test');
  for (;;) {
    const done = await Promise.all(squares.map(([s, square]) => squareAllows(s, square, 'glen.test')));
    if (done.every(Boolean)) return performance.now() - started;
    checkNotStuck(started, 'the deciding vote');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function oneStateEventMs(council: string): Promise<number> {
  const key = `bench-${randomBytes(4).toString('hex')}`;
  const started = performance.now();
  await botByHand('camp.test').setState(council, 'org.hearth.bench', key, { at: Date.now() });
  const glen = botByHand('glen.test');
  for (;;) {
    const seen = await glen.state(council, 'org.hearth.bench', key).then(() => true, () => false);
    if (seen) return performance.now() - started;
    checkNotStuck(started, 'one state event');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

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
    const baselines = [await oneStateEventMs(council), await oneStateEventMs(council), await oneStateEventMs(council)];
    const hearth = await decidingVoteMs();
    return {
      name: 'neighborhood-convergence',
      unit: 'ms',
      hearth,
      baseline: baselines.reduce((a, b) => a + b, 0) / baselines.length,
      target: { ratio: 2.5 },
      note: `hood's deciding vote for glen until camp, hood and glen all allow glen, vs one state event from camp to glen (mean of ${baselines.map((b) => b.toFixed(0)).join(', ')} ms)`,
    };
  };
}
