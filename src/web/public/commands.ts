// `!web off` and `!web on`: whether a member's posts in the public rooms also
// appear on the community's public web pages and feed.
import { defineCommand, type Command } from '../../commands/command.ts';
import type { WebOptOuts } from './opt-outs.ts';

/** `frontPage`: the public address, or null when the web listener is off. */
export function webCommands(optOuts: Pick<WebOptOuts, 'off' | 'on'>, frontPage: string | null): Command[] {
  const where = frontPage === null ? 'the community\'s public web pages' : `the community's public web pages (${frontPage})`;
  return [
    defineCommand({
      name: 'web off', summary: 'Keep your public posts off the community\'s public web pages and feed.', params: [], permission: 'member',
      async run(context) {
        const changed = await optOuts.off(context.sender);
        const text = changed
          ? `Your posts no longer appear on ${where} or in its feed. They stay in the public rooms, where anyone can still read them in a Matrix app. !web on shows them again.`
          : `Your posts are already left out of ${where}. !web on shows them again.`;
        return { text, reveals: 'public' };
      },
    }),
    defineCommand({
      name: 'web on', summary: 'Show your public posts on the community\'s public web pages and feed again.', params: [], permission: 'member',
      async run(context) {
        const changed = await optOuts.on(context.sender);
        const text = changed
          ? `Your posts in the public rooms appear on ${where} and in its feed again. !web off leaves them out.`
          : `Your posts in the public rooms already appear on ${where}. !web off leaves them out.`;
        return { text, reveals: 'public' };
      },
    }),
  ];
}
