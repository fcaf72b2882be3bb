// Seals outgoing events for encrypted rooms with the sending bot's device.
// Never falls back to the clear by itself: a bot without a device in an
// encrypted room is an error, not a reason to leak a message.
import type { EventSealer, HomeserverClient, WireEvent } from '../client.ts';
import type { BotDevice } from './bot-device.ts';
import type { RoomEncryption } from './room-encryption.ts';

export function roomSealer(devices: ReadonlyMap<string, BotDevice>, rooms: RoomEncryption): EventSealer {
  return {
    async seal(sender: HomeserverClient, roomId: string, type: string, content: Record<string, unknown>): Promise<WireEvent> {
      if (!(await rooms.isEncrypted(roomId, sender))) return { type, content };
      const device = devices.get(sender.userId);
      if (!device) throw new Error(`${roomId} is encrypted and ${sender.userId} has no crypto device; the message was not sent`);
      const members = await sender.joinedAndInvitedMembers(roomId);
      const encrypted = await device.encrypt(roomId, type, content, members);
      // Relations stay readable, as the spec allows, so the homeserver can thread replies.
      const relation = content['m.relates_to'];
      return { type: 'm.room.encrypted', content: relation === undefined ? encrypted : { ...encrypted, 'm.relates_to': relation } };
    },
  };
}
