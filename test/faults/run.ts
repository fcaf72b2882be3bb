// npm run faults [-- <name>...]: runs the fault scenarios (all by default) one
// after another on the running testbed, and prints one line for each:
//   FAULT <name> ok|FAIL <figures>
// followed, for a failure, by what went wrong. Exits 1 if any scenario failed.
// Nothing is ever skipped: a scenario that cannot run fails.
import { Findings, type Scenario } from './findings.ts';
import { restoreTestbed } from './restore.ts';
import { killAroundAck } from './kill-around-ack.ts';
import { hearthOutage } from './hearth-outage.ts';
import { shutdownDeadline } from './shutdown-deadline.ts';
import { hostileTransactions } from './hostile-transactions.ts';
import { hostileCommands } from './hostile-commands.ts';
import { databaseOutage } from './database-outage.ts';
import { synapseRestartMidJob } from './synapse-restart-mid-job.ts';
import { partitionVote } from './partition-vote.ts';
import { load } from './load.ts';
import { testbed } from '../support/member.ts';

const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'kill-around-ack': killAroundAck,
  'hearth-outage': hearthOutage,
  'shutdown-deadline': shutdownDeadline,
  'hostile-transactions': hostileTransactions,
  'hostile-commands': hostileCommands,
  'database-outage': databaseOutage,
  'synapse-restart-mid-job': synapseRestartMidJob,
  'partition-vote': partitionVote,
  load,
};

async function runOne(name: string, scenario: Scenario): Promise<boolean> {
  const findings = new Findings();
  const started = Date.now();
  try {
    await scenario(findings);
  } catch (error) {
    findings.problems.push(`stopped early: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Whatever happened, the next scenario starts from every server and Hearth running.
  try {
    await restoreTestbed();
  } catch (error) {
    findings.problems.push(`could not put the testbed back: ${error instanceof Error ? error.message : String(error)}`);
  }
  findings.figure('took_s', Math.round((Date.now() - started) / 1000));
  const ok = findings.problems.length === 0;
  process.stdout.write(`FAULT ${name} ${ok ? 'ok' : 'FAIL'} ${findings.line()}\n`);
  for (const problem of findings.problems) process.stdout.write(`  - ${problem}\n`);
  return ok;
}

async function main(names: readonly string[]): Promise<number> {
  testbed();
  const unknown = names.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  let failed = 0;
  for (const name of names.length > 0 ? names : Object.keys(SCENARIOS)) {
    const scenario = SCENARIOS[name];
    if (scenario !== undefined && !(await runOne(name, scenario))) failed++;
  }
  process.stdout.write(failed === 0 ? 'faults: every scenario held\n' : `faults: ${failed} scenario(s) failed\n`);
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`faults: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
