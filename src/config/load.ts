// Loads config once: YAML → defaults → schema check → derived paths. Every
// problem is reported with the key path it concerns, all at once, so an
// operator fixes a config in one pass.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigSchema, type Config } from './schema.ts';

export interface ConfigProblem {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(source: string, problems: readonly ConfigProblem[]) {
    super(`${source}: invalid configuration:\n` + problems.map((p) => `  - ${p.path || '(top level)'}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

if (!FormatRegistry.Has('uri')) {
  FormatRegistry.Set('uri', (value) => URL.canParse(value) && /^https?:\/\//.test(value));
}

function toKeyPath(pointer: string): string {
  return pointer.replace(/^\//, '').split('/').join('.');
}

/** Validates an already parsed document; `source` names it in errors. */
export function parseConfig(document: unknown, source: string, baseDir: string): Config {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(source, [{ path: '', message: 'expected a mapping of keys to values' }]);
  }
  const withDefaults = Value.Default(ConfigSchema, structuredClone(document));
  const problems: ConfigProblem[] = [...Value.Errors(ConfigSchema, withDefaults)].map((error) => ({
    path: toKeyPath(error.path),
    message: describeSchemaError(error.message, error.value),
  }));
  if (problems.length === 0) problems.push(...crossFieldProblems(withDefaults as Config));
  if (problems.length > 0) throw new ConfigError(source, dedupe(problems));
  const config = withDefaults as Config;
  // SQLite's ':memory:' names no file: made absolute, it would become one beside the config.
  const sqlitePath = config.database.sqlite_path;
  if (sqlitePath !== ':memory:' && !isAbsolute(sqlitePath)) config.database.sqlite_path = resolve(baseDir, sqlitePath);
  for (const key of ['code_of_conduct', 'welcome'] as const) {
    const file = config.community[key];
    if (file !== '' && !isAbsolute(file)) config.community[key] = resolve(baseDir, file);
  }
  return config;
}

function describeSchemaError(message: string, value: unknown): string {
  if (message.startsWith('Unexpected property')) return 'unknown key (check its spelling against config/config.sample.yaml)';
  if (value === undefined) return 'required key is missing';
  return `${message} (got ${JSON.stringify(value)})`;
}

function crossFieldProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.database.engine === 'postgres' && config.database.postgres_url === '') {
    problems.push({ path: 'database.postgres_url', message: 'required when database.engine is postgres' });
  }
  if (config.web.enabled && !/^https?:\/\/[^/]+/.test(config.web.public_base_url)) {
    problems.push({ path: 'web.public_base_url', message: 'required when web.enabled is true: the address people open in a browser, like https://join.camp.example.org' });
  }
  if (config.appservice.as_token === config.appservice.hs_token) {
    problems.push({ path: 'appservice.hs_token', message: 'must differ from appservice.as_token' });
  }
  return problems;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the file: ${(error as Error).message}` }]);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    if (error instanceof YAMLParseError) throw new ConfigError(path, [{ path: '', message: `not valid YAML: ${error.message}` }]);
    throw error;
  }
  return parseConfig(document, path, dirname(resolve(path)));
}
