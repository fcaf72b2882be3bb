// The one description of Hearth's configuration: this schema is the TypeScript
// type, the defaults and the documentation at once. The sample config and the
// key reference in docs/configuration.md are rendered from it (and tests check
// both), so a key cannot be documented in one place and forgotten in another.
import { Type, type Static } from '@sinclair/typebox';

const Strict = { additionalProperties: false } as const;

export const HomeserverSchema = Type.Object(
  {
    server_name: Type.String({
      description: 'The Matrix server name of the homeserver Hearth serves (the part after the colon in @alice:camp.test).',
      examples: ['camp.example.org'],
      minLength: 1,
    }),
    url: Type.String({
      description: "Base URL of the homeserver's client-server API, as Hearth reaches it.",
      examples: ['http://127.0.0.1:8008'],
      format: 'uri',
    }),
    admin_token: Type.String({
      description: "Access token of a Synapse admin user. Optional. With it Hearth learns of every local account through Synapse's admin API and invites new members at once, a defederation impact report covers every room on the server, DMs included (it reads room lists and memberships, never messages), and the dashboard shows when each member last used a client. Without it, Hearth learns of a member at first contact (a DM to the bot, a join to a room Hearth manages), reports cover the rooms it manages, and the dashboard cannot say when members were last seen.",
      default: '',
    }),
    request_timeout_seconds: Type.Integer({
      description: 'Longest wait for any one answer from the homeserver, after which the request counts as failed (and is retried where the work allows).',
      default: 30,
      minimum: 1,
    }),
    member_poll_seconds: Type.Integer({
      description: "Seconds from the end of one pass over the members to the next: each lists new accounts (with admin_token) and retries unsent invitations.",
      default: 60,
      minimum: 1,
    }),
  },
  Strict,
);

export const AppserviceSchema = Type.Object(
  {
    id: Type.String({
      description: 'The application service ID; the registration file carries the same value.',
      default: 'hearth',
      pattern: '^[a-zA-Z0-9._-]+$',
    }),
    bind_address: Type.String({
      description: 'Address the transaction listener binds to. Keep it on loopback or a private network: only the homeserver needs it.',
      default: '127.0.0.1',
    }),
    port: Type.Integer({
      description: 'Port the transaction listener binds to (0 picks a free port, which only tests want).',
      default: 9993,
      minimum: 0,
      maximum: 65535,
    }),
    url: Type.String({
      description: 'URL at which the homeserver reaches this listener; written into the registration.',
      examples: ['http://127.0.0.1:9993'],
      format: 'uri',
    }),
    as_token: Type.String({
      description: 'Token Hearth uses to call the homeserver. `hearth registration` replaces the placeholder with a random one.',
      default: 'CHANGE_ME_as_token',
      minLength: 1,
    }),
    hs_token: Type.String({
      description: 'Token the homeserver must present when calling Hearth. `hearth registration` replaces the placeholder with a random one.',
      default: 'CHANGE_ME_hs_token',
      minLength: 1,
    }),
    bot_localpart: Type.String({
      description: "Localpart of Hearth's main bot user (the `sender_localpart` of the registration).",
      default: 'hearth',
      pattern: '^[a-z0-9._=/-]+$',
    }),
    namespace_prefix: Type.String({
      description: "Prefix of the user localparts and room aliases Hearth owns exclusively (its other bots live here).",
      default: 'hearth_',
      pattern: '^[a-z0-9._=/-]+$',
    }),
    bot_display_name: Type.String({
      description: "Display name of Hearth's main bot.",
      default: 'Hearth',
    }),
    accept_legacy_query_token: Type.Boolean({
      description: 'Also accept the hs_token in the deprecated `access_token` query parameter. Only for homeservers too old to send the Authorization header.',
      default: false,
    }),
    max_body_bytes: Type.Integer({
      description: 'Largest transaction body accepted, in bytes; larger ones are answered 413.',
      default: 10 * 1024 * 1024,
      minimum: 1024,
    }),
    transaction_hold_seconds: Type.Integer({
      description: 'How long a transaction that cannot be recorded (the database is out) is kept waiting, tried again once a second, before it is answered 5xx. Synapse waits 60 s for an answer, and sends a transaction answered 5xx again later without its to-device messages and device-list changes: an outage shorter than this loses nothing. 0 answers at once.',
      default: 45,
      minimum: 0,
      maximum: 55,
    }),
  },
  Strict,
);

