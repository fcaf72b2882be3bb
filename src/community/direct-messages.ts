// Direct messages from one of Hearth's bots to a member, in one DM room per
// (bot, member) pair that is created once and reused. Creation is crash-safe
// the same way managed rooms are: intent first, key in m.room.create. A DM
// that stopped being private (someone let another reader in) is left for a
// new one as soon as a message must not reach that reader.
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { isInviteBlocked } from '../matrix/matrix-error.ts';
import { errorText } from '../matrix/retry.ts';
import { CREATION_KEY_FIELD, findRoomCreatedWithKey } from '../matrix/room-lookup.ts';
import type { DirectRoomsStore } from '../store/direct-rooms-store.ts';
import { AudienceRefused } from '../tiers/audience-guard.ts';
import { ROOM_ENCRYPTION } from '../matrix/encryption.ts';
import type { Tier } from '../tiers/tier.ts';

/** Carries a DM's id in its content: a resend finds its first copy by it when the homeserver forgot the txnId. */
export const MESSAGE_ID_FIELD = 'org.hearth.message_id';

/** The transaction ID a DM with this id is sent with. */
export function directTxnId(id: string): string {
  return `dm.${id}`;
}

/** How far back a resend looks for its first copy: a DM room holds few messages, and the lost copy is among the latest. */
const LOOK_BACK = 50;

export interface DirectMessage {
  text: string;
  html?: string;
  /** Makes the send idempotent: the same id is one message, even when sent again after a crash. */
  id: string;
  /** The widest audience it may reach (see SendOptions.reveals); left out, local. */
  reveals?: Tier;
}

/** Whether the bots' new DM rooms are encrypted: only when the bots can read encrypted rooms at all. */
export function encryptsDirectMessages(config: Config): boolean {
  return config.encryption.enabled && config.encryption.encrypt_direct_messages;
}

export class DirectMessenger {
  private readonly bot: HomeserverClient;
  private readonly rooms: DirectRoomsStore;
  private readonly log: Logger;
  private readonly encrypted: boolean;

  /** `encrypted`: whether the DM rooms this opens are end-to-end encrypted. */
  constructor(bot: HomeserverClient, rooms: DirectRoomsStore, log: Logger, options: { encrypted: boolean }) {
    this.bot = bot;
    this.rooms = rooms;
    this.log = log;
    this.encrypted = options.encrypted;
  }

  get botUserId(): string {
    return this.bot.userId;
  }

  /** The DM room with a member, created (and the member invited) the first time. */
  async roomWith(userId: string): Promise<{ roomId: string; created: boolean }> {
    const known = await this.rooms.roomFor(this.bot.userId, userId);
    if (known?.roomId) return { roomId: known.roomId, created: false };
    const key = `dm:${this.bot.userId}:${userId}`;
    if (known) {
      const found = await findRoomCreatedWithKey(this.bot, key);
      if (found) {
        await this.rooms.recordCreated(this.bot.userId, userId, found);
        return { roomId: found, created: true };
      }
    } else {
      await this.rooms.recordIntent(this.bot.userId, userId, Date.now());
    }
    let roomId: string;
    try {
      roomId = await this.bot.createRoom({
        preset: 'trusted_private_chat',
        is_direct: true,
        invite: [userId],
        room_version: '12',
        creation_content: { [CREATION_KEY_FIELD]: key, 'm.federate': false },
        ...(this.encrypted ? { initial_state: [{ type: 'm.room.encryption', state_key: '', content: { ...ROOM_ENCRYPTION } }] } : {}),
      });
    } catch (error) {
      if (isInviteBlocked(error)) await this.abandon(userId, key);
      throw error;
    }
    await this.rooms.recordCreated(this.bot.userId, userId, roomId);
    this.log.info('opened a DM', { bot: this.bot.userId, user_id: userId, room_id: roomId });
    return { roomId, created: true };
  }

