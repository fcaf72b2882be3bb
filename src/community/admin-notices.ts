// Tells the admins something in the admin room. Used for reports that need no
// answer: repairs, new members, refusals worth knowing about.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';

export type NotifyAdmins = (text: string) => Promise<void>;

export function adminNotifier(client: HomeserverClient, adminRoomId: () => string | null, log: Logger): NotifyAdmins {
  return async (text) => {
    const roomId = adminRoomId();
    if (!roomId) {
      log.warn('no admin room yet; notice only logged', { notice: text });
      return;
    }
    await client.sendEvent(roomId, 'm.room.message', { msgtype: 'm.notice', body: text }, `notice.${randomUUID()}`);
  };
}
