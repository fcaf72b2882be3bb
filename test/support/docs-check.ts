// The docs check: a doc page may name only commands, options and config keys
// that exist, and may not promise work to come ("not yet", "planned", "not
// built", "not wired"): the pages describe the code as it is. Pure over the
// text, so a unit test can prove it fails on a page that is wrong.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import type { CommandTable } from '../../src/commands/table.ts';

export interface DocProblem {
  page: string;
  line: number;
  problem: string;
}

const REPO = new URL('../../', import.meta.url).pathname;

/** Every page a reader meets: the READMEs and docs/. */
export function docPages(): { page: string; text: string }[] {
  const docs = readdirSync(join(REPO, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
  return ['README.md', 'docker/README.md', ...docs].map((page) => ({ page, text: readFileSync(join(REPO, page), 'utf8') }));
}

/**
 * Promises of work to come. Something that has "not yet" happened to a person
 * or a server (not yet invited, have not yet voted) is a fact, not a promise.
 */
const PROMISES: readonly RegExp[] = [
  /\bplanned\b/i,
  /\bnot (yet )?(built|wired|implemented)\b/i,
  /\b(built|wired|implemented) yet\b/i,
  /\bstill being (built|tested|written|wired)\b/i,
  /(?<!\bha(?:ve|s|d) )\bnot yet\b(?!\s+\w+ed\b)/i,
  /\bno \w+ yet\b/i,
];

/** File names look like config keys (tiers.md); these endings are files. */
const FILE_ENDING = /\.(md|ts|js|yaml|yml|json|sql|sh|sqlite|log|py)$/;

interface Schema {
  properties?: Record<string, Schema>;
}

function schemaHas(root: TSchema, path: readonly string[]): boolean {
  let node: Schema | undefined = root as Schema;
  for (const part of path) {
    node = node.properties?.[part];
    if (node === undefined) return false;
  }
  return true;
}

/** Inline code spans of a line, and the line with them blanked (phrases inside code are quotations). */
function codeSpans(line: string): { spans: string[]; prose: string } {
  const spans: string[] = [];
  const prose = line.replace(/`([^`]+)`/g, (_whole, code: string) => { spans.push(code); return ' '; });
  return { spans, prose };
}

/**
 * Each "!command ..." the line shows, with the text it is shown with: the
 * rest of its code span, or of the line, and whether that is code. A room ID
 * (!abc:server) or a link is not a command.
 */
function commandMentions(line: string, inCodeBlock: boolean): { text: string; code: boolean }[] {
  const { spans, prose } = codeSpans(line);
  const sources = inCodeBlock ? [{ text: line, code: true }] : [...spans.map((text) => ({ text, code: true })), { text: prose, code: false }];
  const mentions: { text: string; code: boolean }[] = [];
  for (const source of sources) {
    for (const match of source.text.matchAll(/(?<![\w/#:.!])!([a-z][a-z-]*)(?![\w-]*:)/g)) {
      mentions.push({ text: source.text.slice(match.index + 1), code: source.code });
    }
  }
  return mentions;
}

/** The command words of a mention: lowercase words, up to punctuation or the next mention. */
function commandWords(text: string): string[] {
  const words: string[] = [];
  for (const raw of text.split(/\s+/)) {
    const word = raw.replace(/[,.;:)…]+$/, '');
    if (!/^[a-z][a-z-]*(\|[a-z][a-z-]*)*$/.test(word)) break;
    words.push(word);
    if (word !== raw) break;
  }
  return words;
}

/**
 * A mention names a command, or, in prose or alone, a family of commands
 * ("the !defederate commands"); in code, the words after a family's name must
 * make one of its commands. a|b lists alternatives, each of which must.
 */
function checkCommand(table: CommandTable, mention: { text: string; code: boolean }): string | null {
  const words = commandWords(mention.text);
  const alternatives = (words[1] ?? '').split('|').map((second) => [words[0] ?? '', ...(second ? [second] : []), ...words.slice(2)]);
  for (const candidate of alternatives) {
    const found = table.find(candidate);
    if (!found) {
      const family = table.visibleTo(true).some((command) => command.name.startsWith(`${candidate[0] ?? ''} `));
      if (family && (!mention.code || candidate.length === 1)) continue;
      return `names "!${candidate.slice(0, 2).join(' ')}", which is not a command`;
    }
    const flags = new Set((found.command.flags ?? []).map((f) => f.name));
    for (const flag of mention.text.matchAll(/(?<!\S)--([a-z][a-z-]*)/g)) {
      if (mention.code && flag[1] && !flags.has(flag[1])) return `gives !${found.command.name} the option --${flag[1]}, which it does not have`;
    }
  }
  return null;
}

export function checkDoc(page: string, text: string, table: CommandTable, schema: TSchema): DocProblem[] {
  const problems: DocProblem[] = [];
  const sections = new Set(Object.keys((schema as Schema).properties ?? {}));
  let inCodeBlock = false;
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const at = (problem: string): void => { problems.push({ page, line: index + 1, problem }); };
    if (/^\s*```/.test(line)) {
      inCodeBlock = !inCodeBlock;
      continue;
    }
    for (const mention of commandMentions(line, inCodeBlock)) {
      const problem = checkCommand(table, mention);
      if (problem) at(problem);
    }
    if (inCodeBlock) continue;
    const { spans, prose } = codeSpans(line);
    for (const span of spans) {
      const key = /^([a-z_]+)\.([a-z_.]+[a-z_])$/.exec(span);
      if (!key?.[1] || !key[2] || !sections.has(key[1]) || FILE_ENDING.test(span)) continue;
      if (!schemaHas(schema, [key[1], ...key[2].split('.')])) at(`names the config key ${span}, which the schema does not have`);
    }
    // Joined with the next line, so a phrase broken across two lines is found too.
    const next = codeSpans(lines[index + 1] ?? '').prose;
    const promise = PROMISES.map((pattern) => pattern.exec(`${prose} ${next}`)).find((found) => found !== null && found.index < prose.length);
    if (promise) at(`promises work to come ("${promise[0]}"); say what the code does`);
  }
  return problems;
}
