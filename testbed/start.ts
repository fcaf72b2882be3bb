// A fresh testbed from nothing: files for every server, then all Synapses,
// then the admin users, then Hearth. Every Synapse is up before any Hearth
// starts, so no server ever tries to federate with one that is not listening
// yet (Synapse would then back off from it).
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { grantAdminApi, hearthFiles, prepareHearth, startHearthProcess, waitForHearthHealth, ADMIN_LOCALPART } from './hearth.ts';
import { writeTestbedHosts } from './hosts.ts';
import { serverStateDir, stateDir, synapseDirOnHost } from './paths.ts';
import { appserviceUrl, clientUrl, federationAddress, type ServerPlan, type TestbedPlan } from './plan.ts';
import { registerWithSharedSecret } from './register.ts';
import { writeState } from './state.ts';
import { resetSynapseDir, startSynapse, waitForSynapse, writeSynapseFiles } from './synapse.ts';
import type { HearthInfo, ServerInfo, TestbedInfo } from './types.ts';

export const ADMIN_PASSWORD = 'admin-password';

type PreparedServer = { plan: ServerPlan; info: ServerInfo };

/**
 * Starts everything. The state file is written as soon as processes exist, so
 * that a failure half-way leaves something `down` can clean up.
 */
export async function startFreshTestbed(root: string, plan: TestbedPlan): Promise<TestbedInfo> {
  writeTestbedHosts(root, plan.servers.map((server) => ({ name: server.name, address: server.loopbackAddress })));
  const prepared: PreparedServer[] = [];
  for (const server of plan.servers) prepared.push(await prepareServer(root, server, plan));
  const info: TestbedInfo = {
    servers: prepared.map((entry) => entry.info),
    state_dir: stateDir(),
    synapse_root: root,
    hearth_db: plan.hearthDb,
    started_at: new Date().toISOString(),
  };
  for (const entry of prepared) {
    entry.info.synapse_pid = startSynapse(root, entry.plan.name, entry.info.synapse_log);
  }
  writeState(info);
  await Promise.all(prepared.map((entry) => waitForSynapse(entry.plan, entry.info.synapse_pid, entry.info.synapse_log)));
  await Promise.all(prepared.map((entry) => registerAdmin(entry.info)));
  writeState(info);
  await startAllHearths(info);
  return info;
}

async function prepareServer(root: string, server: ServerPlan, plan: TestbedPlan): Promise<PreparedServer> {
  const stateHere = serverStateDir(server.name);
  rmSync(stateHere, { recursive: true, force: true });
  mkdirSync(stateHere, { recursive: true });
  resetSynapseDir(server.name);
  // A shortcut for people browsing the state folder: Synapse's files live in the chroot.
  symlinkSync(synapseDirOnHost(server.name), join(stateHere, 'synapse'));
  const hearth = server.runsHearth ? await prepareHearth(server, plan.hearthDb) : null;
  const registrations = hearth === null ? [] : [hearth.registrationInChroot];
  const secret = await writeSynapseFiles(root, server, registrations);
  return { plan: server, info: initialServerInfo(server, secret, hearth === null ? null : hearthInfoBeforeStart(server)) };
}

function initialServerInfo(server: ServerPlan, secret: string, hearth: HearthInfo | null): ServerInfo {
  return {
    name: server.name,
    short: server.short,
    client_url: clientUrl(server),
    registration_shared_secret: secret,
    federation_address: federationAddress(server),
    admin_user_id: `@${ADMIN_LOCALPART}:${server.name}`,
    admin_password: ADMIN_PASSWORD,
    admin_access_token: '',
    synapse_pid: 0,
    synapse_log: join(serverStateDir(server.name), 'synapse.log'),
    synapse_dir: synapseDirOnHost(server.name),
    hearth,
  };
}

function hearthInfoBeforeStart(server: ServerPlan): HearthInfo {
  const files = hearthFiles(server.name);
  return {
    bot_user_id: '',
    admin_room_id: '',
    appservice_url: appserviceUrl(server),
    config_path: files.configPath,
    registration_path: files.registrationOnHost,
    log_path: files.logPath,
    pid: null,
  };
}

async function registerAdmin(server: ServerInfo): Promise<void> {
  const admin = await registerWithSharedSecret(server, ADMIN_LOCALPART, ADMIN_PASSWORD, true);
  server.admin_user_id = admin.user_id;
  server.admin_access_token = admin.access_token;
}

async function startAllHearths(info: TestbedInfo): Promise<void> {
  const withHearth = info.servers.filter((server) => server.hearth !== null);
  for (const server of withHearth) {
    // Hearth learns of new members through Synapse's admin API, with the admin registered above.
    grantAdminApi(hearthFiles(server.name).configPath, server.admin_access_token);
    server.hearth!.pid = startHearthProcess(hearthFiles(server.name));
  }
  writeState(info);
  await Promise.all(withHearth.map((server) => awaitHearth(server.name, server.hearth!)));
  writeState(info);
}

/** Waits for a started Hearth and copies what its health check reports. */
export async function awaitHearth(serverName: string, hearth: HearthInfo): Promise<void> {
  if (hearth.pid === null) throw new Error(`Hearth on ${serverName} has no process to wait for`);
  const health = await waitForHearthHealth(serverName, hearth.appservice_url, hearth.pid);
  hearth.bot_user_id = health.bot_user_id;
  hearth.admin_room_id = health.admin_room_id;
}
