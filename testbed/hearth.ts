// Hearth on a testbed server: its config, its appservice registration, its
// process and its health. Hearth runs on the host (not in the chroot) with the
// same Node that runs the testbed; only its registration file has to be inside
// the chroot, because Synapse reads it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseDocument, stringify } from 'yaml';
import { isRecord, pollUntil } from './http.ts';
import { logTail } from './logs.ts';
import { REPO_ROOT, serverStateDir, synapseDirInChroot, synapseDirOnHost } from './paths.ts';
import { appserviceUrl, clientUrl, type ServerPlan } from './plan.ts';
import { hearthDatabaseName, recreateDatabase } from './postgres.ts';
import { isRunning, spawnDetached } from './processes.ts';
import type { HearthDb } from './types.ts';

const run = promisify(execFile);
const HEALTH_TIMEOUT_MS = 60_000;
export const ADMIN_LOCALPART = 'admin';

/**
 * The Hearth command line the testbed runs. HEARTH_TESTBED_CLI lets the
 * testbed drive another checkout or build of Hearth.
 */
export function hearthCli(): string {
  return process.env.HEARTH_TESTBED_CLI ?? join(REPO_ROOT, 'src', 'cli.ts');
}

export type HearthFiles = {
  dir: string;
  configPath: string;
  logPath: string;
  sqlitePath: string;
  /** Where the registration is written, on the host side of the chroot. */
  registrationOnHost: string;
  /** The same file as Synapse sees it. */
  registrationInChroot: string;
};

export function hearthFiles(serverName: string): HearthFiles {
  const dir = join(serverStateDir(serverName), 'hearth');
  return {
    dir,
    configPath: join(dir, 'config.yaml'),
    logPath: join(dir, 'hearth.log'),
    sqlitePath: join(dir, 'hearth.sqlite'),
    registrationOnHost: join(synapseDirOnHost(serverName), 'hearth-registration.yaml'),
    registrationInChroot: `${synapseDirInChroot(serverName)}/hearth-registration.yaml`,
  };
}

/** Writes Hearth's config (creating its database) and its registration. */
export async function prepareHearth(server: ServerPlan, db: HearthDb): Promise<HearthFiles> {
  requireHearthCli();
  const files = hearthFiles(server.name);
  mkdirSync(files.dir, { recursive: true });
  const database = db.engine === 'sqlite'
    ? { engine: 'sqlite', sqlite_path: files.sqlitePath }
    : { engine: 'postgres', postgres_url: await recreateDatabase(db.url_prefix, hearthDatabaseName(server.short)) };
  writeFileSync(files.configPath, hearthConfigYaml(server, database), { mode: 0o600 });
  await writeRegistration(files);
  return files;
}

/** Adds the homeserver admin token to Hearth's config, once the admin user exists. */
export function grantAdminApi(configPath: string, adminToken: string): void {
  const document = parseDocument(readFileSync(configPath, 'utf8'));
  document.setIn(['homeserver', 'admin_token'], adminToken);
  // Tests register members and expect their invitations within seconds.
  document.setIn(['homeserver', 'member_poll_seconds'], 1);
  writeFileSync(configPath, document.toString(), { mode: 0o600 });
}

function requireHearthCli(): void {
  if (!existsSync(hearthCli())) {
    throw new Error(`--hearth needs Hearth's command line at ${hearthCli()}, which does not exist`);
  }
}