export const CommunitySchema = Type.Object(
  {
    name: Type.String({ description: 'Name of the community, shown in room names and messages.', default: 'Our Hearth', minLength: 1 }),
    admins: Type.Array(Type.String({ pattern: '^@[^:]+:.+$' }), {
      description: 'Matrix IDs of the first admins. They are invited to the admin room and may run admin commands. `!admin add` and `!admin remove` change the list from chat, and what they record outlasts this file.',
      default: [],
    }),
    description: Type.String({
      description: 'A few sentences about the community, shown on the public front page and on the sign-up page, above the code of conduct.',
      default: '',
    }),
    code_of_conduct: Type.String({
      description: "A Markdown file with the community's code of conduct (a relative path is relative to the config file's folder). It is shown at sign-up, in the welcome and on `!coc`, and every member must answer `!agree` before Hearth invites them into the community. Hearth reads it at start-up: after changing it, restart Hearth, and every member is sent the new text. Empty: no code of conduct, and members are let in without agreeing to anything.",
      default: '',
      examples: ['/etc/hearth/code-of-conduct.md'],
    }),
    welcome: Type.String({
      description: "A Markdown file with the welcome the bot sends each new member by DM, before the code of conduct and a short guide to the tiers (a relative path is relative to the config file's folder). Empty: a short welcome naming the community.",
      default: '',
    }),
    coc_grace_days: Type.Integer({
      description: 'Days members have to agree to a changed code of conduct before `!member list` shows them to the admins as not having agreed. Nobody is removed automatically.',
      default: 14,
      minimum: 0,
    }),
    max_members: Type.Integer({
      description: 'The most members the community may have, counting open invitations: when members plus open invitations reach it, `!invite create` and signing up are refused. Above 100, `check-config` warns.',
      default: 50,
      minimum: 1,
    }),
    members_may_invite: Type.Boolean({
      description: 'Whether every member may create invitations (`!invite create`), not only the admins.',
      default: false,
    }),
    invitation_days: Type.Integer({
      description: 'How many days an invitation stays valid when `!invite create` is given no --expires.',
      default: 7,
      minimum: 1,
    }),
    removal_room_delay_ms: Type.Integer({
      description: 'A pause before each room of a `!member remove`. Only for tests that stop Hearth halfway; keep 0.',
      default: 0,
      minimum: 0,
    }),
  },
  Strict,
);

export const WebSchema = Type.Object(
  {
    enabled: Type.Boolean({
      description: "Run Hearth's web listener, which serves the community's public front page with its public posts and their Atom feed (see docs/web.md), and the sign-up pages of invitation links. Off, `!invite create` still makes invitations, answered with the bare registration token (for clients that ask for one).",
      default: false,
    }),
    bind_address: Type.String({
      description: 'Address the web listener binds to. Keep it on loopback behind a reverse proxy that adds TLS (see docs/onboarding.md).',
      default: '127.0.0.1',
    }),
    port: Type.Integer({
      description: 'Port the web listener binds to (0 picks a free port, which only tests want).',
      default: 9994,
      minimum: 0,
      maximum: 65535,
    }),
    public_base_url: Type.String({
      description: 'The address people open in a browser to reach the web listener, through the reverse proxy: invitation links start with it. Required when enabled.',
      default: '',
      examples: ['https://join.camp.example.org'],
    }),
    homeserver_address: Type.String({
      description: "The homeserver address members type into Element or another Matrix client, shown after sign-up. Empty: the server name, which works when the homeserver's domain publishes /.well-known/matrix/client.",
      default: '',
      examples: ['https://matrix.camp.example.org'],
    }),
    trust_proxy: Type.Boolean({
      description: "Whether a reverse proxy on this machine (loopback) forwards the requests: then the client's address is read from X-Forwarded-For, so the rate limits count each visitor rather than the proxy.",
      default: false,
    }),
    submissions_per_hour: Type.Integer({
      description: 'How many forms (sign-up attempts) one address may send in an hour; more are refused with a page that says when to try again.',
      default: 20,
      minimum: 1,
    }),
    pages_per_minute: Type.Integer({
      description: 'How many pages one address may load in a minute.',
      default: 120,
      minimum: 1,
    }),
  },
  Strict,
);

