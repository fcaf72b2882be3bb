// Every command Hearth has, built from the real definitions (the same
// factories src/domains.ts uses) over services that are never called: what
// the help shows and what the docs may name. A command that runs here fails
// loudly, naming the service it reached for.
import { helpCommand } from '../../src/bot/help-command.ts';
import type { Command } from '../../src/commands/command.ts';
import { CommandTable } from '../../src/commands/table.ts';
import { bugleCommands } from '../../src/bugle/commands.ts';
import { defederationCommands } from '../../src/federation/commands.ts';
import { neighborhoodCommands } from '../../src/neighborhood/commands.ts';
import { tierCommands, type TierCommandsOptions } from '../../src/tiers/commands.ts';
import { onboardingCommands } from '../../src/onboarding/commands.ts';
import { webCommands } from '../../src/web/public/commands.ts';
import { silentLogger } from './silent-logger.ts';

/** A stand-in for a service the catalog never runs. */
export function unused(what: string): never {
  return new Proxy({}, {
    get(_target, property) {
      throw new Error(`${what}.${String(property)} was used, but this table only describes the commands`);
    },
  }) as never;
}

/** A service of which only `impl`'s methods may be used. */
export function partial<T extends object>(what: string, impl: Partial<T>): T {
  return new Proxy(impl as T, {
    get(target, property) {
      if (property in target) return Reflect.get(target, property) as unknown;
      throw new Error(`${what}.${String(property)} was used, but this test gives only ${Object.keys(impl).join(', ')}`);
    },
  });
}

export const CATALOG_SERVER = 'camp.test';

export function tierOptions(overrides: Partial<TierCommandsOptions> = {}): TierCommandsOptions {
  return {
    client: unused('client'),
    rooms: unused('rooms'),
    facts: () => Promise.reject(new Error('facts were asked for')),
    ensureRoom: () => Promise.reject(new Error('a room was created')),
    reconciler: unused('reconciler'),
    checkAllRooms: () => Promise.reject(new Error('a room check was queued')),
    serverName: CATALOG_SERVER,
    encryptedByDefault: () => false,
    isMember: (userId) => userId.endsWith(`:${CATALOG_SERVER}`) && !/^@\d+:/.test(userId),
    aclJobs: () => null,
    roomQuota: { perDay: 5, createdBy: () => Promise.resolve([]) },
    ...overrides,
  };
}

/** The full command table, as a member and an admin of camp.test meet it. */
export function commandCatalog(extra: { tiers?: Partial<TierCommandsOptions> } = {}): CommandTable {
  const commands: Command[] = [
    ...tierCommands(tierOptions(extra.tiers)),
    ...defederationCommands(unused('defederation')),
    ...neighborhoodCommands(unused('neighborhood')),
    ...bugleCommands(unused('bugle')),
    ...onboardingCommands({
      invitations: unused('invitations'), welcome: unused('welcome'), removals: unused('removals'), admins: unused('admins'),
      adminsChanged: () => Promise.reject(new Error('the admins changed')), store: unused('onboarding store'), members: unused('members'),
      removed: () => Promise.reject(new Error('removed members were asked for')), isLocalMember: () => true,
      membersMayInvite: false, invitationDays: 7, graceDays: 14, cocSince: () => Promise.resolve(null), hasAdminApi: true,
    }),
    ...webCommands(unused('web opt-outs'), 'https://camp.example.org/'),
  ];
  const table: CommandTable = new CommandTable([helpCommand(() => table), ...commands], silentLogger(), { serverName: CATALOG_SERVER });
  return table;
}
