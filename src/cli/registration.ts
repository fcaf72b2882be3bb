// `hearth registration`: fills the config's placeholder tokens, then writes
// the homeserver's registration from the config.
import { loadConfig } from '../config/load.ts';
import { buildRegistration, fillPlaceholderTokens, renderRegistration, writeSecretFile } from '../config/registration.ts';

export function runRegistration(path: string, output: string): void {
  const filled = fillPlaceholderTokens(path);
  const registration = buildRegistration(loadConfig(path));
  writeSecretFile(output, renderRegistration(registration));
  process.stdout.write(`wrote ${output}${filled.length ? ` (generated ${filled.join(' and ')} in ${path})` : ''}\n`);
}
