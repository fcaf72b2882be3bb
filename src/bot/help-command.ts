import { CommandError, defineCommand, type Command } from '../commands/command.ts';
import type { CommandTable } from '../commands/table.ts';
import { quoted } from '../commands/text.ts';

export function helpCommand(table: () => CommandTable): Command {
  return defineCommand({
    name: 'help',
    summary: 'List the commands you can use, or explain one.',
    params: [{ name: 'command', kind: 'text', description: 'a command to explain, e.g. "help"', optional: true }],
    permission: 'member',
    run(context, args) {
      const asked = args.optionalString('command');
      if (asked === undefined) return Promise.resolve(table().helpFor(context.isAdmin));
      const found = table().find(asked.replace(/^!/, '').split(/\s+/));
      if (!found || (found.command.permission === 'admin' && !context.isAdmin)) {
        throw new CommandError(`There is no command "${quoted(asked)}". Say !help for the list.`, 'public');
      }
      return Promise.resolve(table().helpForCommand(found.command));
    },
  });
}
