// Broadcasting with a testbed Hearth's Bugle as members do, and counting the
// copies each recipient got, read from their DM rooms as the Bugle sees them.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { hearthSql, openDm } from './hearth.ts';
import { Member, server, waitFor, type RoomEvent } from './member.ts';

export function bugleOf(serverName: string): string {
  return `@hearth_bugle:${server(serverName).name}`;
}

/** The Bugle driven with its application service's token, to read its DM rooms. */
export function bugleByHand(serverName: string): Member {
  const hearth = server(serverName).hearth;
  if (!hearth) throw new Error(`${serverName} runs no Hearth`);
  const { appservice } = parse(readFileSync(hearth.config_path, 'utf8')) as { appservice: { as_token: string } };
  return new Member(server(serverName), bugleOf(serverName), appservice.as_token, true);
}

/** Members of a server's community as its Hearth knows them (those who have not left). */
export async function communitySize(serverName: string): Promise<number> {
  return Number((await hearthSql<{ n: string }>(serverName, 'select count(*) as n from members where left_at is null'))[0]?.n ?? 0);
}

/** Registers members until the community has at least `count`, and waits for Hearth to know them all. */
export async function ensureCommunity(serverName: string, count: number, prefix: string): Promise<void> {
  const missing = count - (await communitySize(serverName));
  await Promise.all(Array.from({ length: Math.max(0, missing) }, () => Member.register(serverName, prefix)));
  await waitFor(`${serverName}'s Hearth to know ${count} members`, async () => (await communitySize(serverName)) >= count, 120_000);
}

export interface Broadcast {
  sender: Member;
  dm: string;
  text: string;
}

/** A member drafts `text` in a DM with the Bugle and confirms it; resolves once the Bugle says it is sending. */
export async function broadcast(sender: Member, serverName: string, text: string): Promise<Broadcast> {
  const bugle = bugleOf(serverName);
  const dm = await openDm(sender, bugle);
  const preview = await sender.waitForReply(dm, bugle, await sender.send(dm, `!bugle ${text}`), 120_000);
  if (!String(preview.content.body).startsWith('This will go to')) throw new Error(`the Bugle refused the draft: ${String(preview.content.body)}`);
  const sending = await sender.waitForReply(dm, bugle, await sender.send(dm, '!bugle send'), 120_000);
  if (!String(sending.content.body).startsWith('Sending to')) throw new Error(`the Bugle refused to send: ${String(sending.content.body)}`);
  return { sender, dm, text };
}

/** Waits for the delivery report in the sender's DM and returns its text. */
export async function deliveryReport(serverName: string, sent: Broadcast, timeoutMs = 300_000): Promise<string> {
  const report = await sent.sender.waitForMessage(sent.dm, bugleOf(serverName), (body) => body.startsWith('Your broadcast is out'), timeoutMs);
  return String(report.content.body);
}

/** The recipients of a server's Bugle DMs, with their rooms, from its Hearth's records. */
export async function bugleDms(serverName: string): Promise<{ user_id: string; room_id: string }[]> {
  return hearthSql<{ user_id: string; room_id: string }>(serverName, 'select user_id, room_id from direct_rooms where bot_user_id = ? and room_id is not null', [bugleOf(serverName)]);
}

/** The copies of a broadcast whose text contains `marker` in one DM room (the sender's preview is no copy). */
export async function copiesIn(serverName: string, roomId: string, marker: string): Promise<RoomEvent[]> {
  const messages = await bugleByHand(serverName).messages(roomId, 100);
  return messages.filter((e) => e.type === 'm.room.message' && e.sender === bugleOf(serverName)
    && String(e.content.body).startsWith('📯 Bugle from') && String(e.content.body).includes(marker));
}
