// The community's policy list room: its defederation decisions published as
// m.policy.rule.server rules, the format Matrix moderation tools (Draupnir,
// Mjolnir) and neighbors read. A neighborhood room like any other: a
// neighbor's Hearth is invited to it and follows it from there. It has no
// alias, since an alias tells anyone the room's ID.
import type { HomeserverClient } from '../matrix/client.ts';
import type { DesiredState, StateWriter } from '../room-state/writer.ts';
import type { EnsureRoom } from '../tiers/room-creation.ts';

export const SERVER_RULE = 'm.policy.rule.server';
/** The ban list's creation key, in its m.room.create: how a neighbor's Hearth knows the room it is invited to is a ban list. */
export const POLICY_LIST_KEY = 'policy_list';

/** The alias earlier versions gave the ban list, so neighbors could find it; removed at start-up. */
function legacyAlias(namespacePrefix: string, serverName: string): string {
  return `#${namespacePrefix}banlist:${serverName}`;
}

/** The rule that publishes one defederation decision. */
export function banRule(glob: string, reason: string): DesiredState {
  return { type: SERVER_RULE, stateKey: `rule:${glob}`, content: { entity: glob, recommendation: 'm.ban', reason } };
}

/** An empty rule is how a policy list withdraws one. */
export function withdrawnRule(glob: string): DesiredState {
  return { type: SERVER_RULE, stateKey: `rule:${glob}`, content: {} };
}

export class PolicyList {
  private readonly client: HomeserverClient;
  private readonly writer: StateWriter;
  private readonly ensureRoom: EnsureRoom;
  private readonly name: string;

  private readonly legacyAlias: string;

  constructor(client: HomeserverClient, writer: StateWriter, ensureRoom: EnsureRoom, communityName: string, namespacePrefix: string, serverName: string) {
    this.client = client;
    this.writer = writer;
    this.ensureRoom = ensureRoom;
    this.name = `${communityName} ban list`;
    this.legacyAlias = legacyAlias(namespacePrefix, serverName);
  }

  /** An alias resolves to the room's ID for anyone, over federation too: a neighborhood room must have none. */
  async removeLegacyAlias(): Promise<void> {
    await this.client.deleteRoomAlias(this.legacyAlias);
  }

  roomId(): Promise<string> {
    return this.ensureRoom({
      creationKey: POLICY_LIST_KEY,
      room: { role: 'policy_list', tier: 'neighborhood', name: this.name, encrypted: false },
      requester: null,
    });
  }

  /** A rule already published as it stands is not sent again. */
  async ban(glob: string, reason: string): Promise<void> {
    await this.writer.apply(await this.roomId(), [banRule(glob, reason)]);
  }

  async unban(glob: string): Promise<void> {
    await this.writer.apply(await this.roomId(), [withdrawnRule(glob)]);
  }
}
