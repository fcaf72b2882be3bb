// The testbed's library interface, for tests and for the command line:
// N real Synapse homeservers federating on this machine, some running Hearth.
import { realpathSync } from 'node:fs';
import { findProblems, matchesPlan } from './health.ts';
import { hearthFiles, hearthProcessMarker, startHearthProcess } from './hearth.ts';
import { synapseRoot } from './paths.ts';
import { planTestbed, shortName, FEDERATION_PORT, type TestbedPlan } from './plan.ts';
import { requireCommands, requireFreePorts, requireRoot, type Endpoint } from './prerequisites.ts';
import { withTestbedLock } from './lock.ts';
import { isRunning, killProcess, processesChrootedInto, stopProcess } from './processes.ts';
import { registerWithSharedSecret } from './register.ts';
import { awaitHearth, startFreshTestbed } from './start.ts';
import { readState, removeState, writeState } from './state.ts';
import { startSynapse as spawnSynapse, synapseProcessMarker } from './synapse.ts';
import { answers, pollUntil } from './http.ts';
import { logTail } from './logs.ts';
import { ensureSynapseRoot } from './synapse-root.ts';
import type { HearthInfo, RegisteredUser, ServerInfo, TestbedInfo, TestbedStatus, UpOptions } from './types.ts';

export type { HearthDb, HearthInfo, RegisteredUser, ServerInfo, TestbedInfo, TestbedStatus, UpOptions } from './types.ts';
export { DEFAULT_SERVERS, parseHearthDb } from './plan.ts';

const SYNAPSE_STOP_GRACE_MS = 15_000;
const HEARTH_STOP_GRACE_MS = 20_000;
const SYNAPSE_READY_MS = 120_000;

/**
 * Starts the testbed, or returns the running one unchanged when it has the
 * same servers and everything in it is healthy.
 */
export async function up(options: UpOptions = {}): Promise<TestbedInfo> {
  return (await upReportingReuse(options)).info;
}

/** Like up(), also telling whether a running testbed was reused (for the command line). */
export async function upReportingReuse(options: UpOptions = {}): Promise<{ info: TestbedInfo; reused: boolean }> {
  const plan = planTestbed(options);
  requireRoot();
  return withTestbedLock(() => upLocked(plan));
}

async function upLocked(plan: TestbedPlan): Promise<{ info: TestbedInfo; reused: boolean }> {
  requireCommands(plan.hearthDb.engine === 'postgres' ? ['chroot', 'psql'] : ['chroot']);
  const root = synapseRoot();
  ensureSynapseRoot(root);
  const existing = readState();
  if (existing !== null) {
    if (matchesPlan(existing, plan) && (await findProblems(existing)).length === 0) return { info: existing, reused: true };
    await downLocked();
  }
  await stopStraySynapses();
  await requireFreePorts(endpointsOf(plan));
  try {
    return { info: await startFreshTestbed(root, plan), reused: false };
  } catch (error) {
    // Leave nothing half-started behind; the logs stay for reading.
    await downLocked().catch((cleanupError: unknown) => {
      process.stderr.write(`testbed: cleaning up after a failed start also failed: ${String(cleanupError)}\n`);
    });
    throw error;
  }
}

/** Stops every process of the testbed. Data and logs stay until the next fresh `up`. */
export async function down(): Promise<void> {
  requireRoot();
  await withTestbedLock(downLocked);
}

async function downLocked(): Promise<void> {
  const info = readState();
  if (info !== null) await Promise.all(info.servers.map(stopServer));
  await stopStraySynapses();
  removeState();
}

/** The running testbed's description, or null when none is recorded. */
export function readInfo(): TestbedInfo | null {
  return readState();
}

export async function status(): Promise<TestbedStatus> {
  const info = readState();
  if (info === null) return { up: false, problems: ['no testbed is recorded; run `up`'], info: null };
  const problems = await findProblems(info);
  return { up: problems.length === 0, problems, info };
}

/** Stops one server's Hearth gracefully (SIGTERM); SIGKILL only if it overstays the grace period. */
export async function stopHearth(server: string): Promise<void> {
  await withTestbedLock(() => stopHearthLocked(server));
}

async function stopHearthLocked(server: string): Promise<void> {
  const { info, hearth } = recordedHearth(server);
  if (hearth.pid !== null) {
    const result = await stopProcess(hearth.pid, hearthProcessMarker(hearth.config_path), HEARTH_STOP_GRACE_MS);
    hearth.pid = null;
    writeState(info);
    if (result === 'killed') throw new Error(`Hearth on ${server} ignored SIGTERM for ${HEARTH_STOP_GRACE_MS / 1000} s and was killed`);
  }
}

/** Kills one server's Hearth with SIGKILL, as a crash would. */
export async function killHearth(server: string): Promise<void> {
  await withTestbedLock(() => killHearthLocked(server));
}

async function killHearthLocked(server: string): Promise<void> {
  const { info, hearth } = recordedHearth(server);
  if (hearth.pid !== null) await killProcess(hearth.pid, hearthProcessMarker(hearth.config_path));
  hearth.pid = null;
  writeState(info);
}

/** Starts a stopped Hearth again with the same config and database; resolves once it is healthy. */
export async function startHearth(server: string): Promise<HearthInfo> {
  return withTestbedLock(() => startHearthLocked(server));
}

async function startHearthLocked(server: string): Promise<HearthInfo> {
  const { info, serverInfo, hearth } = recordedHearth(server);
  if (hearth.pid !== null) throw new Error(`Hearth on ${serverInfo.name} is already running (pid ${hearth.pid}); stop it first`);
  hearth.pid = startHearthProcess(hearthFiles(serverInfo.name));
  writeState(info);
  await awaitHearth(serverInfo.name, hearth);
  writeState(info);
  return hearth;
}

