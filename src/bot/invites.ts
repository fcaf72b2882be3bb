// Invitations to the bot: a local member's DM invite is accepted; invites from
// other servers are declined with a reason rather than left hanging.
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { serverNameOf, type MatrixEvent } from '../matrix/event.ts';

export interface InviteOptions {
  client: HomeserverClient;
  serverName: string;
  log: Logger;
}

export function handleBotInvites(options: InviteOptions) {
  return async (event: MatrixEvent): Promise<void> => {
    const { client, serverName, log } = options;
    if (event.state_key !== client.userId || event.content.membership !== 'invite') return;
    if (serverNameOf(event.sender) !== serverName) {
      await client.leaveRoom(event.room_id, `Hearth only takes invitations from members of ${serverName}.`);
      log.info('declined an invite from another server', { room_id: event.room_id, sender: event.sender });
      return;
    }
    await client.joinRoom(event.room_id);
    log.info('joined a room on invitation', { room_id: event.room_id, sender: event.sender });
  };
}
