// A crash on demand, for the fault suite only: it proves that a process killed
// just before or just after answering a transaction neither loses nor repeats a
// command. It is off unless HEARTH_FAULT_HOOKS names a folder, which only the
// testbed sets. A file `kill-<point>` in that folder holds a user ID; the first
// transaction carrying a message from that user kills Hearth at that point.
// The file is deleted first, so the restarted Hearth does not die again.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingEvent } from '../../store/inbox-store.ts';

/** Where in answering a transaction the process may be killed: after the commit and before the 200, or once the 200 is sent. */
export type AckPoint = 'before-answer' | 'after-answer';

export interface AckFaults {
  /** Kills the process (SIGKILL, as a crash) when a fault is armed for this point and these events. */
  at(point: AckPoint, events: readonly IncomingEvent[]): void;
}

export const FAULT_HOOKS_VARIABLE = 'HEARTH_FAULT_HOOKS';

export function ackFaultFile(folder: string, point: AckPoint): string {
  return join(folder, `kill-${point}`);
}

/** The hook the environment asks for, or null (the normal case) when it asks for none. */
export function ackFaultsFromEnvironment(env: NodeJS.ProcessEnv = process.env): AckFaults | null {
  const folder = env[FAULT_HOOKS_VARIABLE];
  if (folder === undefined || folder === '') return null;
  return {
    at(point, events) {
      const file = ackFaultFile(folder, point);
      if (!existsSync(file)) return;
      const sender = readFileSync(file, 'utf8').trim();
      if (!events.some((event) => event.type === 'm.room.message' && event.sender === sender)) return;
      rmSync(file);
      process.kill(process.pid, 'SIGKILL');
    },
  };
}