/**
 * Restarts one server's Synapse (SIGTERM, then start again with the same data);
 * resolves once its client API answers. Synapse on SQLite forgets the
 * appservice transactions it has sent, so its txnIds count from 1 again.
 */
export async function restartSynapse(server: string): Promise<void> {
  await withTestbedLock(async () => {
    await stopSynapseLocked(server);
    await startSynapseLocked(server);
  });
}

/** Stops one server's Synapse (SIGTERM), as a homeserver that went down; startSynapse brings it back with the same data. */
export async function stopSynapse(server: string): Promise<void> {
  await withTestbedLock(() => stopSynapseLocked(server));
}

/** Starts a Synapse stopped by stopSynapse again; resolves once its client API answers. */
export async function startSynapse(server: string): Promise<void> {
  await withTestbedLock(() => startSynapseLocked(server));
}

async function stopSynapseLocked(server: string): Promise<void> {
  const { serverInfo } = recordedServer(server);
  if (await stopProcess(serverInfo.synapse_pid, synapseProcessMarker(serverInfo.name), SYNAPSE_STOP_GRACE_MS) === 'killed') {
    throw new Error(`Synapse on ${serverInfo.name} ignored SIGTERM for ${SYNAPSE_STOP_GRACE_MS / 1000} s and was killed`);
  }
}

async function startSynapseLocked(server: string): Promise<void> {
  const { info, serverInfo } = recordedServer(server);
  if (isRunning(serverInfo.synapse_pid, synapseProcessMarker(serverInfo.name))) throw new Error(`Synapse on ${serverInfo.name} is already running`);
  serverInfo.synapse_pid = spawnSynapse(info.synapse_root, serverInfo.name, serverInfo.synapse_log);
  writeState(info);
  const ready = await pollUntil(async () => ((await answers(`${serverInfo.client_url}/_matrix/client/versions`)) ? true : undefined), SYNAPSE_READY_MS);
  if (ready !== true) throw new Error(`Synapse on ${serverInfo.name} did not answer within ${SYNAPSE_READY_MS / 1000} s after a restart\n${logTail(serverInfo.synapse_log)}`);
}

/**
 * Freezes one server's Synapse with SIGSTOP, as a hung homeserver: it keeps its
 * sockets open and answers nothing. Resolves with the function that thaws it.
 */
export function freezeSynapse(server: string): () => void {
  const { serverInfo } = recordedServer(server);
  const pid = serverInfo.synapse_pid;
  if (!isRunning(pid, synapseProcessMarker(serverInfo.name))) throw new Error(`Synapse on ${serverInfo.name} is not running`);
  process.kill(pid, 'SIGSTOP');
  return () => { process.kill(pid, 'SIGCONT'); };
}

/** Registers a user through the shared secret; `server` is a name (camp or camp.test) or a ServerInfo. */
export async function registerUser(server: string | ServerInfo, localpart: string, password: string, admin = false): Promise<RegisteredUser> {
  const target = typeof server === 'string' ? recordedServer(server).serverInfo : server;
  return registerWithSharedSecret(target, localpart, password, admin);
}

/** The recorded server called `server` (camp or camp.test). */
export function findServer(server: string): ServerInfo {
  return recordedServer(server).serverInfo;
}

function recordedServer(server: string): { info: TestbedInfo; serverInfo: ServerInfo } {
  const info = readState();
  if (info === null) throw new Error('no testbed is running; start one with `node testbed/cli.ts up`');
  const serverInfo = info.servers.find((candidate) => candidate.short === shortName(server));
  if (serverInfo === undefined) {
    throw new Error(`the testbed has no server "${server}"; it has ${info.servers.map((s) => s.name).join(', ')}`);
  }
  return { info, serverInfo };
}

function recordedHearth(server: string): { info: TestbedInfo; serverInfo: ServerInfo; hearth: HearthInfo } {
  const { info, serverInfo } = recordedServer(server);
  if (serverInfo.hearth === null) throw new Error(`${serverInfo.name} does not run Hearth; start the testbed with --hearth ${serverInfo.short}`);
  return { info, serverInfo, hearth: serverInfo.hearth };
}

async function stopServer(server: ServerInfo): Promise<void> {
  if (server.hearth?.pid != null) {
    await stopProcess(server.hearth.pid, hearthProcessMarker(server.hearth.config_path), HEARTH_STOP_GRACE_MS);
  }
  if (server.synapse_pid > 0) {
    await stopProcess(server.synapse_pid, synapseProcessMarker(server.name), SYNAPSE_STOP_GRACE_MS);
  }
}

/**
 * Synapse processes running in the testbed's chroot that no state file
 * mentions, e.g. after the state folder was deleted by hand. They would hold
 * the ports a new testbed needs.
 */
async function stopStraySynapses(): Promise<void> {
  let root: string;
  try {
    root = realpathSync(synapseRoot());
  } catch {
    return;
  }
  const strays = processesChrootedInto(root, 'synapse.app.homeserver');
  await Promise.all(strays.map((pid) => stopProcess(pid, 'synapse.app.homeserver', SYNAPSE_STOP_GRACE_MS)));
}

function endpointsOf(plan: TestbedPlan): Endpoint[] {
  return plan.servers.flatMap((server) => [
    { address: '127.0.0.1', port: server.clientPort, purpose: `${server.name} client API` },
    { address: server.loopbackAddress, port: FEDERATION_PORT, purpose: `${server.name} federation` },
    ...(server.runsHearth ? [{ address: '127.0.0.1', port: server.appservicePort, purpose: `${server.name} Hearth appservice` }] : []),
  ]);
}
