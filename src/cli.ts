#!/usr/bin/env node
// Hearth's command line: reads the arguments and hands each command to its
// own module under cli/.
import { enableCompileCache } from 'node:module';
import { parseArgs } from 'node:util';
import { ConfigError } from './config/load.ts';
import { renderSampleConfig } from './config/sample.ts';
import { renderConfigReference } from './config/reference.ts';
import { requireOption, UsageError } from './cli/common.ts';

const USAGE = `Usage: hearth <command> [options]

Commands:
  start -c <config>                      run Hearth
  registration -c <config> -o <file>     write the homeserver's registration file
                                         (fills placeholder tokens in the config first)
  synapse-snippet -c <config> [-r <registration>]
                                         print the Synapse settings Hearth needs
  check-config -c <config>               check the config, the database, and that the
                                         homeserver answers, loaded the registration
                                         and reaches Hearth; exit 1 on any problem
  migrate -c <config>                    bring the database schema up to date and exit
  sample-config                          print the documented sample config
  config-reference                       print the key reference for docs/configuration.md`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      output: { type: 'string', short: 'o' },
      registration: { type: 'string', short: 'r' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const config = (): string => requireOption(values.config, '-c <config file>');
  // Node keeps the compiled code of the modules loaded below between starts (where
  // NODE_COMPILE_CACHE says, or in the temporary folder), so a start compiles less.
  enableCompileCache();
  // Each command loads only what it needs: the sample needs no database driver, the snippet no Matrix client.
  switch (command) {
    case 'start': return (await import('./cli/start.ts')).runStart(config());
    case 'registration': (await import('./cli/registration.ts')).runRegistration(config(), requireOption(values.output, '-o <registration file>')); return;
    case 'synapse-snippet': (await import('./cli/synapse-snippet.ts')).runSynapseSnippet(config(), values.registration); return;
    case 'check-config': if (!(await (await import('./cli/check-config.ts')).runCheckConfig(config()))) process.exitCode = 1; return;
    case 'migrate': return (await import('./cli/migrate.ts')).runMigrate(config());
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
