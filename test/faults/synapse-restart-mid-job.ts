// synapse-restart-mid-job: camp's Synapse restarts in the middle of an ACL
// change across its federating rooms, and glen's in the middle of a broadcast
// to its community (glen's, whose members the suite controls; camp's holds
// every member the whole suite registered). Both jobs are slowed down so the
// restart lands halfway. Each room gets exactly one ACL change, and each
// recipient exactly one copy.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { restartSynapse } from '../../testbed/testbed.ts';
import { aclEventsDenying, defederateNow, denies, ensureFederatingRooms } from '../support/acl.ts';
import { broadcast, bugleDms, copiesIn, deliveryReport, ensureCommunity } from '../support/bugle.ts';
import { Member, waitFor } from '../support/member.ts';
import { seconds, type Findings } from './findings.ts';
import { NORMAL_ACL, restartWith, ROOMY_BUGLE, slowAcl, SLOW_BUGLE } from './restarts.ts';

const CAMP = 'camp.test';
const GLEN = 'glen.test';
/** 60 rooms rather than the plan's 200: creating rooms is most of the cost, and 60 at half a second each still spans the restart. */
const ROOMS = 60;
const RECIPIENTS = 30;

async function aclPush(findings: Findings): Promise<void> {
  const rooms = await ensureFederatingRooms(CAMP, ROOMS);
  await restartWith(CAMP, slowAcl(rooms.length, 15_000));
  const glob = `restart-${randomBytes(3).toString('hex')}.test`;
  try {
    await defederateNow(CAMP, glob, 'a restart mid-job');
    await sleep(3_000);
    const restarting = Date.now();
    await restartSynapse(CAMP);
    findings.figure('camp_synapse_restart_s', seconds(Date.now() - restarting));
    const settled = Date.now();
    await waitFor('the ACL change to reach every room', async () => (await Promise.all(rooms.map((room) => denies(CAMP, room, glob)))).every(Boolean), 300_000);
    findings.figure('acl_done_after_restart_s', seconds(Date.now() - settled));
  } finally {
    await restartWith(CAMP, NORMAL_ACL);
  }
  const changes = await Promise.all(rooms.map(async (room) => (await aclEventsDenying(CAMP, room, glob)).length));
  findings.figure('acl_rooms', rooms.length);
  findings.figure('acl_rooms_changed_once', changes.filter((n) => n === 1).length);
  findings.expect(changes.every((n) => n === 1), `ACL changes per room: ${changes.filter((n) => n !== 1).map(String).join(',')} where each room should have one`);
}

async function broadcastAcrossRestart(findings: Findings): Promise<void> {
  await ensureCommunity(GLEN, RECIPIENTS + 1, 'restart-recipient');
  await restartWith(GLEN, SLOW_BUGLE);
  const marker = `restart-${randomBytes(3).toString('hex')}`;
  try {
    const sent = await broadcast(await Member.register(GLEN, 'restart-sender'), GLEN, `Broadcast across a homeserver restart ${marker}`);
    await sleep(2_000);
    await restartSynapse(GLEN);
    const report = await deliveryReport(GLEN, sent);
    findings.figure('broadcast_report', JSON.stringify(report.replace(/^Your broadcast is out: /, '')));
    const copies = await Promise.all((await bugleDms(GLEN)).map(async (dm) => (await copiesIn(GLEN, dm.room_id, marker)).length));
    const delivered = Number(/delivered (\d+)/.exec(report)?.[1] ?? -1);
    findings.figure('recipients_with_one_copy', copies.filter((n) => n === 1).length);
    findings.figure('recipients_with_more', copies.filter((n) => n > 1).length);
    findings.expect(copies.every((n) => n <= 1), `${copies.filter((n) => n > 1).length} recipients got more than one copy`);
    findings.expect(delivered >= RECIPIENTS && copies.filter((n) => n === 1).length === delivered, `the report says delivered ${delivered} (of at least ${RECIPIENTS}), and ${copies.filter((n) => n === 1).length} recipients have one copy`);
  } finally {
    await restartWith(GLEN, ROOMY_BUGLE);
  }
}

export async function synapseRestartMidJob(findings: Findings): Promise<void> {
  await aclPush(findings);
  await broadcastAcrossRestart(findings);
}
