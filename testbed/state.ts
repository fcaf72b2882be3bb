// The state file records what `up` started so that `down`, `status` and tests
// in other processes can find the servers again. It is written atomically so a
// reader never sees half a file.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stateFile } from './paths.ts';
import { isRecord } from './http.ts';
import type { TestbedInfo } from './types.ts';

export function readState(): TestbedInfo | null {
  let text: string;
  try {
    text = readFileSync(stateFile(), 'utf8');
  } catch {
    return null;
  }
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed) || !Array.isArray(parsed.servers)) {
    throw new Error(`${stateFile()} is not a testbed state file; remove it after stopping any servers by hand`);
  }
  // The file is only ever written by writeState from a TestbedInfo.
  return parsed as TestbedInfo;
}

export function writeState(info: TestbedInfo): void {
  const path = stateFile();
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(temporary, path);
}

export function removeState(): void {
  rmSync(stateFile(), { force: true });
}
