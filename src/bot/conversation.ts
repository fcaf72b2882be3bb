// The bot's side of a conversation: a member writes a command in a room the
// bot is in, and the bot answers in that room. Answers are sent with a
// transaction id derived from the command's event id, so processing the same
// event twice (after a crash) still yields one answer.
import type { CommandTable } from '../commands/table.ts';
import { isCommandText } from '../commands/table.ts';
import type { Reply } from '../commands/command.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { serverNameOf, type MatrixEvent } from '../matrix/event.ts';

export interface ConversationOptions {
  /** Which of Hearth's bots answers in a room. */
  responderFor: (roomId: string) => Promise<HomeserverClient>;
  table: CommandTable;
  serverName: string;
  admins: readonly string[];
  /** Whether a user ID belongs to one of Hearth's own bots (they never command each other). */
  isOwnBot: (userId: string) => boolean;
  log: Logger;
}

export function replyContent(reply: Reply, inReplyTo: string): Record<string, unknown> {
  return {
    msgtype: 'm.notice',
    body: reply.text,
    ...(reply.html ? { format: 'org.matrix.custom.html', formatted_body: reply.html } : {}),
    'm.relates_to': { 'm.in_reply_to': { event_id: inReplyTo } },
  };
}

export function handleCommandMessages(options: ConversationOptions) {
  return async (event: MatrixEvent): Promise<void> => {
    const body = event.content.body;
    if (typeof body !== 'string' || !isCommandText(body.trim()) || options.isOwnBot(event.sender)) return;
    const reply: Reply = serverNameOf(event.sender) === options.serverName
      ? await options.table.execute(
        { sender: event.sender, roomId: event.room_id, eventId: event.event_id, isAdmin: options.admins.includes(event.sender) },
        body.trim(),
      )
      : { text: `Hearth answers members of ${options.serverName} only.` };
    const responder = await options.responderFor(event.room_id);
    await responder.sendEvent(event.room_id, 'm.room.message', replyContent(reply, event.event_id), `reply.${event.event_id}`);
    options.log.info('answered a command', { room_id: event.room_id, event_id: event.event_id, sender: event.sender });
  };
}

export interface UndecryptableOptions {
  responderFor: (roomId: string) => Promise<HomeserverClient>;
  /** Where a member talks to a bot (a DM with it, the admin room): only there is an unread message a lost command. */
  isConversationRoom: (roomId: string, sender: string, responder: HomeserverClient) => Promise<boolean>;
  log: Logger;
}

export const UNDECRYPTABLE_REPLY = "I couldn't decrypt your message: the keys to read it never reached me. Please send it again. " +
  '(If it keeps happening, your client may not trust my device yet; leaving this room and opening a new one with me usually helps.)';

/**
 * A message the bots could not decrypt is answered where a member talks to a
 * bot, in the clear if it must be: the answer says nothing private, and
 * silence would look like a broken bot.
 */
export function handleUndecryptable(options: UndecryptableOptions) {
  return async (event: MatrixEvent): Promise<void> => {
    const responder = await options.responderFor(event.room_id);
    const fields = { room_id: event.room_id, event_id: event.event_id, sender: event.sender, reason: event.content.reason };
    if (!(await options.isConversationRoom(event.room_id, event.sender, responder))) {
      options.log.warn('could not decrypt a message in a group room; not answering there', fields);
      return;
    }
    const content = replyContent({ text: UNDECRYPTABLE_REPLY }, event.event_id);
    await responder.sendEvent(event.room_id, 'm.room.message', content, `undecryptable.${event.event_id}`, { plaintextFallback: true });
    options.log.warn('could not decrypt a message; asked the sender to resend it', fields);
  };
}
