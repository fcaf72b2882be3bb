// hearth-outage: Hearth is down for a while (20 s here, a third of the 60 s
// the plan names, to keep the suite short) while members send commands. The
// homeserver keeps them; once Hearth is back every one is answered, once.
// Reports how long the catch-up took from the moment Hearth was healthy.
import { setTimeout as sleep } from 'node:timers/promises';
import { startHearth, stopHearth } from '../../testbed/testbed.ts';
import { botOf, openDm } from '../support/hearth.ts';
import { Member, repliesTo } from '../support/member.ts';
import { seconds, type Findings } from './findings.ts';

const SERVER = 'camp.test';
const OUTAGE_MS = 20_000;
const MEMBERS = 5;
const ROUNDS = 4;

interface Sent { member: Member; dm: string; eventId: string }

async function answered(sent: Sent, bot: string): Promise<number> {
  return (await sent.member.messages(sent.dm, 100)).filter((e) => e.sender === bot && repliesTo(e, sent.eventId)).length;
}

export async function hearthOutage(findings: Findings): Promise<void> {
  const bot = botOf(SERVER);
  const members = await Promise.all(Array.from({ length: MEMBERS }, () => Member.register(SERVER, 'outage')));
  const dms = await Promise.all(members.map((member) => openDm(member, bot)));
  await stopHearth(SERVER);
  const sent: Sent[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, member] of members.entries()) {
      const dm = dms[i] ?? '';
      sent.push({ member, dm, eventId: await member.send(dm, '!help') });
    }
    await sleep(OUTAGE_MS / ROUNDS);
  }
  await startHearth(SERVER);
  const healthy = Date.now();
  let waiting = sent;
  const deadline = healthy + 300_000;
  while (waiting.length > 0 && Date.now() < deadline) {
    const counts = await Promise.all(waiting.map((s) => answered(s, bot)));
    waiting = waiting.filter((_, i) => counts[i] === 0);
    if (waiting.length > 0) await sleep(250);
  }
  findings.figure('down_s', seconds(OUTAGE_MS));
  findings.figure('commands', sent.length);
  findings.figure('catch_up_s', seconds(Date.now() - healthy));
  findings.expect(waiting.length === 0, `${waiting.length} of ${sent.length} commands were never answered`);
  const counts = await Promise.all(sent.map((s) => answered(s, bot)));
  const once = counts.filter((n) => n === 1).length;
  findings.figure('answered_once', once);
  findings.expect(once === sent.length, `${sent.length - once} of ${sent.length} commands were not answered exactly once`);
}
