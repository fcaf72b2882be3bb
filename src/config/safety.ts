// Refuses to run with values copied from the sample: placeholder tokens would
// let anyone who read the docs impersonate the homeserver, and an example
// domain means the config was never filled in.
import type { Config } from './schema.ts';
import type { ConfigProblem } from './load.ts';

const PLACEHOLDER = /change_?me|placeholder|^x+$/i;

/** A token copied from the sample or the docs; `hearth registration` replaces these. */
export function isPlaceholderToken(token: string): boolean {
  return PLACEHOLDER.test(token);
}
const EXAMPLE_DOMAIN = /(^|\.)example\.(org|com|net)$/i;
const MIN_TOKEN_LENGTH = 32;

const STORE_KEY = /^[0-9a-f]{64}$/i;

function storeKeyProblems(key: string): ConfigProblem[] {
  if (isPlaceholderToken(key)) {
    return [{ path: 'encryption.store_key', message: 'still the placeholder; run `node src/cli.ts registration -c <config> -o <registration>` to generate a real key' }];
  }
  if (!STORE_KEY.test(key)) return [{ path: 'encryption.store_key', message: 'must be 64 hex characters (32 bytes)' }];
  return [];
}

export function unsafeValues(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of ['as_token', 'hs_token'] as const) {
    const token = config.appservice[key];
    if (isPlaceholderToken(token)) {
      problems.push({ path: `appservice.${key}`, message: 'still the placeholder; run `node src/cli.ts registration -c <config> -o <registration>` to generate real tokens' });
    } else if (token.length < MIN_TOKEN_LENGTH) {
      problems.push({ path: `appservice.${key}`, message: `too short to be secret (${token.length} characters, need ${MIN_TOKEN_LENGTH})` });
    }
  }
  if (config.encryption.enabled) problems.push(...storeKeyProblems(config.encryption.store_key));
  if (EXAMPLE_DOMAIN.test(config.homeserver.server_name)) {
    problems.push({ path: 'homeserver.server_name', message: `"${config.homeserver.server_name}" is an example domain; set your homeserver's real server name` });
  }
  for (const [index, admin] of config.community.admins.entries()) {
    if (EXAMPLE_DOMAIN.test(admin.slice(admin.indexOf(':') + 1))) {
      problems.push({ path: `community.admins.${index}`, message: `"${admin}" is on an example domain` });
    }
  }
  return problems;
}
