// The texts onboarding sends and shows: the code of conduct and the welcome
// (Markdown files named in the config, read at start-up), rendered to HTML
// (src/text/markdown.ts) when first shown or sent.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { renderMarkdown } from '../text/markdown.ts';
import { audienceOf } from '../tiers/tier.ts';
import { versionOf } from './agreement.ts';

export interface Text {
  /** As written: Markdown, which reads well as plain text too. */
  readonly markdown: string;
  readonly html: string;
}

export interface CodeOfConduct extends Text {
  version: string;
}

/** A text whose HTML is rendered at its first reading, once. */
function textOf(markdown: string): Text {
  let html: string | null = null;
  return {
    markdown,
    get html() {
      html ??= renderMarkdown(markdown);
      return html;
    },
  };
}

function readConfigured(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('config', [{ path: `community.${key}`, message: `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}` }]);
  }
}

/** The code of conduct named in the config; null when none is. */
export function loadCodeOfConduct(config: Config): CodeOfConduct | null {
  if (config.community.code_of_conduct === '') return null;
  const text = readConfigured(config.community.code_of_conduct, 'code_of_conduct').trim();
  if (text === '') throw new ConfigError('config', [{ path: 'community.code_of_conduct', message: `${config.community.code_of_conduct} is empty` }]);
  return Object.assign(textOf(text), { version: versionOf(text) });
}

/** The welcome's own words: the file named in the config, or a short default. */
export function loadWelcome(config: Config): Text {
  const text = config.community.welcome === ''
    ? `Welcome to ${config.community.name}! I'm Hearth, the host here. Everyone in this community knows someone in it, and now that includes you.`
    : readConfigured(config.community.welcome, 'welcome').trim();
  return textOf(text);
}

/** The short guide to the three tiers that every welcome carries. */
export function tierGuide(serverName: string): string {
  return [
    'Who can read what you post depends on the room\'s tier:',
    `- ${audienceOf('local', serverName)} The local timeline is where the community talks.`,
    `- ${audienceOf('neighborhood', serverName)}`,
    `- ${audienceOf('public', serverName)}`,
    'Say !tier in any room to see which one it is.',
  ].join('\n');
}
