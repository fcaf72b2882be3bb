// Node's test runner runs test files in parallel processes, and each may call
// up() to share one testbed. Without a lock two of them would both find no
// testbed and both start one on the same ports. The lock file holds the pid
// of its owner so that a lock left by a crashed process is recognised and
// taken over.
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stateDir } from './paths.ts';

const WAIT_LIMIT_MS = 10 * 60_000;

export async function withTestbedLock<T>(action: () => Promise<T>): Promise<T> {
  const path = join(stateDir(), '.lock');
  mkdirSync(stateDir(), { recursive: true });
  await acquire(path);
  try {
    return await action();
  } finally {
    rmSync(path, { force: true });
  }
}

async function acquire(path: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    if (tryCreate(path)) return;
    const owner = lockOwner(path);
    if (owner !== null && !isAlive(owner)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`the testbed is locked by process ${owner ?? '?'} (${path}) for more than ${WAIT_LIMIT_MS / 60_000} minutes`);
    }
    await sleep(200);
  }
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  writeSync(fd, String(process.pid));
  closeSync(fd);
  return true;
}

function lockOwner(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
