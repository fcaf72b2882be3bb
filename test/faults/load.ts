// load: 20 members of glen each post 100 messages in the local timeline while
// a broadcast and an ACL change run (both slowed down so that they span the
// load). Reports the inbox lag (from a message's timestamp to Hearth having
// handled it), Hearth's peak memory, and its memory a minute later. Nothing
// fails and nothing is logged as an error.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { defederateNow, federatingRooms } from '../support/acl.ts';
import { broadcast, deliveryReport } from '../support/bugle.ts';
import { markLog } from '../support/hearth-log.ts';
import { acceptInvite, hearthSql, managedRoom } from '../support/hearth.ts';
import { Member } from '../support/member.ts';
import { hearthPid, rssMb, RssSampler } from '../support/process-watch.ts';
import { seconds, type Findings } from './findings.ts';
import { NORMAL_ACL, restartWith, ROOMY_BUGLE, slowAcl, SLOW_BUGLE } from './restarts.ts';

const GLEN = 'glen.test';
const MEMBERS = 20;
const MESSAGES = 100;
const SETTLE_MS = 60_000;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function lags(eventIds: readonly string[]): Promise<{ lags: number[]; unfinished: number; failed: number }> {
  const rows: { status: string; processed_at: string | null; event: string }[] = [];
  for (let i = 0; i < eventIds.length; i += 500) {
    const chunk = eventIds.slice(i, i + 500);
    rows.push(...await hearthSql<{ status: string; processed_at: string | null; event: string }>(GLEN, `select status, processed_at, event from inbox_events where event_id in (${chunk.map(() => '?').join(',')})`, chunk));
  }
  const done = rows.filter((row) => row.status === 'done' && row.processed_at !== null);
  return {
    lags: done.map((row) => Number(row.processed_at) - (JSON.parse(row.event) as { origin_server_ts: number }).origin_server_ts).sort((a, b) => a - b),
    unfinished: eventIds.length - rows.length + rows.filter((row) => row.status === 'pending').length,
    failed: rows.filter((row) => row.status === 'failed').length,
  };
}

export async function load(findings: Findings): Promise<void> {
  const timeline = await managedRoom(GLEN, 'local_timeline');
  const members = await Promise.all(Array.from({ length: MEMBERS }, () => Member.register(GLEN, 'load')));
  await Promise.all(members.map((member) => acceptInvite(member, timeline)));
  const rooms = await federatingRooms(GLEN);
  await restartWith(GLEN, [...SLOW_BUGLE, ...slowAcl(rooms.length, 20_000)]);
  const log = markLog(GLEN);
  const pid = hearthPid(GLEN);
  const sampler = new RssSampler(pid);
  const run = randomBytes(3).toString('hex');
  try {
    const sent = await broadcast(members[0] ?? await Member.register(GLEN, 'load-sender'), GLEN, `Load test broadcast ${run}`);
    await defederateNow(GLEN, `load-${run}.test`, 'load');
    const started = Date.now();
    const eventIds = (await Promise.all(members.map(async (member, m) => {
      const ids: string[] = [];
      for (let i = 0; i < MESSAGES; i++) ids.push(await member.send(timeline, `load ${run} member ${m} message ${i}`));
      return ids;
    }))).flat();
    findings.figure('messages', eventIds.length);
    findings.figure('sent_s', seconds(Date.now() - started));
    let result = await lags(eventIds);
    while (result.unfinished > 0 && Date.now() - started < 300_000) {
      await sleep(500);
      result = await lags(eventIds);
    }
    await deliveryReport(GLEN, sent);
    findings.figure('lag_p50_ms', percentile(result.lags, 0.5));
    findings.figure('lag_p95_ms', percentile(result.lags, 0.95));
    findings.figure('lag_max_ms', result.lags.at(-1) ?? 0);
    findings.expect(result.unfinished === 0, `${result.unfinished} messages were never handled`);
    findings.expect(result.failed === 0, `${result.failed} messages failed`);
  } finally {
    findings.figure('rss_peak_mb', sampler.stop());
  }
  await sleep(SETTLE_MS);
  findings.figure('rss_after_1min_mb', rssMb(pid) ?? 0);
  const errors = log.lines().filter((line) => line.level === 'error');
  findings.figure('errors_logged', errors.length);
  findings.expect(errors.length === 0, `Hearth logged ${errors.length} errors, the first: ${errors[0]?.msg ?? ''}`);
  await restartWith(GLEN, [...ROOMY_BUGLE, ...NORMAL_ACL]);
}
