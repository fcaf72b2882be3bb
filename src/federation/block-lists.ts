// Following other communities' ban lists: every neighbor's (found by the alias
// every Hearth gives its ban list room) and any policy list the admin
// subscribed to. A rule from a followed list is applied here (auto), opened as
// a proposal with the informed-consent flow (propose), or ignored (off).
import { CommandError } from '../commands/command.ts';
import { LINE_MAX, quoted } from '../commands/text.ts';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import type { MatrixEvent } from '../matrix/event.ts';
import { errorText } from '../matrix/retry.ts';
import type { ListMode, PolicySubscriptionsStore } from '../store/policy-subscriptions-store.ts';
import type { Defederation } from './defederation.ts';
import { SERVER_RULE } from './policy-list.ts';
import { globLimitProblem } from './server-names.ts';

export interface BlockListOptions {
  client: Pick<HomeserverClient, 'joinRoom' | 'getRoomState'>;
  store: PolicySubscriptionsStore;
  defederation: Pick<Defederation, 'decideNow' | 'propose'>;
  notify: NotifyAdmins;
  log: Logger;
  neighborMode: ListMode;
  configured: readonly { room: string; mode: ListMode }[];
}

// Matrix's recommendation for a ban, and the older name moderation bots still write.
const BAN_RECOMMENDATIONS = new Set(['m.ban', 'org.matrix.mjolnir.ban']);
const FOLLOW_ATTEMPTS = 10;
const FOLLOW_RETRY_MS = 3_000;

export class BlockListFollower {
  private readonly o: BlockListOptions;

  constructor(options: BlockListOptions) {
    this.o = options;
  }

  /** Joins a list room and records it; a neighbor's list may not admit this server yet, so joining is retried a few times. */
  private async follow(room: string, source: string, mode: ListMode, via: readonly string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const roomId = await this.o.client.joinRoom(room, via);
        await this.o.store.save({ roomId, source, mode }, Date.now());
        this.o.log.info('following a ban list', { room: roomId, source, mode });
        return;
      } catch (error) {
        if (attempt >= FOLLOW_ATTEMPTS) {
          this.o.log.warn('could not follow a ban list', { room, source, error: errorText(error) });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, FOLLOW_RETRY_MS));
      }
    }
  }

  /**
   * Follows a neighbor's ban list, which its Hearth invited this server's bot
   * to (the bot has joined it). The rules already in it count as much as the
   * ones published later, so they are read at once.
   */
  async followNeighborList(roomId: string, server: string): Promise<void> {
    await this.o.store.save({ roomId, source: server, mode: this.o.neighborMode }, Date.now());
    this.o.log.info('following a ban list', { room: roomId, source: server, mode: this.o.neighborMode });
    await this.applyCurrentRules(roomId);
  }

  private async applyCurrentRules(roomId: string): Promise<void> {
    const rules = (await this.o.client.getRoomState(roomId)).filter((e) => e.type === SERVER_RULE);
    for (const rule of rules) {
      await this.handleRule({ ...rule, room_id: roomId, origin_server_ts: 0 });
    }
  }

  /** The config's mode for neighbors' lists applies to lists followed before it changed. */
  async applyNeighborMode(neighbors: readonly string[]): Promise<void> {
    await this.o.store.setModeForSources(neighbors, this.o.neighborMode);
  }

  async followConfigured(): Promise<void> {
    for (const { room, mode } of this.o.configured) {
      const via = room.includes(':') ? [room.slice(room.indexOf(':') + 1)] : [];
      await this.follow(room, room, mode, via);
    }
  }

  handleRule = async (event: MatrixEvent): Promise<void> => {
    const subscription = await this.o.store.get(event.room_id);
    if (!subscription || subscription.mode === 'off') return;
    const { entity, recommendation, reason } = event.content;
    // An emptied rule is a list withdrawing it; following lists never undoes a decision here on its own.
    if (typeof entity !== 'string' || typeof recommendation !== 'string' || !BAN_RECOMMENDATIONS.has(recommendation)) return;
    // A list's writer may be hostile: such a rule is only logged, so a flood of them cannot flood the admin room either.
    const beyondLimits = globLimitProblem(entity);
    if (beyondLimits !== null) {
      this.o.log.warn('skipped a ban list rule: its server glob is beyond the limits', {
        room_id: event.room_id, event_id: event.event_id, sender: event.sender, source: subscription.source, problem: beyondLimits, entity_start: entity.slice(0, 40),
      });
      return;
    }
    // The list's writer chose the reason, and members are told it: one line, bounded, no direction controls.
    const why = `${subscription.source}: ${typeof reason === 'string' && reason !== '' ? quoted(reason, LINE_MAX) : 'no reason given'}`;
    try {
      if (subscription.mode === 'auto') {
        await this.o.notify(`Following ${subscription.source}'s ban list: ${await this.o.defederation.decideNow(entity, why, event.sender)}`);
      } else {
        const { told } = await this.o.defederation.propose(entity, why, event.sender);
        await this.o.notify(`${subscription.source} cut off ${entity} (${why}). A proposal is open here and ${told.length === 1 ? '1 affected member was' : `${told.length} affected members were`} told; see !defederate status, decide with !defederate confirm ${entity}.`);
      }
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      await this.o.notify(`Did not follow ${subscription.source}'s rule about ${entity}: ${error.message}`);
    }
  };
}
