// Turns the words after a command's name into typed arguments, or explains in
// one line what is wrong.
import { CommandError, isFreeText, ParsedArgs, usageOf, type ArgValue, type Command, type ParamSpec } from './command.ts';
import { checkText, LINE_MAX, MESSAGE_MAX, NAME_MAX, quoted, type TextRules } from './text.ts';

const USER_ID = /^@[^:\s]+:[A-Za-z0-9.-]+(:\d+)?$/;
/** A user named without a server, as members name each other: bob or @bob. */
const LOCAL_NAME = /^@?([a-z0-9._=/+-]+)$/;
const SERVER_NAME = /^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d+)?$/;

/** What reading arguments needs to know of where it runs. */
export interface ArgumentContext {
  /** This server's name: a bare user name is a user here. */
  serverName?: string;
}

function userId(spec: ParamSpec, word: string, context: ArgumentContext): string {
  if (USER_ID.test(word)) return word;
  const local = LOCAL_NAME.exec(word)?.[1];
  if (local !== undefined && context.serverName) return `@${local}:${context.serverName}`;
  if (!context.serverName) throw new CommandError(`${spec.name} must be a Matrix user ID like @alice:example.org, not "${quoted(word)}"`);
  throw new CommandError(`${spec.name} must be a name on ${context.serverName}, like bob, or a Matrix ID, like @bob:${context.serverName}; not "${quoted(word)}"`);
}

/** How each kind of text others will read is checked (see text.ts). */
function textRules(spec: ParamSpec): TextRules | null {
  if (spec.kind === 'name') return { what: spec.name, maxLength: NAME_MAX, multiline: false };
  if (spec.kind === 'text') return { what: spec.name, maxLength: LINE_MAX, multiline: false };
  if (spec.kind === 'message') return { what: spec.name, maxLength: MESSAGE_MAX, multiline: true };
  return null;
}

function checkedText(spec: ParamSpec, word: string): string {
  const rules = textRules(spec);
  if (!rules) return word;
  const verdict = checkText(word, rules);
  if (!verdict.ok) throw new CommandError(verdict.problem);
  return verdict.text;
}

function convert(spec: ParamSpec, word: string, context: ArgumentContext): ArgValue {
  switch (spec.kind) {
    case 'word':
    case 'words':
      return word;
    case 'name':
    case 'text':
    case 'message':
      return checkedText(spec, word);
    case 'user':
      return userId(spec, word, context);
    case 'server':
      if (!SERVER_NAME.test(word)) throw new CommandError(`${spec.name} must be a server name like example.org, not "${quoted(word)}"`);
      return word.toLowerCase();
    case 'integer':
      if (!/^-?\d+$/.test(word)) throw new CommandError(`${spec.name} must be a whole number, not "${quoted(word)}"`);
      return Number(word);
  }
}

function convertOrExplain(command: Command, spec: ParamSpec, word: string, context: ArgumentContext): ArgValue {
  try {
    return convert(spec, word, context);
  } catch (error) {
    if (error instanceof CommandError) throw new CommandError(`${error.message}. Usage: ${usageOf(command)}`);
    throw error;
  }
}

function splitFlags(command: Command, words: readonly string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const textTail = isFreeText(command.params.at(-1)?.kind);
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    // Free text is the message itself, dashes and all.
    const isFreeText = textTail && positional.length === command.params.length - 1;
    if (isFreeText || !word.startsWith('--') || word.length === 2) {
      positional.push(word);
      continue;
    }
    const name = word.slice(2);
    const spec = command.flags?.find((f) => f.name === name);
    if (!spec) throw new CommandError(`unknown option --${quoted(name, 40)}. Usage: ${usageOf(command)}`);
    if (spec.value !== undefined) {
      const value = words[++i];
      if (value === undefined || value === '') throw new CommandError(`--${name} needs a value. Usage: ${usageOf(command)}`);
      flags.set(name, value);
      continue;
    }
    if (!spec.choices) {
      flags.set(name, true);
      continue;
    }
    const value = words[++i];
    if (value === undefined || !spec.choices.includes(value)) {
      throw new CommandError(`--${name} takes one of ${spec.choices.join(', ')}. Usage: ${usageOf(command)}`);
    }
    flags.set(name, value);
  }
  return { positional, flags };
}

/** Whether a parameter takes every remaining word: free text, or words such as a room's name. */
function takesTheRest(spec: ParamSpec, index: number, count: number): boolean {
  return (isFreeText(spec.kind) || spec.kind === 'words' || spec.kind === 'name') && index === count - 1;
}

export function parseArguments(command: Command, words: readonly string[], context: ArgumentContext = {}): ParsedArgs {
  const { positional, flags } = splitFlags(command, words);
  const values = new Map<string, ArgValue>();
  const specs = command.params;
  for (const [index, spec] of specs.entries()) {
    const word = takesTheRest(spec, index, specs.length) ? positional.slice(index).join(' ') : positional[index];
    if (word === undefined || word === '') {
      if (spec.optional) continue;
      throw new CommandError(`missing ${spec.name}. Usage: ${usageOf(command)}`);
    }
    values.set(spec.name, convertOrExplain(command, spec, word, context));
  }
  const last = specs.at(-1);
  if (!(last && takesTheRest(last, specs.length - 1, specs.length)) && positional.length > specs.length) {
    const extra = quoted(positional.slice(specs.length).join(' '));
    throw new CommandError(`too many arguments ("${extra}" is left over; a value with spaces goes in quotes, like "Book club"). Usage: ${usageOf(command)}`);
  }
  return new ParsedArgs(values, flags);
}
