// A logger for tests that check what Hearth says: every line kept, in order,
// with its level and its fields. Children write to the same list.
import type { LogFields, Logger } from '../../src/logging/logger.ts';

export interface LogLine {
  level: string;
  message: string;
  fields: LogFields;
}

export function recordingLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (message: string, fields: LogFields = {}): void => { lines.push({ level, message, fields }); };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}
