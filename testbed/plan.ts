// Turns the user's options into the concrete addresses and ports of each
// server. Every server gets its own loopback address so that all of them can
// listen on the standard federation port 8448: that way Synapse finds a peer
// through plain name resolution, exactly as on the internet, with no
// well-known delegation or SRV records to fake.
import type { HearthDb, UpOptions } from './types.ts';

export const DEFAULT_SERVERS = ['camp', 'hood', 'glen', 'far'] as const;
export const FEDERATION_PORT = 8448;
const FIRST_CLIENT_PORT = 18008;
const FIRST_APPSERVICE_PORT = 19008;
// 127.0.0.1 is left to the client listeners and Hearth; servers start at .2.
const FIRST_LOOPBACK_HOST = 2;
const MAX_SERVERS = 200;
const SHORT_NAME = /^[a-z][a-z0-9-]{0,30}$/;

export type ServerPlan = {
  short: string;
  name: string;
  loopbackAddress: string;
  clientPort: number;
  appservicePort: number;
  runsHearth: boolean;
};

export type TestbedPlan = {
  servers: ServerPlan[];
  hearthDb: HearthDb;
};

export function serverName(short: string): string {
  return `${short}.test`;
}

/** Accepts `camp` or `camp.test`. */
export function shortName(nameOrShort: string): string {
  return nameOrShort.endsWith('.test') ? nameOrShort.slice(0, -'.test'.length) : nameOrShort;
}

export function planTestbed(options: UpOptions): TestbedPlan {
  const shorts = (options.servers ?? DEFAULT_SERVERS).map(shortName);
  const hearthShorts = (options.hearth ?? []).map(shortName);
  validateShortNames(shorts, hearthShorts);
  const servers = shorts.map((short, index) => ({
    short,
    name: serverName(short),
    loopbackAddress: `127.0.0.${FIRST_LOOPBACK_HOST + index}`,
    clientPort: FIRST_CLIENT_PORT + index,
    appservicePort: FIRST_APPSERVICE_PORT + index,
    runsHearth: hearthShorts.includes(short),
  }));
  return { servers, hearthDb: options.hearthDb ?? { engine: 'sqlite' } };
}

function validateShortNames(shorts: readonly string[], hearthShorts: readonly string[]): void {
  if (shorts.length === 0) throw new Error('--servers needs at least one server name');
  if (shorts.length > MAX_SERVERS) throw new Error(`at most ${MAX_SERVERS} servers fit on the loopback plan`);
  for (const short of shorts) {
    if (!SHORT_NAME.test(short)) {
      throw new Error(`server name "${short}" must be lowercase letters, digits and dashes, starting with a letter`);
    }
  }
  if (new Set(shorts).size !== shorts.length) throw new Error(`--servers lists a name twice: ${shorts.join(',')}`);
  for (const short of hearthShorts) {
    if (!shorts.includes(short)) throw new Error(`--hearth names "${short}", which is not in --servers (${shorts.join(',')})`);
  }
}

export function clientUrl(server: ServerPlan): string {
  return `http://127.0.0.1:${server.clientPort}`;
}

export function appserviceUrl(server: ServerPlan): string {
  return `http://127.0.0.1:${server.appservicePort}`;
}

export function federationAddress(server: ServerPlan): string {
  return `${server.loopbackAddress}:${FEDERATION_PORT}`;
}

/** A printable form used to decide whether a running testbed matches a request. */
export function describeHearthDb(db: HearthDb): string {
  return db.engine === 'sqlite' ? 'sqlite' : `postgres:${db.url_prefix}`;
}

export function parseHearthDb(text: string): HearthDb {
  if (text === 'sqlite') return { engine: 'sqlite' };
  if (text.startsWith('postgres:')) {
    const prefix = text.slice('postgres:'.length).replace(/\/+$/, '');
    if (!/^postgres(ql)?:\/\//.test(prefix)) {
      throw new Error(`--hearth-db postgres:<url-prefix> needs a postgres:// URL prefix, got "${prefix}"`);
    }
    return { engine: 'postgres', url_prefix: prefix };
  }
  throw new Error(`--hearth-db must be "sqlite" or "postgres:<url-prefix>", got "${text}"`);
}
