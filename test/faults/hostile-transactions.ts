// hostile-transactions: more than 5,000 generated transactions PUT straight at
// camp's Hearth with the homeserver's token (see the generator for what they
// hold), two of them 10,000 events long, two over the size limit, one nested
// past any parser's stack. Hearth stays up and healthy, its memory stays
// bounded, and a valid !help placed among hostile events of the same
// transaction is still answered.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { botOf, hearthSql, openDm } from '../support/hearth.ts';
import { Member, repliesTo, server, waitFor } from '../support/member.ts';
import { hearthPid, isAlive, rssMb, RssSampler } from '../support/process-watch.ts';
import { seconds, type Findings } from './findings.ts';
import { carrying, HostileGenerator, type HostileTransaction } from './hostile-transactions-generator.ts';

const SERVER = 'camp.test';
const SMALL_TRANSACTIONS = 5_000;
const CONCURRENCY = 4;
/** Besides the first of each kind, every this many transactions one carries a member's !help among its hostile events. */
const HELP_EVERY = 500;
/** How much the resident memory may grow over the run before it counts as unbounded. */
const MEMORY_GROWTH_LIMIT_MB = 600;

function hsToken(): string {
  const hearth = server(SERVER).hearth;
  if (!hearth) throw new Error(`${SERVER} runs no Hearth`);
  return (parse(readFileSync(hearth.config_path, 'utf8')) as { appservice: { hs_token: string } }).appservice.hs_token;
}

async function put(txnId: string, body: string | Buffer, token: string): Promise<string> {
  const url = `${server(SERVER).hearth?.appservice_url ?? ''}/_matrix/app/v1/transactions/${encodeURIComponent(txnId)}`;
  try {
    const response = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    await response.body?.cancel();
    return String(response.status);
  } catch (error) {
    return `no answer (${error instanceof Error ? error.message : String(error)})`;
  }
}

export async function hostileTransactions(findings: Findings): Promise<void> {
  const member = await Member.register(SERVER, 'hostile');
  const bot = botOf(SERVER);
  const dm = await openDm(member, bot);
  const run = randomBytes(3).toString('hex');
  const help = (n: number): Record<string, unknown> => ({
    event_id: `$fault-help-${run}-${n}`, room_id: dm, type: 'm.room.message', sender: member.userId, origin_server_ts: Date.now(), content: { msgtype: 'm.text', body: '!help' },
  });
  const generator = new HostileGenerator(0x5eed, server(SERVER).name);
  const queue: HostileTransaction[] = Array.from({ length: SMALL_TRANSACTIONS }, () => generator.next());
  queue.splice(1_000, 0, generator.manyEvents(false));
  queue.splice(2_000, 0, generator.oversized(11 * 1024 * 1024));
  queue.splice(3_000, 0, generator.manyEvents(true));
  queue.splice(4_000, 0, generator.tooDeep(), generator.oversized(64 * 1024 * 1024));

  const helps: string[] = [];
  const carried = new Set<string>();
  const toSend = queue.map((txn, i) => {
    // The first transaction of each kind that can carry one, and every HELP_EVERY-th.
    if (!txn.carries || (carried.has(txn.kind) && i % HELP_EVERY !== 0)) return txn;
    carried.add(txn.kind);
    const command = help(i);
    helps.push(String(command.event_id));
    return carrying(txn, command);
  });

  const pid = hearthPid(SERVER);
  const baseline = rssMb(pid) ?? 0;
  const sampler = new RssSampler(pid);
  const token = hsToken();
  const statuses = new Map<string, number>();
  const started = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < toSend.length; i = next++) {
      const txn = toSend[i];
      if (txn === undefined) continue;
      const status = await put(`hostile-${run}-${i}`, txn.body, token);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      // The same transaction ID again now and then, as a homeserver's retry: a no-op.
      if (i % 97 === 0) await put(`hostile-${run}-${i}`, txn.body, token);
    }
  }));
  findings.figure('transactions', toSend.length);
  findings.figure('sent_s', seconds(Date.now() - started));
  findings.figure('answers', [...statuses].sort().map(([status, n]) => `${status}:${n}`).join(','));
  findings.expect(isAlive(pid), 'Hearth died');
  findings.expect(![...statuses.keys()].some((status) => status.startsWith('no answer')), 'some transactions got no answer at all');

  const answering = Date.now();
  const answered = await waitFor('every !help to be answered', async () => {
    const messages = await member.messages(dm, 100);
    const count = helps.filter((id) => messages.some((e) => e.sender === bot && repliesTo(e, id))).length;
    return count === helps.length ? count : Date.now() - answering > 240_000 ? count : null;
  }, 300_000);
  findings.figure('helps', helps.length);
  findings.figure('helps_answered', answered);
  findings.figure('answered_after_s', seconds(Date.now() - answering));
  findings.expect(answered === helps.length, `${helps.length - answered} of ${helps.length} !help commands among hostile events were not answered`);

  const peak = sampler.stop();
  findings.figure('rss_base_mb', baseline);
  findings.figure('rss_peak_mb', peak);
  findings.figure('rss_after_mb', rssMb(pid) ?? 0);
  findings.expect(peak - baseline <= MEMORY_GROWTH_LIMIT_MB, `memory grew by ${peak - baseline} MB, over ${MEMORY_GROWTH_LIMIT_MB} MB`);
  const health = await fetch(`${server(SERVER).hearth?.appservice_url ?? ''}/_hearth/health`);
  findings.expect(health.status === 200, `health answered ${health.status}`);
  const inbox = await hearthSql<{ status: string; n: string }>(SERVER, "select status, count(*) as n from inbox_events where txn_id like ? group by status", [`hostile-${run}-%`]);
  findings.figure('inbox', inbox.map((row) => `${row.status}:${row.n}`).sort().join(','));
  findings.expect(isAlive(pid) && hearthPid(SERVER) === pid, 'Hearth restarted during the run');
}
