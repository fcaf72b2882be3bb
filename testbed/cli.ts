// Command line of the testbed:
//   node testbed/cli.ts up [--servers camp,hood,glen,far] [--hearth camp,hood]
//                          [--hearth-db sqlite|postgres:<url-prefix>] [--json]
//   node testbed/cli.ts down
//   node testbed/cli.ts status [--json]
import { parseArgs } from 'node:util';
import { down, parseHearthDb, status, upReportingReuse, type TestbedInfo, type TestbedStatus, type UpOptions } from './testbed.ts';

const USAGE = `usage:
  node testbed/cli.ts up [--servers camp,hood,glen,far] [--hearth camp,hood] [--hearth-db sqlite|postgres:<url-prefix>] [--json]
  node testbed/cli.ts down
  node testbed/cli.ts status [--json]`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      return runUp(rest);
    case 'down':
      await down();
      process.stdout.write('testbed stopped\n');
      return 0;
    case 'status':
      return runStatus(rest);
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
}

async function runUp(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      servers: { type: 'string' },
      hearth: { type: 'string' },
      'hearth-db': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const options: UpOptions = {
    ...(values.servers === undefined ? {} : { servers: splitList(values.servers) }),
    ...(values.hearth === undefined ? {} : { hearth: splitList(values.hearth) }),
    ...(values['hearth-db'] === undefined ? {} : { hearthDb: parseHearthDb(values['hearth-db']) }),
  };
  const started = Date.now();
  const { info, reused } = await upReportingReuse(options);
  const headline = reused
    ? `testbed already up since ${info.started_at}; reused it`
    : `testbed up in ${((Date.now() - started) / 1000).toFixed(1)} s`;
  process.stdout.write(values.json ? `${JSON.stringify(info, null, 2)}\n` : describeInfo(info, headline));
  return 0;
}

async function runStatus(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false } }, strict: true });
  const current = await status();
  process.stdout.write(values.json ? `${JSON.stringify(current, null, 2)}\n` : describeStatus(current));
  return current.up ? 0 : 1;
}

function splitList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function describeInfo(info: TestbedInfo, headline: string): string {
  const lines = [`${headline} (state in ${info.state_dir})`];
  for (const server of info.servers) {
    lines.push(`  ${server.name}  client ${server.client_url}  federation ${server.federation_address}  admin ${server.admin_user_id} / ${server.admin_password}`);
    lines.push(`    synapse log: ${server.synapse_log}`);
    if (server.hearth !== null) {
      lines.push(`    hearth: ${server.hearth.bot_user_id} at ${server.hearth.appservice_url}, admin room ${server.hearth.admin_room_id}`);
      lines.push(`    hearth log: ${server.hearth.log_path}`);
    }
  }
  lines.push('stop it with: node testbed/cli.ts down');
  return `${lines.join('\n')}\n`;
}

function describeStatus(current: TestbedStatus): string {
  if (current.info === null) return 'no testbed is running\n';
  const servers = current.info.servers.map((server) => server.name).join(', ');
  if (current.up) return `testbed is up: ${servers}\n`;
  return `testbed is recorded (${servers}) but not healthy:\n  ${current.problems.join('\n  ')}\n`;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`testbed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
