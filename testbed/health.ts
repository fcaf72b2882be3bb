// Whether a recorded testbed is still usable as it is. `up` reuses a testbed
// only when this finds nothing wrong, so one test run can share the servers.
import { hearthProcessMarker, readHealth } from './hearth.ts';
import { answers } from './http.ts';
import { describeHearthDb, type TestbedPlan } from './plan.ts';
import { isRunning } from './processes.ts';
import { synapseProcessMarker } from './synapse.ts';
import type { ServerInfo, TestbedInfo } from './types.ts';

/** Same servers in the same order, same Hearths, same Hearth database. */
export function matchesPlan(info: TestbedInfo, plan: TestbedPlan): boolean {
  if (describeHearthDb(info.hearth_db) !== describeHearthDb(plan.hearthDb)) return false;
  if (info.servers.length !== plan.servers.length) return false;
  return plan.servers.every((server, index) => {
    const recorded = info.servers[index];
    return recorded?.name === server.name && (recorded.hearth !== null) === server.runsHearth;
  });
}

export async function findProblems(info: TestbedInfo): Promise<string[]> {
  const perServer = await Promise.all(info.servers.map(serverProblems));
  return perServer.flat();
}

async function serverProblems(server: ServerInfo): Promise<string[]> {
  const problems: string[] = [];
  if (!isRunning(server.synapse_pid, synapseProcessMarker(server.name))) {
    problems.push(`Synapse for ${server.name} (pid ${server.synapse_pid}) is not running`);
  } else if (!(await answers(`${server.client_url}/_matrix/client/versions`))) {
    problems.push(`Synapse for ${server.name} does not answer at ${server.client_url}`);
  }
  if (server.admin_access_token === '') problems.push(`${server.name} has no admin user yet`);
  if (server.hearth !== null) problems.push(...(await hearthProblems(server)));
  return problems;
}

async function hearthProblems(server: ServerInfo): Promise<string[]> {
  const hearth = server.hearth;
  if (hearth === null) return [];
  if (hearth.pid === null) return [`Hearth on ${server.name} is stopped`];
  if (!isRunning(hearth.pid, hearthProcessMarker(hearth.config_path))) {
    return [`Hearth on ${server.name} (pid ${hearth.pid}) is not running`];
  }
  if ((await readHealth(`${hearth.appservice_url}/_hearth/health`)) === null) {
    return [`Hearth on ${server.name} is not healthy at ${hearth.appservice_url}/_hearth/health`];
  }
  return [];
}
