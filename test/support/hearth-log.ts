// Reading what a testbed Hearth wrote to its log (JSON, one object a line)
// from a chosen moment on, as an operator tailing it would.
import { readFileSync, statSync } from 'node:fs';
import { server } from './member.ts';

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

function logPath(serverName: string): string {
  const path = server(serverName).hearth?.log_path;
  if (path === undefined) throw new Error(`${serverName} runs no Hearth`);
  return path;
}

/** Marks where a Hearth's log stands now; the function it returns reads what was written since. */
export function markLog(serverName: string): { text: () => string; lines: () => LogLine[] } {
  const path = logPath(serverName);
  const offset = statSync(path).size;
  const text = (): string => readFileSync(path).subarray(offset).toString('utf8');
  // Lines that are not JSON (a crash's stack, the stop messages on stderr) are kept as messages.
  const lines = (): LogLine[] => text().split('\n').filter((line) => line.trim() !== '').map((line) => {
    try {
      const parsed = JSON.parse(line) as unknown;
      if (typeof parsed === 'object' && parsed !== null && 'msg' in parsed && 'level' in parsed) return parsed as LogLine;
    } catch {
      // Not a JSON line: kept whole below.
    }
    return { level: 'raw', msg: line };
  });
  return { text, lines };
}
