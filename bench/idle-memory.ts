// idle-memory: the resident memory (RSS) of Hearth idle with 50 members, with
// encryption on, against the same Hearth with encryption off, both measured in
// this run on glen.test. With encryption on, the Bugle has first delivered one
// broadcast into 49 encrypted DMs, so its crypto store holds a session per
// room; each figure is taken after a fresh start, once Hearth has settled.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHearth, stopHearth } from '../testbed/testbed.ts';
import { hearthSql, setHearthConfig } from '../test/support/hearth.ts';
import { Member, waitFor } from '../test/support/member.ts';
import type { BenchResult } from './report.ts';

const SERVER = 'glen.test';
const BUGLE = '@hearth_bugle:glen.test';
const MEMBERS = 50;
const SETTLE_MS = 15_000;
const SAMPLES = 5;

async function knownMembers(): Promise<number> {
  return Number((await hearthSql<{ n: string }>(SERVER, 'select count(*) as n from members'))[0]?.n);
}

function residentMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  const kib = Number(/(\d+)/.exec(line ?? '')?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no VmRSS for pid ${pid}`);
  return kib / 1024;
}

/** Restarts glen's Hearth with the given encryption switch and returns its settled RSS (median of a few samples). */
async function idleRss(encrypted: boolean): Promise<number> {
  await stopHearth(SERVER);
  setHearthConfig(SERVER, [[['encryption', 'enabled'], encrypted], [['encryption', 'encrypt_direct_messages'], encrypted]]);
  const { pid } = await startHearth(SERVER);
  if (pid === null) throw new Error('glen\'s Hearth did not start');
  await sleep(SETTLE_MS);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    samples.push(residentMiB(pid));
    await sleep(1_000);
  }
  return samples.sort((a, b) => a - b)[Math.floor(SAMPLES / 2)] ?? 0;
}

async function broadcastOnce(sender: Member): Promise<void> {
  const room = await sender.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [BUGLE] });
  await waitFor('the Bugle to join', async () => (await sender.membership(room, BUGLE)) === 'join');
  const text = `Memory check ${Date.now()}`;
  await sender.waitForReply(room, BUGLE, await sender.send(room, `!bugle ${text}`));
  await sender.send(room, '!bugle send');
  await waitFor('the broadcast to finish', async () =>
    Number((await hearthSql<{ n: string }>(SERVER, 'select count(*) as n from bugle_broadcasts where body = ? and finished_at is not null', [text]))[0]?.n) === 1, 300_000);
}

export async function idleMemory(): Promise<BenchResult> {
  const missing = Math.max(0, MEMBERS - (await knownMembers()));
  const created = await Promise.all(Array.from({ length: missing }, (_, i) => Member.register(SERVER, `idle${i}`)));
  await waitFor('Hearth to know 50 members', async () => (await knownMembers()) >= MEMBERS, 120_000);
  await stopHearth(SERVER);
  setHearthConfig(SERVER, [[['encryption', 'encrypt_direct_messages'], true]]);
  await startHearth(SERVER);
  await broadcastOnce(created[0] ?? (await Member.register(SERVER, 'idle-sender')));
  const on = await idleRss(true);
  const off = await idleRss(false);
  return {
    name: 'idle-memory',
    hearth: on,
    baseline: off,
    unit: 'MiB',
    note: `RSS of Hearth idle with ${await knownMembers()} members, encryption on (49 encrypted Bugle DMs) vs off`,
  };
}
