import type { Logger } from '../../src/logging/logger.ts';
import type { Logger as SdkLogger } from 'matrix-js-sdk/lib/logger.js';

/** A logger for tests that provoke errors on purpose, so the run's output stays readable. */
export function silentLogger(): Logger {
  const nothing = (): void => undefined;
  return { debug: nothing, info: nothing, warn: nothing, error: nothing, child: () => silentLogger() };
}

/** matrix-js-sdk's logger, silenced: a syncing test client is chatty. */
export function silentSdkLogger(): SdkLogger {
  const nothing = (): void => undefined;
  return { trace: nothing, debug: nothing, info: nothing, warn: nothing, error: nothing, getChild: () => silentSdkLogger() };
}
