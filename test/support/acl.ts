// A Hearth's federating rooms and the ACL changes it made in them, read from
// the rooms themselves: what members and other servers see.
import { adminCommand, botByHand, botOf, hearthSql, openDm } from './hearth.ts';
import { Member, type RoomEvent } from './member.ts';
import { ACL_SETTLE_FIELD } from '../../src/room-state/writer.ts';

/** The managed rooms that federate (every tier but local), which an ACL change reaches. */
export async function federatingRooms(serverName: string): Promise<string[]> {
  return (await hearthSql<{ room_id: string }>(serverName, "select room_id from managed_rooms where room_id is not null and tier <> 'local'")).map((r) => r.room_id);
}

/** Creates public rooms through the admin's `!room create` until the server has at least `count` federating rooms. */
export async function ensureFederatingRooms(serverName: string, count: number, label = 'Fault'): Promise<string[]> {
  const missing = count - (await federatingRooms(serverName)).length;
  if (missing > 0) {
    const admin = Member.admin(serverName);
    const bot = botOf(serverName);
    const dm = await openDm(admin, bot);
    const commands: string[] = [];
    for (let i = 0; i < missing; i++) commands.push(await admin.send(dm, `!room create "${label} ${i}" --tier public`));
    const last = commands.at(-1);
    if (last !== undefined) await admin.waitForReply(dm, bot, last, 600_000);
  }
  return federatingRooms(serverName);
}

/**
 * The ACL changes of a room whose deny list names `glob` (among the room's
 * last 100 ACL events): the second copy the writer sends of each ACL is the
 * same change, not another.
 */
export async function aclEventsDenying(serverName: string, roomId: string, glob: string): Promise<RoomEvent[]> {
  const filter = encodeURIComponent(JSON.stringify({ types: ['m.room.server_acl'] }));
  const page = await botByHand(serverName).request<{ chunk: RoomEvent[] }>('GET', `/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100&filter=${filter}`);
  return page.chunk.filter((e) => !(ACL_SETTLE_FIELD in e.content) && Array.isArray(e.content.deny) && (e.content.deny as unknown[]).includes(glob));
}

/** Whether a room's current ACL denies `glob`. */
export async function denies(serverName: string, roomId: string, glob: string): Promise<boolean> {
  const acl = await botByHand(serverName).state(roomId, 'm.room.server_acl');
  return Array.isArray(acl.deny) && (acl.deny as unknown[]).includes(glob);
}

/** Cuts a server (or glob) off with the admin's `!defederate now`, which starts an ACL change in every federating room. */
export async function defederateNow(serverName: string, glob: string, reason: string): Promise<string> {
  const answer = await adminCommand(serverName, `!defederate now ${glob} "${reason}"`, 180_000);
  if (!answer.startsWith('Defederated')) throw new Error(`!defederate now ${glob} on ${serverName}: ${answer}`);
  return answer;
}
