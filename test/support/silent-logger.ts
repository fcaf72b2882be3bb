import type { Logger } from '../../src/logging/logger.ts';

/** A logger for tests that provoke errors on purpose, so the run's output stays readable. */
export function silentLogger(): Logger {
  const nothing = (): void => undefined;
  return { debug: nothing, info: nothing, warn: nothing, error: nothing, child: () => silentLogger() };
}