export const TiersSchema = Type.Object(
  {
    local_timeline_name: Type.String({ description: 'Name of the local timeline room.', default: 'Local timeline' }),
    neighborhood_square_name: Type.String({ description: 'Name of the neighborhood square.', default: 'Neighborhood square' }),
    public_square_name: Type.String({ description: 'Name of the public square.', default: 'Public square' }),
    encrypt_local_rooms: Type.Boolean({
      description: "Whether new local rooms (the local timeline and admin room when first created, and `!room create` without a flag) are end-to-end encrypted. Off by default: encrypted history is unreadable to members who join later, and a community's local timeline is where newcomers read what they missed. `!room create ... --encrypted` encrypts one room whatever this says.",
      default: false,
    }),
    encrypt_neighborhood_rooms: Type.Boolean({
      description: 'The same for new neighborhood rooms (the neighborhood square when first created). Public rooms are never encrypted: anyone may read them anyway.',
      default: false,
    }),
    rooms_per_member_per_day: Type.Integer({
      description: 'Rooms one member may create with `!room create` in any 24 hours; the refusal says when they can create the next. Admins have no limit. 0: only admins create rooms.',
      default: 5,
      minimum: 0,
    }),
  },
  Strict,
);

export const FederationSchema = Type.Object(
  {
    consent_days: Type.Integer({
      description: 'Days between a defederation proposal and the date members are told the decision is due.',
      default: 7,
      minimum: 0,
    }),
    acl_concurrency: Type.Integer({
      description: 'How many rooms an ACL change is sent to at once.',
      default: 32,
      minimum: 1,
    }),
    acl_progress_seconds: Type.Integer({
      description: 'How often the admin room hears how far an ACL change has got.',
      default: 5,
      minimum: 1,
    }),
    acl_room_delay_ms: Type.Integer({
      description: 'A pause before each room of an ACL change. Only for tests that stop Hearth halfway; keep 0.',
      default: 0,
      minimum: 0,
    }),
  },
  Strict,
);

export const BugleSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Run the Bugle, the bot any member can use to DM every other member.', default: true }),
    display_name: Type.String({ description: "The Bugle bot's display name.", default: 'Bugle 📯' }),
    per_member_per_day: Type.Integer({ description: 'Broadcasts one member may send in any 24 hours.', default: 3, minimum: 0 }),
    hourly_cap: Type.Integer({ description: 'Broadcasts the whole community may send in any hour.', default: 10, minimum: 0 }),
    max_length: Type.Integer({ description: 'Longest broadcast, in characters.', default: 2000, minimum: 1 }),
    concurrency: Type.Integer({ description: 'How many DMs of a broadcast are sent at once.', default: 32, minimum: 1 }),
    delivery_delay_ms: Type.Integer({
      description: 'A pause before each DM of a broadcast. Only for tests that stop Hearth halfway; keep 0.',
      default: 0,
      minimum: 0,
    }),
  },
  Strict,
);

export const EncryptionSchema = Type.Object(
  {
    enabled: Type.Boolean({
      description: "Let Hearth's bots take part in end-to-end encrypted rooms: each bot keeps one crypto device, reads commands sent to it encrypted and answers encrypted. Off, the bots cannot read encrypted rooms.",
      default: true,
    }),
    encrypt_direct_messages: Type.Boolean({
      description: "Whether the DM rooms the bots open (Bugle deliveries, defederation notices) are encrypted. Only with `enabled`.",
      default: true,
    }),
    store_key: Type.String({
      description: "64 hex characters (32 bytes): the key that encrypts the bots' crypto keys at rest in the database. Back it up with the database: without it the bots' devices cannot be restored. `hearth registration` replaces the placeholder with a random one.",
      default: 'CHANGE_ME_store_key',
    }),
    key_wait_seconds: Type.Integer({
      description: 'How long a bot waits for the keys of an encrypted message it cannot decrypt yet (keys travel separately and may arrive a moment later), before it answers that it could not read the message. The Bugle also reads its inbox on the homeserver at each try, for keys the homeserver did not push (docs/encryption.md).',
      default: 15,
      minimum: 0,
    }),
  },
  Strict,
);

const ListMode = Type.Union([Type.Literal('auto'), Type.Literal('propose'), Type.Literal('off')]);

export const NeighborhoodSchema = Type.Object(
  {
    blocklist_mode: Type.Union([Type.Literal('auto'), Type.Literal('propose'), Type.Literal('off')], {
      description: "What to do with a neighbor's defederation decisions: `auto` applies them here too, `propose` (default) opens a proposal in the admin room and runs the informed-consent flow, `off` ignores them.",
      default: 'propose',
    }),
    subscriptions: Type.Array(
      Type.Object({ room: Type.String({ minLength: 1 }), mode: ListMode }, { additionalProperties: false }),
      {
        description: 'Other policy list rooms to follow (room ID or alias), in the format Draupnir and Mjolnir publish, each with its mode (auto, propose or off).',
        default: [],
      },
    ),
  },
  Strict,
);

