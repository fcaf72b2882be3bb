// What a member or an admin does on the web pages is done by the very chat
// command that does it in Matrix: the page names the command and its words,
// and they are parsed, permission-checked and run as if typed. Words come
// from form fields one by one, never joined into a line to be split again,
// so nothing typed in a field can become another argument or option.
// An admin's action is then told to the admin room, as a chat command typed
// there would be seen, with the command and its answer.
import { randomUUID } from 'node:crypto';
import { parseArguments, type ArgumentContext } from '../commands/arguments.ts';
import { CommandError, type Command, type CommandContext } from '../commands/command.ts';
import type { Logger } from '../logging/logger.ts';

export interface CommandLookup {
  find(words: readonly string[]): { command: Command; rest: string[] } | null;
}

export interface WebCommandsOptions {
  table: () => CommandLookup;
  argumentContext: ArgumentContext;
  isAdmin: (userId: string) => boolean;
  /** The admin room, where admins' actions are shown; '' before it exists. */
  adminRoomId: () => string;
  notify: (text: string) => Promise<void>;
  log: Logger;
}

export interface WebAnswer {
  ok: boolean;
  text: string;
}

/** The command as it would be typed: for the admin room's record, never parsed again. */
export function commandLine(name: string, words: readonly string[]): string {
  const shown = words.map((word) => (word !== '' && /^[^\s"'\u201c\u2018]+$/.test(word) ? word : `"${word.replace(/"/g, '\u201d')}"`));
  return ['!' + name, ...shown].join(' ');
}

export class WebCommands {
  private readonly o: WebCommandsOptions;

  constructor(options: WebCommandsOptions) {
    this.o = options;
  }

  /** Whether this Hearth has the command (some exist only when a feature is on). */
  has(name: string): boolean {
    return this.o.table().find(name.split(' '))?.command.name === name;
  }

  /**
   * Runs `!name --flag value… positional…` as `userId`; an admin's command is
   * then recorded in the admin room. A positional value may not start with
   * `--`, which the parser would read as an option.
   */
  async run(userId: string, name: string, positional: readonly string[], flags: Readonly<Record<string, string | true>> = {}): Promise<WebAnswer> {
    if (positional.some((word) => word.startsWith('--'))) return { ok: false, text: 'A value cannot start with --.' };
    const words = [...Object.entries(flags).flatMap(([flag, value]) => (value === true ? [`--${flag}`] : [`--${flag}`, value])), ...positional];
    const isAdmin = this.o.isAdmin(userId);
    if (!this.has(name)) return { ok: false, text: `!${name} is not available here: the part of Hearth it belongs to is off.` };
    const answer = await this.execute({ sender: userId, roomId: isAdmin ? this.o.adminRoomId() : '', eventId: `web.${randomUUID()}`, isAdmin }, name, words);
    if (isAdmin) await this.o.notify(`${userId} on the web dashboard: ${commandLine(name, words)}\n${answer.text}`);
    this.o.log.info('ran a command from the web', { sender: userId, command: name, ok: answer.ok });
    return answer;
  }

  /** Runs a command that only reports (a status, a log) for a page: nothing changes, so nothing is recorded. */
  async read(userId: string, name: string): Promise<WebAnswer> {
    return this.execute({ sender: userId, roomId: this.o.adminRoomId(), eventId: `web.${randomUUID()}`, isAdmin: this.o.isAdmin(userId) }, name, []);
  }

  private async execute(context: CommandContext, name: string, words: readonly string[]): Promise<WebAnswer> {
    const found = this.o.table().find(name.split(' '));
    if (found?.command.name !== name) throw new Error(`the web pages asked for !${name}, which this Hearth does not have`);
    const { command } = found;
    if (command.permission === 'admin' && !context.isAdmin) return { ok: false, text: `!${command.name} is for admins only.` };
    try {
      const args = parseArguments(command, words, this.o.argumentContext);
      return { ok: true, text: (await command.run(context, args)).text };
    } catch (error) {
      if (error instanceof CommandError) return { ok: false, text: error.message };
      throw error;
    }
  }
}
