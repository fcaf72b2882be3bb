// `hearth start`: runs Hearth until SIGINT or SIGTERM.
import { start, type Hearth } from '../main.ts';
import { loadSafeConfig } from './common.ts';

/** Past the shutdown deadline, how long the hard stop may take before the process exits regardless. */
const STOP_OVERSTAY_MS = 2_000;

export async function runStart(path: string): Promise<void> {
  const config = loadSafeConfig(path);
  let hearth: Hearth | null = null;
  let stopRequested = false;
  // Installed before start-up, which may wait a minute for the homeserver, so a stop request is honoured then too.
  // The first signal stops softly within service.shutdown_seconds; a second one, or a stop that overstays, exits at once.
  const shutdown = (signal: string): void => {
    if (stopRequested) {
      process.stderr.write(`received ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopRequested = true;
    process.stderr.write(`received ${signal}, stopping (at most ${config.service.shutdown_seconds} s; send it again to exit at once)\n`);
    setTimeout(() => {
      process.stderr.write('the stop overstayed service.shutdown_seconds; exiting now\n');
      process.exit(1);
    }, config.service.shutdown_seconds * 1000 + STOP_OVERSTAY_MS).unref();
    (hearth ? hearth.stop() : Promise.resolve()).then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`error while stopping: ${String(error)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  hearth = await start(config);
}
