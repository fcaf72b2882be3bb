// The homeserver.yaml of a testbed server, built as an object so that every
// choice is visible in one place and explained.
import { stringify } from 'yaml';
import { FEDERATION_PORT, type ServerPlan } from './plan.ts';

export type SynapseFiles = {
  /** All paths are as Synapse sees them, inside the chroot. */
  dir: string;
  appserviceRegistrations: readonly string[];
};

export type SynapseSecrets = {
  registrationSharedSecret: string;
  macaroonSecretKey: string;
  formSecret: string;
};

// Tests create users, rooms, joins and messages in quick bursts that real
// people never do. Synapse's defaults would answer them with 429 and make the
// suite slow and flaky, so every limiter is opened wide.
const UNLIMITED = { per_second: 100_000, burst_count: 100_000 };

export const RELAXED_RATE_LIMITS = {
  rc_message: UNLIMITED,
  rc_registration: UNLIMITED,
  rc_registration_token_validity: UNLIMITED,
  rc_login: { address: UNLIMITED, account: UNLIMITED, failed_attempts: UNLIMITED },
  rc_admin_redaction: UNLIMITED,
  rc_joins: { local: UNLIMITED, remote: UNLIMITED },
  rc_joins_per_room: UNLIMITED,
  rc_key_requests: UNLIMITED,
  rc_3pid_validation: UNLIMITED,
  rc_invites: { per_room: UNLIMITED, per_user: UNLIMITED, per_issuer: UNLIMITED },
  rc_third_party_invite: UNLIMITED,
  rc_media_create: UNLIMITED,
  rc_presence: { per_user: UNLIMITED },
  rc_delayed_event_mgmt: UNLIMITED,
  rc_room_creation: UNLIMITED,
  rc_reports: UNLIMITED,
  rc_user_directory: UNLIMITED,
  // Incoming federation: no request is delayed or rejected however many arrive.
  rc_federation: { window_size: 1000, sleep_limit: 100_000, sleep_delay: 1, reject_limit: 100_000, concurrent: 1000 },
  federation_rr_transactions_per_room_per_second: 100_000,
} as const;

export function synapseConfig(server: ServerPlan, files: SynapseFiles, secrets: SynapseSecrets): Record<string, unknown> {
  return {
    server_name: server.name,
    public_baseurl: `http://127.0.0.1:${server.clientPort}/`,
    pid_file: `${files.dir}/homeserver.pid`,
    listeners: listeners(server),
    tls_certificate_path: `${files.dir}/tls.crt`,
    tls_private_key_path: `${files.dir}/tls.key`,
    signing_key_path: `${files.dir}/signing.key`,
    database: { name: 'sqlite3', args: { database: `${files.dir}/homeserver.db` } },
    media_store_path: `${files.dir}/media`,
    report_stats: false,
    enable_metrics: false,
    registration_shared_secret: secrets.registrationSharedSecret,
    macaroon_secret_key: secrets.macaroonSecretKey,
    form_secret: secrets.formSecret,
    // Sign-up only with a registration token, as on a Hearth community: Hearth's
    // invitations are single-use tokens, and anything else is refused.
    enable_registration: true,
    registration_requires_token: true,
    // Passwords are hashed on every registration and login; the default cost
    // makes each one take a noticeable fraction of a second.
    bcrypt_rounds: 4,
    allow_guest_access: true,
    allow_public_rooms_over_federation: true,
    allow_public_rooms_without_auth: true,
    // As docs/operations.md says: only Hearth's bot publishes to the room directory, and nobody makes aliases.
    room_list_publication_rules: [{ user_id: '@hearth:*', action: 'allow' }, { action: 'deny' }],
    alias_creation_rules: [{ action: 'deny' }],
    default_room_version: '12',
    presence: { enabled: false },
    // No cached /sync answers: tests poll a fresh sync and must see invitations sent a moment ago.
    caches: { global_factor: 0.5, sync_response_cache_duration: 0 },
    ...federationSettings(),
    use_appservice_legacy_authorization: false,
    app_service_config_files: [...files.appserviceRegistrations],
    // What Hearth's encrypting bots need: to-device messages, device lists and
    // key counts in appservice transactions (MSC2409, MSC3202).
    experimental_features: { msc2409_to_device_messages_enabled: true, msc3202_transaction_extensions: true },
    ...RELAXED_RATE_LIMITS,
  };
}

function listeners(server: ServerPlan): Record<string, unknown>[] {
  return [
    {
      port: server.clientPort,
      bind_addresses: ['127.0.0.1'],
      type: 'http',
      tls: false,
      x_forwarded: false,
      resources: [{ names: ['client'], compress: false }],
    },
    {
      port: FEDERATION_PORT,
      bind_addresses: [server.loopbackAddress],
      type: 'http',
      tls: true,
      resources: [{ names: ['federation'], compress: false }],
    },
  ];
}

function federationSettings(): Record<string, unknown> {
  return {
    // Certificates are self-signed; there is no CA to check them against.
    federation_verify_certificates: false,
    // Loopback is on Synapse's default deny list; every peer lives there.
    ip_range_whitelist: ['127.0.0.0/8'],
    // Servers fetch each other's keys directly; there is no matrix.org here.
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    // After a failed request Synapse waits 10 minutes, doubling, before
    // trying a destination again. On one machine every failure is brief
    // (a server still starting), so retry within seconds instead.
    federation: {
      destination_min_retry_interval: '2s',
      destination_retry_multiplier: 2,
      destination_max_retry_interval: '15s',
    },
  };
}

export function synapseConfigYaml(server: ServerPlan, files: SynapseFiles, secrets: SynapseSecrets): string {
  return `# Written by the Hearth testbed; rewritten on every fresh \`up\`.\n${stringify(synapseConfig(server, files, secrets))}`;
}
