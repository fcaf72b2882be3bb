// The community's policy list room: its defederation decisions published as
// m.policy.rule.server rules, the format Matrix moderation tools (Draupnir,
// Mjolnir) and neighbors read. Created the first time it is needed.
import type { HomeserverClient } from '../matrix/client.ts';
import type { EnsureRoom } from '../tiers/room-creation.ts';

export const SERVER_RULE = 'm.policy.rule.server';

/** Every Hearth names its ban list room the same way, so neighbors find it: #hearth_banlist:<server>. */
export function banListAliasLocalpart(namespacePrefix: string): string {
  return `${namespacePrefix}banlist`;
}

export class PolicyList {
  private readonly client: HomeserverClient;
  private readonly ensureRoom: EnsureRoom;
  private readonly name: string;

  private readonly aliasLocalpart: string;

  constructor(client: HomeserverClient, ensureRoom: EnsureRoom, communityName: string, namespacePrefix: string) {
    this.client = client;
    this.ensureRoom = ensureRoom;
    this.name = `${communityName} ban list`;
    this.aliasLocalpart = banListAliasLocalpart(namespacePrefix);
  }

  roomId(): Promise<string> {
    return this.ensureRoom({
      creationKey: 'policy_list',
      room: { role: 'policy_list', tier: 'neighborhood', name: this.name, encrypted: false },
      requester: null,
      aliasLocalpart: this.aliasLocalpart,
    });
  }

  async ban(glob: string, reason: string): Promise<void> {
    await this.client.sendStateEvent(await this.roomId(), SERVER_RULE, `rule:${glob}`, { entity: glob, recommendation: 'm.ban', reason });
  }

  /** An empty rule is how a policy list withdraws one. */
  async unban(glob: string): Promise<void> {
    await this.client.sendStateEvent(await this.roomId(), SERVER_RULE, `rule:${glob}`, {});
  }
}
