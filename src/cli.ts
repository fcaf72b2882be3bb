#!/usr/bin/env node
// Hearth's command line: run the service, generate its registration and sample
// config, or migrate its database.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/load.ts';
import { buildRegistration, fillPlaceholderTokens, renderRegistration, writeSecretFile } from './config/registration.ts';
import { unsafeValues } from './config/safety.ts';
import type { Config } from './config/schema.ts';
import { renderSampleConfig } from './config/sample.ts';
import { renderConfigReference } from './config/reference.ts';
import { start, type Hearth } from './main.ts';
import { openDatabase } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';

const USAGE = `Usage: hearth <command> [options]

Commands:
  start -c <config>                      run Hearth
  registration -c <config> -o <file>     write the homeserver's registration file
                                         (fills placeholder tokens in the config first)
  check-config -c <config>               validate a config file and exit
  migrate -c <config>                    bring the database schema up to date and exit
  sample-config                          print the documented sample config
  config-reference                       print the key reference for docs/configuration.md`;

function configPath(values: { config?: string | undefined }): string {
  if (!values.config) throw new UsageError('this command needs -c <config file>');
  return values.config;
}

class UsageError extends Error {}

/** Past the shutdown deadline, how long the hard stop may take before the process exits regardless. */
const STOP_OVERSTAY_MS = 2_000;

function loadSafeConfig(path: string): Config {
  const config = loadConfig(path);
  const unsafe = unsafeValues(config);
  if (unsafe.length > 0) throw new ConfigError(path, unsafe);
  return config;
}

async function runStart(path: string): Promise<void> {
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

function runRegistration(path: string, output: string | undefined): void {
  if (!output) throw new UsageError('registration needs -o <registration file>');
  const filled = fillPlaceholderTokens(path);
  const registration = buildRegistration(loadConfig(path));
  writeSecretFile(output, renderRegistration(registration));
  process.stdout.write(`wrote ${output}${filled.length ? ` (generated ${filled.join(' and ')} in ${path})` : ''}\n`);
}

async function runMigrate(path: string): Promise<void> {
  const db = openDatabase(loadConfig(path).database);
  try {
    const { applied } = await migrateToLatest(db);
    process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'the database is up to date\n');
  } finally {
    await db.destroy();
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  switch (command) {
    case 'start': return runStart(configPath(values));
    case 'registration': runRegistration(configPath(values), values.output); return;
    case 'check-config': loadSafeConfig(configPath(values)); process.stdout.write('config is valid\n'); return;
    case 'migrate': return runMigrate(configPath(values));
    case 'sample-config': process.stdout.write(renderSampleConfig()); return;
    case 'config-reference': process.stdout.write(renderConfigReference() + '\n'); return;
    default: throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(error.message + '\n');
  else if (error instanceof UsageError) process.stderr.write(`hearth: ${error.message}\n\n${USAGE}\n`);
  else process.stderr.write(`hearth: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
