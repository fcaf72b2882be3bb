// shutdown-deadline: SIGTERM when idle, in the middle of an ACL change, while
// the homeserver answers nothing (frozen), and in the middle of a broadcast.
// Each time Hearth exits by itself within service.shutdown_seconds (plus the
// 2 s the command line allows the hard stop), and the interrupted job is
// finished by the next start.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { freezeSynapse, startHearth } from '../../testbed/testbed.ts';
import { defederateNow, denies, ensureFederatingRooms } from '../support/acl.ts';
import { bugleDms, broadcast, copiesIn, deliveryReport, ensureCommunity } from '../support/bugle.ts';
import { markLog } from '../support/hearth-log.ts';
import { Member, server, waitFor } from '../support/member.ts';
import { seconds, type Findings } from './findings.ts';
import { NORMAL_ACL, ROOMY_BUGLE, restartWith, slowAcl, SLOW_BUGLE, timedStop } from './restarts.ts';

const CAMP = 'camp.test';
const GLEN = 'glen.test';
/** What `hearth start` adds to service.shutdown_seconds before it exits regardless. */
const OVERSTAY_S = 2;
const ACL_ROOMS = 20;
const RECIPIENTS = 12;

function shutdownSeconds(serverName: string): number {
  const hearth = server(serverName).hearth;
  if (!hearth) throw new Error(`${serverName} runs no Hearth`);
  const config = parse(readFileSync(hearth.config_path, 'utf8')) as { service?: { shutdown_seconds?: number } };
  return config.service?.shutdown_seconds ?? 10;
}

export async function shutdownDeadline(findings: Findings): Promise<void> {
  const limitMs = (shutdownSeconds(CAMP) + OVERSTAY_S) * 1000;
  findings.figure('limit_s', limitMs / 1000);
  const check = (name: string, tookMs: number): void => {
    findings.figure(`${name}_s`, seconds(tookMs));
    findings.expect(tookMs <= limitMs, `the stop ${name} took ${seconds(tookMs)} s, over ${limitMs / 1000} s`);
  };
  const campLog = markLog(CAMP);
  const glenLog = markLog(GLEN);

  const rooms = await ensureFederatingRooms(CAMP, ACL_ROOMS);
  check('idle', await restartWith(CAMP, slowAcl(rooms.length, 20_000)));

  const glob = `shutdown-${randomBytes(3).toString('hex')}.test`;
  await defederateNow(CAMP, glob, 'shutdown fault');
  await sleep(2_000);
  check('mid_acl', await restartWith(CAMP, NORMAL_ACL));
  await waitFor('the resumed ACL change to reach every room', async () => (await Promise.all(rooms.map((room) => denies(CAMP, room, glob)))).every(Boolean), 180_000);

  const thaw = freezeSynapse(CAMP);
  try {
    await sleep(3_000);
    check('homeserver_frozen', await timedStop(CAMP));
  } finally {
    thaw();
  }
  await startHearth(CAMP);

  await ensureCommunity(GLEN, RECIPIENTS, 'shutdown-recipient');
  await restartWith(GLEN, SLOW_BUGLE);
  const marker = `shutdown-${randomBytes(3).toString('hex')}`;
  const sent = await broadcast(await Member.register(GLEN, 'shutdown-sender'), GLEN, `Broadcast interrupted by a stop ${marker}`);
  await sleep(1_500);
  check('mid_broadcast', await restartWith(GLEN, ROOMY_BUGLE));
  const report = await deliveryReport(GLEN, sent);
  findings.figure('report', JSON.stringify(report.replace(/^Your broadcast is out: /, '')));
  const dms = await bugleDms(GLEN);
  const copies = await Promise.all(dms.map(async (dm) => (await copiesIn(GLEN, dm.room_id, marker)).length));
  const doubled = copies.filter((n) => n > 1).length;
  const delivered = Number(/delivered (\d+)/.exec(report)?.[1] ?? -1);
  findings.expect(doubled === 0, `${doubled} recipients got the interrupted broadcast more than once`);
  findings.expect(copies.filter((n) => n === 1).length === delivered, `the report says delivered ${delivered}, but ${copies.filter((n) => n === 1).length} recipients have a copy`);

  const cut = [...campLog.lines(), ...glenLog.lines()].filter((line) => /overstayed|took longer than service.shutdown_seconds/.test(line.msg)).length;
  findings.figure('stops_cut_at_deadline', cut);
}
