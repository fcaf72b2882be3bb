// Direct messages from one of Hearth's bots to a member, in one DM room per
// (bot, member) pair that is created once and reused. Creation is crash-safe
// the same way managed rooms are: intent first, key in m.room.create.
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { CREATION_KEY_FIELD, findRoomCreatedWithKey } from '../matrix/room-lookup.ts';
import type { DirectRoomsStore } from '../store/direct-rooms-store.ts';

export interface DirectMessage {
  text: string;
  html?: string;
  /** Makes the send idempotent: the same id is one message, even when sent again after a crash. */
  id: string;
}

export class DirectMessenger {
  private readonly bot: HomeserverClient;
  private readonly rooms: DirectRoomsStore;
  private readonly log: Logger;

  constructor(bot: HomeserverClient, rooms: DirectRoomsStore, log: Logger) {
    this.bot = bot;
    this.rooms = rooms;
    this.log = log;
  }

  async roomWith(userId: string): Promise<string> {
    const known = await this.rooms.roomFor(this.bot.userId, userId);
    if (known?.roomId) return known.roomId;
    const key = `dm:${this.bot.userId}:${userId}`;
    if (known) {
      const found = await findRoomCreatedWithKey(this.bot, key);
      if (found) {
        await this.rooms.recordCreated(this.bot.userId, userId, found);
        return found;
      }
    } else {
      await this.rooms.recordIntent(this.bot.userId, userId, Date.now());
    }
    const roomId = await this.bot.createRoom({
      preset: 'trusted_private_chat',
      is_direct: true,
      invite: [userId],
      room_version: '12',
      creation_content: { [CREATION_KEY_FIELD]: key, 'm.federate': false },
    });
    await this.rooms.recordCreated(this.bot.userId, userId, roomId);
    this.log.info('opened a DM', { bot: this.bot.userId, user_id: userId, room_id: roomId });
    return roomId;
  }

  async send(userId: string, message: DirectMessage): Promise<string> {
    const roomId = await this.roomWith(userId);
    const content = {
      msgtype: 'm.text',
      body: message.text,
      ...(message.html ? { format: 'org.matrix.custom.html', formatted_body: message.html } : {}),
    };
    await this.bot.sendEvent(roomId, 'm.room.message', content, `dm.${message.id}`);
    return roomId;
  }
}
