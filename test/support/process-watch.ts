// Watching a testbed Hearth's process from outside, as an operator's tools
// would: whether it is alive, how much memory it holds, how long it takes to go.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { server } from './member.ts';

/** The pid of a server's running Hearth, as the testbed recorded it. */
export function hearthPid(serverName: string): number {
  const pid = server(serverName).hearth?.pid;
  if (pid === null || pid === undefined) throw new Error(`${serverName}'s Hearth is not running`);
  return pid;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Resident memory in MB, or null once the process is gone. */
export function rssMb(pid: number): number | null {
  try {
    const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return line?.[1] === undefined ? null : Math.round(Number(line[1]) / 1024);
  } catch {
    return null;
  }
}

/** Resolves true once the process has exited, false if it still runs after `timeoutMs`. */
export async function waitForDeath(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** Samples a process's memory until stopped; reports the highest it saw. */
export class RssSampler {
  private peak = 0;
  private readonly pid: number;
  private readonly timer: NodeJS.Timeout;

  constructor(pid: number, everyMs = 250) {
    this.pid = pid;
    this.take();
    this.timer = setInterval(() => { this.take(); }, everyMs);
  }

  private take(): void {
    this.peak = Math.max(this.peak, rssMb(this.pid) ?? 0);
  }

  stop(): number {
    clearInterval(this.timer);
    this.take();
    return this.peak;
  }
}
