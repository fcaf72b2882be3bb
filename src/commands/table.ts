// The command table: finds the command a message names, checks permission,
// parses arguments and runs it. Known problems become one-line answers;
// anything else is logged with an id that the member is given.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logging/logger.ts';
import { parseArguments, type ArgumentContext } from './arguments.ts';
import { CommandError, isFreeText, usageOf, type Command, type CommandContext, type ParsedArgs, type Reply } from './command.ts';
import { quoted } from './text.ts';
import { leadingWords, tokenize, TokenizeError } from './tokenize.ts';

export const COMMAND_PREFIX = '!';

export function isCommandText(body: string): boolean {
  return body.startsWith(COMMAND_PREFIX) && body.length > 1 && !/^!\s/.test(body);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Free text written as one quoted string, as in !defederate now x "spam", loses its quotes; anything else stays as typed. */
function unquoteWhole(text: string): string {
  if (!/^["'\u201c\u2018]/.test(text)) return text;
  try {
    const words = tokenize(text);
    return words.length === 1 && words[0] !== undefined ? words[0] : text;
  } catch {
    return text;
  }
}

export class CommandTable {
  private readonly commands: readonly Command[];
  private readonly log: Logger;
  private readonly argumentContext: ArgumentContext;

  /** With options.serverName, a bare user name (bob) is a user of this server. */
  constructor(commands: readonly Command[], log: Logger, options: ArgumentContext = {}) {
    const names = new Set<string>();
    for (const command of commands) {
      if (names.has(command.name)) throw new Error(`two commands are named ${command.name}`);
      names.add(command.name);
    }
    this.commands = commands;
    this.log = log;
    this.argumentContext = options;
  }

  /** Every command whose name the words start with, longest name first. */
  matches(words: readonly string[]): { command: Command; rest: string[] }[] {
    return this.commands
      .filter((command) => command.name.split(' ').every((w, i) => words[i]?.toLowerCase() === w))
      .map((command) => ({ command, rest: words.slice(command.name.split(' ').length) }))
      .sort((a, b) => b.command.name.split(' ').length - a.command.name.split(' ').length);
  }

  /**
   * The arguments of one candidate, read from the line after its name: word by
   * word, except that a trailing free-text parameter gets the rest as typed.
   */
  private static argumentWords(command: Command, line: string): string[] {
    const afterName = leadingWords(line, command.name.split(' ').length).rest;
    const last = command.params.at(-1);
    if (!isFreeText(last?.kind)) return tokenize(afterName);
    const { words, rest } = leadingWords(afterName, command.params.length - 1);
    if (rest === '') return words;
    return [...words, unquoteWhole(rest)];
  }

  /** The longest command name that the words start with. */
  find(words: readonly string[]): { command: Command; rest: string[] } | null {
    return this.matches(words)[0] ?? null;
  }

  visibleTo(isAdmin: boolean): Command[] {
    return this.commands.filter((c) => c.permission === 'member' || isAdmin);
  }

  helpFor(isAdmin: boolean): Reply {
    const visible = this.visibleTo(isAdmin);
    const lines = visible.map((c) => `${usageOf(c)} — ${c.summary}`);
    const html = visible.map((c) => `<li><code>${escapeHtml(usageOf(c))}</code> — ${escapeHtml(c.summary)}</li>`);
    // The commands are the same on every Hearth: naming them reveals nothing of this community.
    return {
      text: ['Commands:', ...lines, 'Say !help <command> for details.'].join('\n'),
      html: `<p>Commands:</p><ul>${html.join('')}</ul><p>Say <code>!help &lt;command&gt;</code> for details.</p>`,
      reveals: 'public',
    };
  }

  helpForCommand(command: Command): Reply {
    const params = command.params.map((p) => `  ${p.name}: ${p.description}${p.optional ? ' (optional)' : ''}`);
    const flags = (command.flags ?? []).map((f) => `  --${f.name}: ${f.description}`);
    const who = command.permission === 'admin' ? 'Admins only.' : 'Any member.';
    return { text: [usageOf(command), command.summary, ...params, ...flags, who].join('\n'), reveals: 'public' };
  }

  /**
   * The longest name whose arguments fit, so "!bugle on Saturday we sing" is a
   * message for !bugle rather than a malformed "!bugle on". If none fits, the
   * longest name's problem is the answer.
   */
  private chooseByArguments(candidates: { command: Command }[], line: string): { command: Command; args: ParsedArgs } | { refusal: string } {
    let firstProblem: string | null = null;
    for (const { command } of candidates) {
      try {
        return { command, args: parseArguments(command, CommandTable.argumentWords(command, line), this.argumentContext) };
      } catch (error) {
        if (error instanceof TokenizeError) {
          firstProblem ??= `Could not read that command: ${error.message}.`;
          continue;
        }
        if (!(error instanceof CommandError)) throw error;
        firstProblem ??= error.message;
      }
    }
    return { refusal: firstProblem ?? 'That command could not be read.' };
  }

  async execute(context: CommandContext, body: string): Promise<Reply> {
    const line = body.slice(COMMAND_PREFIX.length);
    // Command names are plain words, so finding the candidates needs no quoting rules.
    const words = line.trim().split(/\s+/);
    const candidates = this.matches(words);
    // Refusals of the command line repeat only what the member typed in this room and the command's usage: public.
    if (candidates.length === 0) return { text: `Unknown command "!${quoted(words[0] ?? '', 40)}". Say !help for the list.`, reveals: 'public' };
    const chosen = this.chooseByArguments(candidates, line);
    if ('refusal' in chosen) return { text: chosen.refusal, reveals: 'public' };
    const { command, args } = chosen;
    if (command.permission === 'admin' && !context.isAdmin) return { text: `!${command.name} is for admins only.`, reveals: 'public' };
    try {
      return await command.run(context, args);
    } catch (error) {
      if (error instanceof CommandError) return { text: error.message, reveals: error.reveals };
      const id = randomBytes(4).toString('hex');
      this.log.error('command failed', { error_id: id, command: command.name, sender: context.sender, room_id: context.roomId, error });
      return { text: `Something went wrong running !${command.name} (error id ${id}). Your admin can look it up in Hearth's log.`, reveals: 'public' };
    }
  }
}