function hearthConfigYaml(server: ServerPlan, database: Record<string, string>): string {
  const config = {
    homeserver: { server_name: server.name, url: clientUrl(server) },
    appservice: {
      id: 'hearth',
      bind_address: '127.0.0.1',
      port: server.appservicePort,
      url: appserviceUrl(server),
      as_token: randomBytes(32).toString('hex'),
      hs_token: randomBytes(32).toString('hex'),
    },
    community: { name: capitalize(server.short), admins: [`@${ADMIN_LOCALPART}:${server.name}`], max_members: 100_000 },
    database,
    // Most tests read the bots' DMs with a plain client, so the bots open them
    // unencrypted here; the encryption tests turn this back on for camp.test.
    encryption: { encrypt_direct_messages: false },
    // The sign-up pages, on a port of their own beside the appservice's. Tests
    // send many forms from 127.0.0.1, and register far more accounts than a
    // community's cap; the onboarding tests set their own cap.
    web: {
      enabled: true,
      port: webPort(server),
      public_base_url: `http://127.0.0.1:${webPort(server)}`,
      homeserver_address: clientUrl(server),
      submissions_per_hour: 100_000,
      pages_per_minute: 100_000,
    },
    logging: { level: 'info', format: 'json' },
  };
  return `# Written by the Hearth testbed for ${server.name}.\n${stringify(config)}`;
}

/** The web listener's port: 1000 above the appservice's (20008 for camp.test). */
export function webPort(server: ServerPlan): number {
  return server.appservicePort + 1000;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

async function writeRegistration(files: HearthFiles): Promise<void> {
  try {
    await run(process.execPath, [hearthCli(), 'registration', '-c', files.configPath, '-o', files.registrationOnHost], {
      cwd: REPO_ROOT,
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`\`hearth registration -c ${files.configPath}\` failed: ${detail}`, { cause: error });
  }
  if (!existsSync(files.registrationOnHost)) {
    throw new Error(`\`hearth registration\` exited without writing ${files.registrationOnHost}`);
  }
}

/** Recognises this server's Hearth in a process list. */
export function hearthProcessMarker(configPath: string): string {
  return configPath;
}

export function startHearthProcess(files: HearthFiles): number {
  return spawnDetached({
    command: process.execPath,
    args: [hearthCli(), 'start', '-c', files.configPath],
    cwd: REPO_ROOT,
    logPath: files.logPath,
    // Turns on the fault suite's crash points (see src/matrix/appservice/fault-hook.ts): nothing is armed until a file is written there.
    env: { ...process.env, HEARTH_FAULT_HOOKS: faultHooksDir(files) },
  });
}

/** The folder where the fault suite arms a crash point of this Hearth. */
export function faultHooksDir(files: HearthFiles): string {
  return join(files.dir, 'fault-hooks');
}

export type HearthHealth = { bot_user_id: string; admin_room_id: string };

/** Polls /_hearth/health until it reports ok; fails with the log tail otherwise. */
export async function waitForHearthHealth(serverName: string, baseUrl: string, pid: number): Promise<HearthHealth> {
  const files = hearthFiles(serverName);
  const healthUrl = `${baseUrl}/_hearth/health`;
  const outcome = await pollUntil(async () => {
    const health = await readHealth(healthUrl);
    if (health !== null) return health;
    if (!isRunning(pid, hearthProcessMarker(files.configPath))) return 'exited' as const;
    return undefined;
  }, HEALTH_TIMEOUT_MS, 200);
  if (outcome !== undefined && outcome !== 'exited') return outcome;
  const reason = outcome === 'exited' ? 'exited during startup' : `was not healthy at ${healthUrl} within ${HEALTH_TIMEOUT_MS / 1000} s`;
  throw new Error(`Hearth on ${serverName} ${reason}\n${logTail(files.logPath)}`);
}

export async function readHealth(healthUrl: string): Promise<HearthHealth | null> {
  try {
    const response = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) {
      await response.body?.cancel();
      return null;
    }
    const body: unknown = await response.json();
    if (!isRecord(body) || body.status !== 'ok') return null;
    const { bot_user_id: botUserId, admin_room_id: adminRoomId } = body;
    if (typeof botUserId !== 'string' || typeof adminRoomId !== 'string') return null;
    return { bot_user_id: botUserId, admin_room_id: adminRoomId };
  } catch {
    return null;
  }
}