  /**
   * The member refuses every invitation. The homeserver made the room before
   * it refused the invitation, so the bot leaves that room, and forgets the
   * intent: found again by its key, the empty room would pass for their DM.
   */
  private async abandon(userId: string, key: string): Promise<void> {
    this.log.info('a member accepts no invitations; no DM was opened', { bot: this.bot.userId, user_id: userId });
    const orphan = await this.unrecordedRoomWithKey(key).catch((error: unknown) => {
      this.log.warn('could not look for the room made for a refused invitation', { bot: this.bot.userId, user_id: userId, error: errorText(error) });
      return null;
    });
    if (orphan) {
      await this.bot.leaveRoom(orphan, 'The invitation was refused.').catch((error: unknown) => {
        this.log.warn('could not leave the room made for a refused invitation', { bot: this.bot.userId, room_id: orphan, error: errorText(error) });
      });
    }
    await this.rooms.forget(this.bot.userId, userId);
  }

  /** Like findRoomCreatedWithKey, but reading only the rooms that are nobody's DM yet: a bot may be in hundreds. */
  private async unrecordedRoomWithKey(key: string): Promise<string | null> {
    const recorded = new Set((await this.rooms.roomsOf(this.bot.userId)).values());
    for (const roomId of (await this.bot.joinedRooms()).filter((id) => !recorded.has(id))) {
      const create = await this.bot.getStateEvent(roomId, 'm.room.create', '');
      if (create?.[CREATION_KEY_FIELD] === key) return roomId;
    }
    return null;
  }

  /** A room the member opened with the bot becomes their DM with it. */
  async adopt(userId: string, roomId: string): Promise<void> {
    await this.rooms.recordIntent(this.bot.userId, userId, Date.now());
    await this.rooms.recordCreated(this.bot.userId, userId, roomId);
  }

  /** The member left: the next message, if they ask for one, opens a new room. */
  async forget(userId: string): Promise<void> {
    await this.rooms.forget(this.bot.userId, userId);
  }

  /** Whose DM with this bot a room is, if it is one. */
  memberOf(roomId: string): Promise<string | null> {
    return this.rooms.userInRoom(this.bot.userId, roomId);
  }

  /** Every existing DM room of this bot, by member: one read instead of one per member. */
  existingRooms(): Promise<Map<string, string>> {
    return this.rooms.roomsOf(this.bot.userId);
  }

  /** Sends a message in the member's DM; resolves with the room it went to. */
  async send(userId: string, message: DirectMessage, knownRoomId?: string): Promise<string> {
    const roomId = knownRoomId ?? (await this.roomWith(userId)).roomId;
    try {
      await this.post(roomId, message);
      return roomId;
    } catch (error) {
      if (!(error instanceof AudienceRefused)) throw error;
      // The bot's new DMs never federate and invite only the member: the message may go there.
      this.log.warn('a DM is no longer private; opening a new one', { bot: this.bot.userId, user_id: userId, room_id: roomId, audience: error.audience });
      await this.rooms.forget(this.bot.userId, userId);
      const fresh = (await this.roomWith(userId)).roomId;
      await this.post(fresh, message);
      return fresh;
    }
  }

  /**
   * Whether the message with this id is in the room already, sent by this bot:
   * by the transaction ID the homeserver shows its sender, or (unencrypted) by
   * the id in its content. For a resend after a crash or a homeserver restart,
   * which may have lost the txnId that would make the resend harmless.
   */
  async alreadySent(roomId: string, id: string): Promise<boolean> {
    const txnId = directTxnId(id);
    return (await this.bot.recentEvents(roomId, LOOK_BACK)).some((event) =>
      event.sender === this.bot.userId && (event.unsigned?.transaction_id === txnId || event.content[MESSAGE_ID_FIELD] === id));
  }

  private async post(roomId: string, message: DirectMessage): Promise<void> {
    const content = {
      msgtype: 'm.text',
      body: message.text,
      ...(message.html ? { format: 'org.matrix.custom.html', formatted_body: message.html } : {}),
      [MESSAGE_ID_FIELD]: message.id,
    };
    await this.bot.sendEvent(roomId, 'm.room.message', content, directTxnId(message.id), { reveals: message.reveals ?? 'local' });
  }
}
