// Tells the admins something in the admin room. Used for reports that need no
// answer: repairs, new members, refusals worth knowing about.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';

export interface NoticeOptions {
  /** The command this notice answers: a reply to it when it was said in the admin room. */
  replyTo?: { roomId: string; eventId: string };
}

export type NotifyAdmins = (text: string, options?: NoticeOptions) => Promise<void>;

export function adminNotifier(client: HomeserverClient, adminRoomId: () => string | null, log: Logger): NotifyAdmins {
  return async (text, options) => {
    const roomId = adminRoomId();
    if (!roomId) {
      log.warn('no admin room yet; notice only logged', { notice: text });
      return;
    }
    const replyTo = options?.replyTo?.roomId === roomId && options.replyTo.eventId ? options.replyTo.eventId : null;
    const relation = replyTo ? { 'm.relates_to': { 'm.in_reply_to': { event_id: replyTo } } } : {};
    await client.sendEvent(roomId, 'm.room.message', { msgtype: 'm.notice', body: text, ...relation }, `notice.${randomUUID()}`);
  };
}
