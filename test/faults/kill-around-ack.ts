// kill-around-ack: Hearth is killed (SIGKILL) once just before it answers the
// transaction that carries a member's command (the command is recorded, the
// homeserver never hears the 200) and once just after (the homeserver has the
// 200, the command is not handled yet). A second command is sent while Hearth
// is down. Every command is answered exactly once after the restart.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { ackFaultFile, type AckPoint } from '../../src/matrix/appservice/fault-hook.ts';
import { faultHooksDir, hearthFiles } from '../../testbed/hearth.ts';
import { killHearth, startHearth } from '../../testbed/testbed.ts';
import { botOf, hearthSql, openDm } from '../support/hearth.ts';
import { Member, repliesTo, waitFor } from '../support/member.ts';
import { hearthPid, waitForDeath } from '../support/process-watch.ts';
import { seconds, type Findings } from './findings.ts';

const SERVER = 'camp.test';
const POINTS: readonly AckPoint[] = ['before-answer', 'after-answer'];

function crashFile(point: AckPoint): string {
  const folder = faultHooksDir(hearthFiles(SERVER));
  mkdirSync(folder, { recursive: true });
  return ackFaultFile(folder, point);
}

async function settled(eventIds: readonly string[]): Promise<boolean> {
  const rows = await hearthSql<{ status: string }>(SERVER, `select status from inbox_events where event_id in (${eventIds.map(() => '?').join(',')})`, eventIds);
  return rows.length === eventIds.length && rows.every((row) => row.status !== 'pending');
}

export async function killAroundAck(findings: Findings): Promise<void> {
  const member = await Member.register(SERVER, 'crash');
  const bot = botOf(SERVER);
  const dm = await openDm(member, bot);
  const commands: string[] = [];
  for (const point of POINTS) {
    const file = crashFile(point);
    const pid = hearthPid(SERVER);
    writeFileSync(file, member.userId);
    try {
      commands.push(await member.send(dm, '!help'));
      findings.expect(await waitForDeath(pid, 60_000), `Hearth was not killed ${point}`);
      commands.push(await member.send(dm, '!help'));
    } finally {
      rmSync(file, { force: true });
    }
    await killHearth(SERVER);
    const restarting = Date.now();
    await startHearth(SERVER);
    findings.figure(`restart_${point}_s`, seconds(Date.now() - restarting));
  }
  const answering = Date.now();
  for (const command of commands) await member.waitForReply(dm, bot, command, 180_000);
  findings.figure('answered_after_s', seconds(Date.now() - answering));
  await waitFor('Hearth to finish with every command', () => settled(commands), 60_000);
  const messages = await member.messages(dm, 100);
  const once = commands.filter((command) => messages.filter((e) => e.sender === bot && repliesTo(e, command)).length === 1).length;
  findings.figure('kills', POINTS.length);
  findings.figure('commands', commands.length);
  findings.figure('answered_once', once);
  findings.expect(once === commands.length, `${commands.length - once} of ${commands.length} commands were not answered exactly once`);
}
