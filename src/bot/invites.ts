// Invitations to the bot: a local member's DM invite is accepted; invites from
// other servers are declined with a reason rather than left hanging.
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { serverNameOf, type MatrixEvent } from '../matrix/event.ts';
import { DeferEvent, type Delivery } from '../matrix/inbox/router.ts';

export interface InviteOptions {
  client: HomeserverClient;
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
    const { client, serverName, log } = options;
    if (event.state_key !== client.userId || event.content.membership !== 'invite') return;
    if (serverNameOf(event.sender) !== serverName) {
      if (delivery.attempt === 1) throw new DeferEvent(REMOTE_DECLINE_DELAY_MS, 'letting the inviting server record its invitation first');
      await client.leaveRoom(event.room_id, `Hearth only takes invitations from members of ${serverName}.`);
      log.info('declined an invite from another server', { room_id: event.room_id, sender: event.sender });
      return;
    }
    await client.joinRoom(event.room_id);
    log.info('joined a room on invitation', { room_id: event.room_id, sender: event.sender });
  };
}
