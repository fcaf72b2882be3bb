// Failures quote the end of the relevant log so the reason is on screen
// without hunting for the file.
import { readFileSync } from 'node:fs';

export function logTail(path: string, lines = 40): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return `(no log at ${path})`;
  }
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  return `--- last ${lines} lines of ${path} ---\n${tail}\n--- end of log ---`;
}
