// peak-memory: the highest resident memory of camp's Hearth while it delivers
// a Bugle broadcast to 100 members and, at the same time, pushes a new ACL
// entry to 200 rooms; against the same Hearth's idle RSS just before. Then how
// far it comes back: its RSS once it is within 10% of idle again, or a minute
// after the work ended if it never is (peak-memory-recovery).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { hearthSql } from '../test/support/hearth.ts';
import { waitFor } from '../test/support/member.ts';
import { ensureRooms, hearthMs, hearthSettled } from './acl-propagation.ts';
import { broadcast, ensureMembers, withoutBugleLimits } from './bugle-fanout.ts';
import { residentMiB, settledResidentMiB, startHearthByHand } from './processes.ts';
import type { BenchResult } from './report.ts';
import type { Trial } from './runner.ts';

const SERVER = 'camp.test';
const BUGLE = '@hearth_bugle:camp.test';
/** Long enough for start-up's own garbage to be collected; shorter than idle-memory's minute, which it does not measure. */
const SETTLE_MS = 30_000;
const SAMPLE_MS = 50;
/** The target: back within 10% of idle a minute later. */
const RECOVERY_MS = 60_000;
const RECOVERED = 1.1;

/**
 * Samples the RSS of `pid` until stopped; stop() resolves with the highest
 * value seen, or fails with what ended the sampling early (the process gone).
 */
function peakSampler(pid: number): { stop(): Promise<number> } {
  let peak = residentMiB(pid);
  const sampling = new AbortController();
  const loop = (async (): Promise<Error | null> => {
    try {
      while (!sampling.signal.aborted) {
        peak = Math.max(peak, residentMiB(pid));
        await sleep(SAMPLE_MS);
      }
      return null;
    } catch (error) {
      // Kept for stop(), which every run calls: a loop that throws on its own would end the whole benchmark run.
      return error instanceof Error ? error : new Error(String(error));
    }
  })();
  return {
    stop: async () => {
      sampling.abort();
      const failure = await loop;
      if (failure) throw failure;
      return peak;
    },
  };
}

async function recovered(pid: number, idle: number): Promise<{ rss: number; afterMs: number }> {
  const started = performance.now();
  for (;;) {
    const rss = residentMiB(pid);
    const afterMs = performance.now() - started;
    if (rss <= idle * RECOVERED || afterMs >= RECOVERY_MS) return { rss, afterMs };
    await sleep(1_000);
  }
}

export async function peakMemory(): Promise<Trial> {
  await withoutBugleLimits(SERVER);
  const sender = await ensureMembers(SERVER);
  const roomIds = await ensureRooms();
  const dm = await sender.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [BUGLE] });
  await waitFor('the Bugle to join', async () => (await sender.membership(dm, BUGLE)) === 'join');
  // Opens the Bugle's DMs, so the measured broadcast is a delivery like any other.
  await broadcast(SERVER, sender, dm, `memory warm-up ${randomBytes(3).toString('hex')}`);
  const members = Number((await hearthSql<{ n: string }>(SERVER, 'select count(*) as n from members'))[0]?.n);
  return async (): Promise<BenchResult[]> => {
    await hearthSettled();
    const hearth = await startHearthByHand(SERVER);
    try {
      await sleep(SETTLE_MS);
      const idle = await settledResidentMiB(hearth.pid);
      const sampler = peakSampler(hearth.pid);
      let peak = NaN;
      // The sampler stops whether the work succeeds or not, so nothing samples a Hearth that is gone.
      const [broadcastTimes, acl] = await Promise.all([
        broadcast(SERVER, sender, dm, `memory peak ${randomBytes(3).toString('hex')}`),
        hearthMs(),
      ]).finally(async () => { peak = await sampler.stop(); });
      const after = await recovered(hearth.pid, idle);
      const work = `a broadcast to ${members} members (${broadcastTimes.reportedMs.toFixed(0)}ms) and an ACL push to ${roomIds.length} rooms (${acl.propagation.toFixed(0)}ms) at once`;
      return [
        { name: 'peak-memory', unit: 'MiB', hearth: peak, baseline: idle, target: { ratio: 1.5 }, note: `peak RSS during ${work} vs idle RSS before` },
        {
          name: 'peak-memory-recovery', unit: 'MiB', hearth: after.rss, baseline: idle, target: { ratio: RECOVERED },
          note: after.rss <= idle * RECOVERED ? `RSS back within 10% of idle ${(after.afterMs / 1000).toFixed(0)} s after the work` : `RSS a minute after the work, still above idle + 10%`,
        },
      ];
    } finally {
      await hearth.stop();
    }
  };
}
