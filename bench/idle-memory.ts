// idle-memory, idle-memory-encrypted: the resident memory (RSS) of camp's
// Hearth idle a minute after its start, with the community the earlier
// benchmarks left there (100 members, 200 rooms and more), with encryption off
// and on. The floor, started at the same moment and left idle as long: a bare
// Node process running an express server that answers one route.
import { setTimeout as sleep } from 'node:timers/promises';
import { setHearthConfig, hearthSql } from '../test/support/hearth.ts';
import { ensureRooms } from './acl-propagation.ts';
import { ensureMembers } from './bugle-fanout.ts';
import { settledResidentMiB, startFloor, startHearthByHand } from './processes.ts';
import type { BenchResult } from './report.ts';
import type { Trial } from './runner.ts';

const SERVER = 'camp.test';
/** The "idle 60 s after start". */
export const IDLE_MS = 60_000;

async function count(table: string): Promise<number> {
  return Number((await hearthSql<{ n: string }>(SERVER, `select count(*) as n from ${table}`))[0]?.n);
}

async function idleRss(encrypted: boolean): Promise<BenchResult> {
  setHearthConfig(SERVER, [[['encryption', 'enabled'], encrypted]]);
  let hearth: Awaited<ReturnType<typeof startHearthByHand>> | null = null;
  const floor = await startFloor();
  try {
    hearth = await startHearthByHand(SERVER);
    await sleep(IDLE_MS);
    const [hearthMiB, floorMiB] = await Promise.all([settledResidentMiB(hearth.pid), settledResidentMiB(floor.pid)]);
    return {
      name: encrypted ? 'idle-memory-encrypted' : 'idle-memory',
      unit: 'MiB',
      hearth: hearthMiB,
      baseline: floorMiB,
      target: { hearth: encrypted ? 120 : 80 },
      note: `RSS ${IDLE_MS / 1000} s after start, encryption ${encrypted ? 'on' : 'off'}, ${await count('members')} members, ${await count('managed_rooms')} rooms, vs a bare Node express server idle as long`,
    };
  } finally {
    await floor.stop();
    // The testbed's Hearth starts again as it was.
    setHearthConfig(SERVER, [[['encryption', 'enabled'], true]]);
    await hearth?.stop();
  }
}

async function community(): Promise<void> {
  await ensureMembers(SERVER);
  await ensureRooms();
}

export async function idleMemory(): Promise<Trial> {
  await community();
  return () => idleRss(false);
}

export async function idleMemoryEncrypted(): Promise<Trial> {
  await community();
  return () => idleRss(true);
}
