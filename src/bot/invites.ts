// Invitations to the bot: a local member's DM invite is accepted; invites from
// other servers are declined with a reason rather than left hanging.
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { serverNameOf, type MatrixEvent } from '../matrix/event.ts';
import { DeferEvent, type Delivery } from '../matrix/inbox/router.ts';

export interface InviteOptions {
  /** Hearth's bots: an invitation to any of them is answered by that bot. */
  bots: readonly HomeserverClient[];
  /** Called after a bot accepted an invitation. */
  onJoined?: (bot: HomeserverClient, roomId: string, inviter: string, isDirect: boolean) => Promise<void>;
  /** Offered an invitation from another server first; true when it took care of it (a neighborhood council). */
  remoteInvite?: (event: MatrixEvent) => Promise<boolean>;
  serverName: string;
  log: Logger;
}

/**
 * The inviting server records its invitation only after ours has answered;
 * declining at once can reach it before that, and then it never learns of the
 * refusal. A short wait on the first attempt avoids that race.
 */
export const REMOTE_DECLINE_DELAY_MS = 3_000;

export function handleBotInvites(options: InviteOptions) {
  return async (event: MatrixEvent, delivery: Delivery): Promise<void> => {
    const { serverName, log } = options;
    const client = options.bots.find((bot) => bot.userId === event.state_key);
    if (!client || event.content.membership !== 'invite') return;
    if (serverNameOf(event.sender) !== serverName) {
      if (await options.remoteInvite?.(event)) return;
      if (delivery.attempt === 1) throw new DeferEvent(REMOTE_DECLINE_DELAY_MS, 'letting the inviting server record its invitation first');
      await client.leaveRoom(event.room_id, `Hearth only takes invitations from members of ${serverName}.`);
      log.info('declined an invite from another server', { room_id: event.room_id, sender: event.sender });
      return;
    }
    await client.joinRoom(event.room_id);
    log.info('joined a room on invitation', { bot: client.userId, room_id: event.room_id, sender: event.sender });
    await options.onJoined?.(client, event.room_id, event.sender, event.content.is_direct === true);
  };
}
