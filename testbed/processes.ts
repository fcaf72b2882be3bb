// Starting and stopping the long-lived processes of the testbed. Each one runs
// in its own session (setsid) so that it outlives the command that started it
// and so that a whole process group can be signalled at once. Before a signal
// is sent the command line is checked, because a recorded pid may by now
// belong to an unrelated program.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export type DetachedCommand = {
  command: string;
  args: readonly string[];
  logPath: string;
  cwd?: string;
  env: NodeJS.ProcessEnv;
};

/** Starts a process in a new session with stdout and stderr appended to a log. */
export function spawnDetached(spec: DetachedCommand): number {
  const log = openSync(spec.logPath, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: spec.env,
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}; see ${spec.logPath}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return null;
  }
}

/**
 * Alive and running a command that contains `marker`; zombies count as gone.
 * A live process whose command line reads empty is in the middle of an exec
 * (`chroot` becoming Python does that right after the spawn, and a poll taken
 * then read it as gone): it counts as running.
 */
export function isRunning(pid: number, marker: string): boolean {
  const state = processState(pid);
  if (state === null || state === 'Z') return false;
  const cmd = commandLine(pid);
  return cmd !== null && (cmd === '' || cmd.includes(marker));
}

function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces; the state follows it.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

export async function waitForExit(pid: number, marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid, marker)) return true;
    await sleep(100);
  }
  return !isRunning(pid, marker);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // The process leads its own group (spawnDetached); a negative pid reaches
    // any children it forked too.
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export type StopResult = 'not-running' | 'stopped' | 'killed';

/** SIGTERM, then SIGKILL if the process has not exited within the grace period. */
export async function stopProcess(pid: number, marker: string, graceMs: number): Promise<StopResult> {
  if (!isRunning(pid, marker)) return 'not-running';
  signalGroup(pid, 'SIGTERM');
  if (await waitForExit(pid, marker, graceMs)) return 'stopped';
  signalGroup(pid, 'SIGKILL');
  await waitForExit(pid, marker, 5000);
  return 'killed';
}

export async function killProcess(pid: number, marker: string): Promise<void> {
  if (!isRunning(pid, marker)) return;
  signalGroup(pid, 'SIGKILL');
  if (!(await waitForExit(pid, marker, 5000))) throw new Error(`process ${pid} survived SIGKILL`);
}

/**
 * Processes whose root directory is `root` and whose command contains
 * `marker`: Synapse servers left behind when a state file was lost.
 */
export function processesChrootedInto(root: string, marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let processRoot: string;
    try {
      processRoot = readlinkSync(`/proc/${entry}/root`);
    } catch {
      continue;
    }
    if (processRoot === root && isRunning(pid, marker)) found.push(pid);
  }
  return found;
}
