// A command is data: its name, typed parameters, permission and help text. The
// dispatcher and the help are both built from these records.
import type { Tier } from '../tiers/tier.ts';

export type Permission = 'member' | 'admin';
/**
 * word: one word (quote it to hold spaces); words: the rest of the words up
 * to the options, joined, so a name needs no quotes; name: like words, and
 * checked as a name others will read (one line, bounded, no direction
 * controls: see text.ts); text: the rest of the line as typed, checked as one
 * line others will read; message: the rest as typed, several lines allowed,
 * checked likewise; user: a Matrix ID, or a bare name on this server.
 */
export type ParamKind = 'word' | 'words' | 'name' | 'text' | 'message' | 'user' | 'server' | 'integer';

/** Kinds that take the rest of the line as typed, when they come last. */
export function isFreeText(kind: ParamKind | undefined): boolean {
  return kind === 'text' || kind === 'message';
}

export interface ParamSpec {
  name: string;
  kind: ParamKind;
  description: string;
  optional?: boolean;
}

export interface FlagSpec {
  name: string;
  description: string;
  /** Without choices the flag is a switch (present or absent). */
  choices?: readonly string[];
  /** A flag that takes any one value (quoted to hold spaces), shown as --name <value>. */
  value?: string;
}

export interface CommandContext {
  sender: string;
  roomId: string;
  eventId: string;
  isAdmin: boolean;
}

export interface Reply {
  text: string;
  html?: string;
  /**
   * The widest audience the answer may reach: the narrowest tier of what it
   * names (rooms, members, community facts). Left out, it is local. An answer
   * said in a room with a wider audience goes to the sender's DM instead.
   */
  reveals?: Tier;
}

/** What a reply reveals when it does not say: the safe answer. */
export function revealsOf(reply: Reply): Tier {
  return reply.reveals ?? 'local';
}

export type ArgValue = string | number;

export class ParsedArgs {
  private readonly values: ReadonlyMap<string, ArgValue>;
  private readonly flags: ReadonlyMap<string, string | true>;

  constructor(values: ReadonlyMap<string, ArgValue>, flags: ReadonlyMap<string, string | true>) {
    this.values = values;
    this.flags = flags;
  }

  string(name: string): string {
    const value = this.values.get(name);
    if (typeof value !== 'string') throw new Error(`parameter ${name} is not a string`);
    return value;
  }

  optionalString(name: string): string | undefined {
    const value = this.values.get(name);
    return typeof value === 'string' ? value : undefined;
  }

  integer(name: string): number {
    const value = this.values.get(name);
    if (typeof value !== 'number') throw new Error(`parameter ${name} is not an integer`);
    return value;
  }

  flag(name: string): string | true | undefined {
    return this.flags.get(name);
  }
}

export interface Command {
  /** One or more words, e.g. "help" or "room create". */
  name: string;
  summary: string;
  params: readonly ParamSpec[];
  flags?: readonly FlagSpec[];
  permission: Permission;
  run(context: CommandContext, args: ParsedArgs): Promise<Reply>;
}

export function defineCommand(command: Command): Command {
  return command;
}

/** A problem the member caused and can fix: shown to them as it is. */
export class CommandError extends Error {
  /** As Reply.reveals: a refusal that names a room or a member is as private as they are. */
  readonly reveals: Tier;

  constructor(message: string, reveals: Tier = 'local') {
    super(message);
    this.name = 'CommandError';
    this.reveals = reveals;
  }
}

export function usageOf(command: Command): string {
  const params = command.params.map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`));
  const flags = (command.flags ?? []).map((f) => {
    if (f.choices) return `[--${f.name} ${f.choices.join('|')}]`;
    return f.value === undefined ? `[--${f.name}]` : `[--${f.name} <${f.value}>]`;
  });
  return ['!' + command.name, ...params, ...flags].join(' ');
}
