// What every command of the command line shares: the usage error, and the
// config as `start` accepts it.
import { ConfigError, loadConfig } from '../config/load.ts';
import { unsafeValues } from '../config/safety.ts';
import type { Config } from '../config/schema.ts';

/** A mistake in how the command was called: answered with the usage. */
export class UsageError extends Error {}

export function requireOption(value: string | undefined, usage: string): string {
  if (!value) throw new UsageError(`this command needs ${usage}`);
  return value;
}

/** The config with the refusals of `start`: placeholder tokens, example domains. */
export function loadSafeConfig(path: string): Config {
  const config = loadConfig(path);
  const unsafe = unsafeValues(config);
  if (unsafe.length > 0) throw new ConfigError(path, unsafe);
  return config;
}
