// `hearth synapse-snippet`: the Synapse settings Hearth needs, as YAML to put
// in homeserver.yaml or a file of its conf.d/ folder. Each setting says why;
// together they are what docs/operations.md explains one by one.
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';

/** Where `hearth registration -o` writes in the documented layout. */
export const DEFAULT_REGISTRATION_PATH = '/var/lib/hearth/registration.yaml';

interface Setting {
  why: string;
  key: string;
  value: unknown;
}

export function synapseSettings(config: Config, registrationPath: string): Setting[] {
  const settings: Setting[] = [
    { why: 'Hearth\'s registration: its tokens and its bots\' namespace. Synapse must be able to read the file.', key: 'app_service_config_files', value: [resolve(registrationPath)] },
    { why: 'The hs_token goes in the Authorization header only (Hearth refuses it in the query string).', key: 'use_appservice_legacy_authorization', value: false },
  ];
  if (config.encryption.enabled) {
    settings.push({
      why: 'The bots read and answer encrypted messages: Synapse sends them to-device messages (MSC2409), device lists and key counts (MSC3202).',
      key: 'experimental_features',
      value: { msc2409_to_device_messages_enabled: true, msc3202_transaction_extensions: true },
    });
  }
  settings.push(
    {
      why: 'Only Hearth\'s bot lists rooms in the directory (the public square and public topic rooms); without a rule that allows it, Synapse lists nothing and says nothing.',
      key: 'room_list_publication_rules',
      value: [{ user_id: `@${config.appservice.bot_localpart}:${config.homeserver.server_name}`, action: 'allow' }, { action: 'deny' }],
    },
    { why: 'Nobody makes aliases: an alias tells anyone, through any server, the ID of a local or neighborhood room.', key: 'alias_creation_rules', value: [{ action: 'deny' }] },
    { why: 'People without an account can read the public rooms, as the public tier promises.', key: 'allow_guest_access', value: true },
    { why: 'Sign-up with a registration token and nothing else: Hearth\'s invitations are single-use tokens (docs/onboarding.md).', key: 'enable_registration', value: true },
    { why: 'Without a valid token, Synapse refuses every sign-up: nobody makes an account without an invitation.', key: 'registration_requires_token', value: true },
  );
  return settings;
}

export function renderSynapseSnippet(config: Config, configPath: string, registrationPath: string): string {
  const head = [
    `# Synapse settings for Hearth on ${config.homeserver.server_name}, from ${resolve(configPath)}.`,
    '# Put them in homeserver.yaml or in a file of its conf.d/ folder, then restart Synapse.',
    '# Synapse takes each top-level key from the last file that sets it: merge any',
    '# of these keys that your homeserver.yaml already sets.',
  ];
  const body = synapseSettings(config, registrationPath).map((s) => `\n# ${s.why}\n${stringify({ [s.key]: s.value })}`);
  return head.join('\n') + '\n' + body.join('');
}

export function runSynapseSnippet(configPath: string, registrationPath: string | undefined): void {
  process.stdout.write(renderSynapseSnippet(loadConfig(configPath), configPath, registrationPath ?? DEFAULT_REGISTRATION_PATH));
}