export const DatabaseSchema = Type.Object(
  {
    engine: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')], {
      description: '`sqlite` (embedded, a file in Hearth\'s data folder) or `postgres`.',
      default: 'sqlite',
    }),
    sqlite_path: Type.String({
      description: 'SQLite database file, in Hearth\'s data folder (/var/lib/hearth, beside the registration); a relative path is relative to the config file\'s folder. Used when engine is sqlite.',
      default: '/var/lib/hearth/hearth.sqlite',
    }),
    postgres_url: Type.String({
      description: 'PostgreSQL connection URL. Used when engine is postgres.',
      default: '',
      examples: ['postgres://hearth:secret@127.0.0.1:5432/hearth'],
    }),
  },
  Strict,
);

/** Also the inbox worker's own default, for code that builds a worker without a config. */
export const HANDLER_TIMEOUT_DEFAULT_SECONDS = 60;

export const InboxSchema = Type.Object(
  {
    max_attempts: Type.Integer({
      description: 'How many times a received event is processed before it is set aside as failed (and logged). With the defaults, about three hours of retries: long enough to ride out a homeserver restart or upgrade.',
      default: 45,
      minimum: 1,
    }),
    retry_base_ms: Type.Integer({
      description: 'First retry delay after a failed event; each further retry doubles it.',
      default: 500,
      minimum: 1,
    }),
    retry_max_ms: Type.Integer({
      description: 'Longest delay between two attempts at the same event.',
      default: 300_000,
      minimum: 1,
    }),
    batch_size: Type.Integer({
      description: 'How many pending events the worker takes from the database at a time.',
      default: 100,
      minimum: 1,
    }),
    handler_timeout_seconds: Type.Integer({
      description: 'Longest time one event may take to be handled. After it the event is set to be tried again later (counting as an attempt) and the worker goes on with the next ones, so one event can never hold up the rest.',
      default: HANDLER_TIMEOUT_DEFAULT_SECONDS,
      minimum: 1,
    }),
    keep_days: Type.Integer({
      description: 'How long the inbox keeps an event it has finished with (handled, set aside as failed, or rejected) and the ID of the transaction that brought it, so that one the homeserver sends again is known. Older ones are deleted about once an hour; re-queue a failed event before then.',
      default: 7,
      minimum: 1,
      // Ten years: past it, the cut-off would leave the range of a database integer.
      maximum: 3_650,
    }),
  },
  Strict,
);

export const ServiceSchema = Type.Object(
  {
    shutdown_seconds: Type.Integer({
      description: 'How long a stop (SIGTERM or SIGINT) may take. Hearth first refuses new transactions (the homeserver keeps and retries them) and lets running work reach a safe point; when this time is up, or on a second signal, it cuts what is still waiting and exits.',
      default: 10,
      minimum: 1,
    }),
  },
  Strict,
);

export const LoggingSchema = Type.Object(
  {
    level: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], {
      description: 'Least severe level written.',
      default: 'info',
    }),
    format: Type.Union([Type.Literal('json'), Type.Literal('text')], {
      description: '`json` (one object a line, for log collectors) or `text` (for people).',
      default: 'text',
    }),
  },
  Strict,
);

export const ConfigSchema = Type.Object(
  {
    homeserver: HomeserverSchema,
    appservice: AppserviceSchema,
    community: Type.Object(CommunitySchema.properties, { ...Strict, default: {} }),
    web: Type.Object(WebSchema.properties, { ...Strict, default: {} }),
    tiers: Type.Object(TiersSchema.properties, { ...Strict, default: {} }),
    federation: Type.Object(FederationSchema.properties, { ...Strict, default: {} }),
    bugle: Type.Object(BugleSchema.properties, { ...Strict, default: {} }),
    neighborhood: Type.Object(NeighborhoodSchema.properties, { ...Strict, default: {} }),
    encryption: Type.Object(EncryptionSchema.properties, { ...Strict, default: {} }),
    database: Type.Object(DatabaseSchema.properties, { ...Strict, default: {} }),
    inbox: Type.Object(InboxSchema.properties, { ...Strict, default: {} }),
    service: Type.Object(ServiceSchema.properties, { ...Strict, default: {} }),
    logging: Type.Object(LoggingSchema.properties, { ...Strict, default: {} }),
  },
  Strict,
);

export type Config = Static<typeof ConfigSchema>;
