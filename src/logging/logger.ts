// Structured logging with one named logger per module. Values under keys that
// look like secrets are replaced before anything is written, so a token passed
// by mistake in a field never reaches the log.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'text';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(module: string): Logger;
}

const SEVERITY: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|secret|password|authorization/i;

interface Sink {
  level: LogLevel;
  format: LogFormat;
  write: (line: string) => void;
}

const sink: Sink = {
  level: 'info',
  format: 'text',
  write: (line) => process.stderr.write(line + '\n'),
};

/** Applies the configured level and format to every logger, existing or future. */
export function configureLogging(options: { level: LogLevel; format: LogFormat; write?: (line: string) => void }): void {
  sink.level = options.level;
  sink.format = options.format;
  if (options.write) sink.write = options.write;
}

export function redact(fields: LogFields): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEY.test(key)) clean[key] = '[redacted]';
    else if (value instanceof Error) clean[key] = { name: value.name, message: value.message, stack: value.stack };
    else clean[key] = value;
  }
  return clean;
}

function render(level: LogLevel, module: string, message: string, fields: LogFields): string {
  const time = new Date().toISOString();
  const clean = redact(fields);
  if (sink.format === 'json') return JSON.stringify({ time, level, module, msg: message, ...clean });
  const extras = Object.entries(clean)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${time} ${level.toUpperCase().padEnd(5)} [${module}] ${message}${extras ? ' ' + extras : ''}`;
}

export function createLogger(module: string): Logger {
  const emit = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (SEVERITY[level] < SEVERITY[sink.level]) return;
    sink.write(render(level, module, message, fields));
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (sub) => createLogger(`${module}.${sub}`),
  };
}
