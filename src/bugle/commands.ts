// The Bugle's commands. "!bugle <message>" drafts; the words after !bugle are
// a sub-command only when they are exactly one (see CommandTable's choice by
// arguments), so "!bugle on Saturday…" is a message.
import { defineCommand, type Command } from '../commands/command.ts';
import type { Bugle } from './bugle.ts';

const user = { name: 'user', kind: 'user', description: 'a member, e.g. @alice:camp.example.org' } as const;

export function bugleCommands(bugle: Bugle): Command[] {
  return [
    defineCommand({
      name: 'bugle',
      summary: 'Draft a broadcast to every member; you confirm it with !bugle send.',
      params: [{ name: 'message', kind: 'message', description: 'what to tell everyone' }],
      permission: 'member',
      async run(context, args) {
        return { text: await bugle.draft(context.sender, context.roomId, args.string('message')) };
      },
    }),
    defineCommand({ name: 'bugle send', summary: 'Send your drafted broadcast.', params: [], permission: 'member',
      async run(context) { return { text: await bugle.send(context.sender, context.roomId) }; } }),
    defineCommand({ name: 'bugle cancel', summary: 'Discard your drafted broadcast.', params: [], permission: 'member',
      async run(context) { return { text: await bugle.cancel(context.sender) }; } }),
    defineCommand({ name: 'bugle off', summary: 'Stop receiving broadcasts.', params: [], permission: 'member',
      async run(context) { return { text: await bugle.off(context.sender) }; } }),
    defineCommand({ name: 'bugle on', summary: 'Receive broadcasts again.', params: [], permission: 'member',
      async run(context) { return { text: await bugle.on(context.sender, context.roomId) }; } }),
    defineCommand({ name: 'bugle revoke', summary: 'Stop a member from sending broadcasts.', params: [user], permission: 'admin',
      async run(context, args) { return { text: await bugle.revoke(args.string('user'), context.sender) }; } }),
    defineCommand({ name: 'bugle restore', summary: 'Let a revoked member send broadcasts again.', params: [user], permission: 'admin',
      async run(_context, args) { return { text: await bugle.restore(args.string('user')) }; } }),
    defineCommand({ name: 'bugle log', summary: 'Show recent broadcasts: who, when, how many recipients.', params: [], permission: 'admin',
      async run() { return { text: await bugle.log() }; } }),
  ];
}
