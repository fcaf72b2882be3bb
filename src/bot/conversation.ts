// The bot's side of a conversation: a member writes a command in a room the
// bot is in, and the bot answers. Answers are sent with a transaction id
// derived from the command's event id, so processing the same event twice
// (after a crash) still yields one answer.
//
// An answer goes where its readers may read it: the sending layer refuses
// text that reveals more than the room's audience may know, and then the
// answer goes to the sender's DM with the bot, and the room gets only a
// pointer that says nothing. Only members are answered at all.
import type { CommandTable } from '../commands/table.ts';
import { isCommandText } from '../commands/table.ts';
import { revealsOf, type Reply } from '../commands/command.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import type { MatrixEvent } from '../matrix/event.ts';
import { permanentRefusal } from '../matrix/matrix-error.ts';
import { errorText } from '../matrix/retry.ts';
import { AudienceRefused } from '../tiers/audience-guard.ts';
import type { DirectMessage } from '../community/direct-messages.ts';

export interface ConversationOptions {
  /** Which of Hearth's bots answers in a room. */
  responderFor: (roomId: string) => Promise<HomeserverClient>;
  table: CommandTable;
  serverName: string;
  admins: readonly string[];
  /** Whether a user ID is one of Hearth's own bots (they never command each other). */
  isOwnBot: (userId: string) => boolean;
  /** The one predicate of membership (community/members.ts): guests and other servers' users are not members. */
  isMember: (userId: string) => boolean;
  /** Sends a member a message in their DM with the bot, where an answer goes when the room may not read it. */
  directMessage: (userId: string, message: DirectMessage) => Promise<unknown>;
  log: Logger;
}

/** All the room learns when its answer went to a DM: nothing about the answer. */
export const ANSWERED_IN_DM = 'I answered you in a direct message.';

export function notMembersAnswer(serverName: string): Reply {
  return { text: `Hearth answers members of ${serverName} only.`, reveals: 'public' };
}

export function replyContent(reply: Reply, inReplyTo: string): Record<string, unknown> {
  return {
    msgtype: 'm.notice',
    body: reply.text,
    ...(reply.html ? { format: 'org.matrix.custom.html', formatted_body: reply.html } : {}),
    'm.relates_to': { 'm.in_reply_to': { event_id: inReplyTo } },
  };
}

/** Answers in the room when its audience may read the answer, otherwise in the sender's DM with a pointer in the room. */
export async function answer(options: Pick<ConversationOptions, 'directMessage'>, responder: HomeserverClient, event: MatrixEvent, reply: Reply): Promise<'in the room' | 'in a DM'> {
  const reveals = revealsOf(reply);
  try {
    await responder.sendEvent(event.room_id, 'm.room.message', replyContent(reply, event.event_id), `reply.${event.event_id}`, { reveals });
    return 'in the room';
  } catch (error) {
    if (!(error instanceof AudienceRefused)) throw error;
  }
  await options.directMessage(event.sender, { id: `reply.${event.event_id}`, text: reply.text, ...(reply.html ? { html: reply.html } : {}), reveals });
  const pointer: Reply = { text: ANSWERED_IN_DM, reveals: 'public' };
  await responder.sendEvent(event.room_id, 'm.room.message', replyContent(pointer, event.event_id), `pointer.${event.event_id}`, { reveals: 'public' });
  return 'in a DM';
}

/** What the member hears when the homeserver refused the answer itself for good (too large, most likely). */
export function answerRefused(errcode: string): Reply {
  return { text: `I could not send you my answer: the homeserver refused it (${errcode}). Try a shorter command, or ask your admin.`, reveals: 'public' };
}

export function handleCommandMessages(options: ConversationOptions) {
  return async (event: MatrixEvent): Promise<void> => {
    const body = event.content.body;
    if (typeof body !== 'string' || !isCommandText(body.trim()) || options.isOwnBot(event.sender)) return;
    const reply: Reply = options.isMember(event.sender)
      ? await options.table.execute(
        { sender: event.sender, roomId: event.room_id, eventId: event.event_id, isAdmin: options.admins.includes(event.sender) },
        body.trim(),
      )
      : notMembersAnswer(options.serverName);
    const responder = await options.responderFor(event.room_id);
    try {
      const where = await answer(options, responder, event, reply);
      options.log.info('answered a command', { room_id: event.room_id, event_id: event.event_id, sender: event.sender, answered: where });
    } catch (error) {
      const refusal = permanentRefusal(error);
      if (refusal === null) throw error;
      // Asking again would be refused again. The member still hears something, and the event is set
      // aside by the inbox worker with the reason (rethrown below).
      const short = replyContent(answerRefused(refusal.errcode ?? String(refusal.httpStatus)), event.event_id);
      await responder.sendEvent(event.room_id, 'm.room.message', short, `refused.${event.event_id}`, { reveals: 'public' }).catch((late: unknown) => {
        options.log.warn('could not tell a member that their answer was refused', { room_id: event.room_id, event_id: event.event_id, error: errorText(late) });
      });
      throw error;
    }
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
    await responder.sendEvent(event.room_id, 'm.room.message', content, `undecryptable.${event.event_id}`, { plaintextFallback: true, reveals: 'public' });
    options.log.warn('could not decrypt a message; asked the sender to resend it', fields);
  };
}
