// Restarting a testbed Hearth with other settings, and timing a stop: the
// scenarios slow jobs down so that a fault lands in the middle of one.
import { startHearth, stopHearth } from '../../testbed/testbed.ts';
import { setHearthConfig } from '../support/hearth.ts';

export type Settings = readonly [readonly string[], unknown][];

/** An ACL change over `rooms` rooms, one at a time, that takes about `totalMs`: long enough for a fault to land in it. */
export function slowAcl(rooms: number, totalMs: number): Settings {
  return [[['federation', 'acl_room_delay_ms'], Math.max(50, Math.round(totalMs / Math.max(1, rooms)))], [['federation', 'acl_concurrency'], 1]];
}
export const NORMAL_ACL: Settings = [[['federation', 'acl_room_delay_ms'], 0], [['federation', 'acl_concurrency'], 32]];
/** Broadcasts delivered one DM at a time, 200 ms apart, with room for the suite's broadcasts under the limits. */
export const SLOW_BUGLE: Settings = [
  [['bugle', 'delivery_delay_ms'], 200], [['bugle', 'concurrency'], 1], [['bugle', 'hourly_cap'], 1000], [['bugle', 'per_member_per_day'], 1000],
];
/** Broadcasts at full speed; the limits stay wide, since the suite broadcasts more than ten times an hour. */
export const ROOMY_BUGLE: Settings = [
  [['bugle', 'delivery_delay_ms'], 0], [['bugle', 'concurrency'], 16], [['bugle', 'hourly_cap'], 1000], [['bugle', 'per_member_per_day'], 1000],
];

/** Stops a Hearth (SIGTERM) and resolves with how long it took to exit; throws if it had to be killed. */
export async function timedStop(serverName: string): Promise<number> {
  const started = Date.now();
  await stopHearth(serverName);
  return Date.now() - started;
}

/** Stops a Hearth, changes its settings and starts it again; resolves with how long the stop took. */
export async function restartWith(serverName: string, settings: Settings): Promise<number> {
  const took = await timedStop(serverName);
  setHearthConfig(serverName, settings);
  await startHearth(serverName);
  return took;
}
