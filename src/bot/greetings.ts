// The first words a member or an admin hears from Hearth. A member who opens a
// direct chat with a bot is greeted with one line that says what to do next;
// an admin who comes into the admin room learns what the room is for and the
// first steps of running the community. Each greeting is sent once per join,
// with a transaction ID derived from it, so a retried event greets once.
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { isRecord, type MatrixEvent } from '../matrix/event.ts';
import { AudienceRefused } from '../tiers/audience-guard.ts';

export type GreetingBot = 'hearth' | 'bugle';

export function directChatGreeting(bot: GreetingBot, communityName: string): string {
  return bot === 'bugle'
    ? `Hello! I'm the Bugle of ${communityName}: say !bugle and your message to draft a broadcast to every member (you see it before it goes out), or !help for more.`
    : `Hello! I'm Hearth, the host of ${communityName}. Say !help to see what you can do here: make a room, learn who can read a room, send everyone a broadcast.`;
}

export function adminRoomGreeting(admin: string, communityName: string, serverName: string): string {
  return [
    `Welcome to the admin room of ${communityName}, ${admin}. Hearth reports here what needs an admin's eye: rooms it repaired, invitations it withdrew, defederation proposals and members' replies to them, broadcasts sent.`,
    `Only the admins are invited, and the room never leaves ${serverName}. It is not end-to-end encrypted, so an admin who joins later can read what was decided before; !room encrypt here encrypts it for good.`,
    'First steps:',
    '1. Say !help for the admin commands, and !room list for the community\'s rooms.',
    '2. Create your members\' accounts on the homeserver. Hearth invites each new member to the community space and its rooms.',
    '3. Say !tier in any room to see who can read it; !neighborhood create starts a neighborhood with other communities.',
  ].join('\n');
}

function notice(text: string): Record<string, unknown> {
  return { msgtype: 'm.notice', body: text };
}

export interface GreetingsOptions {
  communityName: string;
  serverName: string;
  adminRoomId: () => string | null;
  isOwnBot: (userId: string) => boolean;
  log: Logger;
}

export class Greetings {
  private readonly o: GreetingsOptions;

  constructor(options: GreetingsOptions) {
    this.o = options;
  }

  /** After a bot accepted a member's invitation to a direct chat. */
  async greetDirectChat(bot: HomeserverClient, which: GreetingBot, roomId: string): Promise<void> {
    try {
      // It names the community: local, which a direct chat with a member is.
      await bot.sendEvent(roomId, 'm.room.message', notice(directChatGreeting(which, this.o.communityName)), `greeting.${roomId}`, { reveals: 'local' });
    } catch (error) {
      // A "direct" chat that others can read gets no greeting; its commands are still answered (in a DM where needed).
      if (!(error instanceof AudienceRefused)) throw error;
      this.o.log.info('did not greet in a direct chat whose readers are wider than the community', { room_id: roomId });
    }
  }

  /** Greets whoever comes into the admin room (only admins are invited there). */
  adminRoomJoins(client: HomeserverClient) {
    return async (event: MatrixEvent): Promise<void> => {
      const joiner = event.state_key;
      if (event.room_id !== this.o.adminRoomId() || joiner === undefined || this.o.isOwnBot(joiner)) return;
      if (event.content.membership !== 'join' || previousMembership(event) === 'join') return;
      const text = adminRoomGreeting(joiner, this.o.communityName, this.o.serverName);
      await client.sendEvent(event.room_id, 'm.room.message', notice(text), `greeting.${event.event_id}`, { reveals: 'local' });
      this.o.log.info('greeted an admin in the admin room', { user_id: joiner });
    };
  }
}

/** A join that follows a join is a profile change, not someone coming in. */
function previousMembership(event: MatrixEvent): unknown {
  const previous = event.unsigned?.prev_content;
  return isRecord(previous) ? previous.membership : undefined;
}
