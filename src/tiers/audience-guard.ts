// The one sending layer for text: every m.room.message a bot sends passes
// here, and text is posted only into a room whose audience may read what it
// reveals. A send that does not say what it reveals counts as local, so
// forgetting to say fails closed. Callers that can answer elsewhere (the
// conversation, the DMs) catch AudienceRefused and do so.
import type { HomeserverClient, HttpMethod, SendOptions } from '../matrix/client.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import { serverNameOf } from '../matrix/event.ts';
import { mayReach, roomAudience, roomFactsFromState, type AudienceContext } from './audience.ts';
import type { Tier } from './tier.ts';

/** Text was not posted: the room's audience is wider than what the text reveals. */
export class AudienceRefused extends Error {
  readonly roomId: string;
  readonly reveals: Tier;
  readonly audience: Tier;

  constructor(roomId: string, reveals: Tier, audience: Tier) {
    super(`text that may reach ${reveals} readers was not posted in ${roomId}, whose audience is ${audience}`);
    this.name = 'AudienceRefused';
    this.roomId = roomId;
    this.reveals = reveals;
    this.audience = audience;
  }
}

export interface RoomAudiencesOptions {
  rooms: Pick<ManagedRoomsStore, 'byRoomId'>;
  /** Who this server's readers are. */
  local: Omit<AudienceContext, 'neighbors'>;
  /** Read fresh for every decision that needs them: the neighbors change while Hearth runs. */
  neighbors: () => Promise<readonly string[]>;
}

/** Who can read a room, as a tier: a managed room's tier, any other room judged by its current state. */
export class RoomAudiences {
  private readonly o: RoomAudiencesOptions;

  constructor(options: RoomAudiencesOptions) {
    this.o = options;
  }

  /** `reader` is the bot about to post: it is in the room, so it can read the room's state. */
  async of(reader: Pick<HomeserverClient, 'getRoomState'>, roomId: string): Promise<Tier> {
    const managed = await this.o.rooms.byRoomId(roomId);
    if (managed) return managed.tier;
    // One request for everything that decides it; never cached, since a member can invite anyone at any time.
    const facts = roomFactsFromState(await reader.getRoomState(roomId));
    // Only a reader from another server can be a neighbor: a member's DM, which every Bugle copy goes to, needs no list.
    const fromElsewhere = facts.readers.some((userId) => serverNameOf(userId) !== this.o.local.serverName);
    return roomAudience(facts, { ...this.o.local, neighbors: fromElsewhere ? await this.o.neighbors() : [] });
  }
}

/**
 * The client every domain sends through: the same client, except that text
 * goes out only where its audience may read it. The clients it makes for
 * Hearth's other bots (as()) are guarded the same way.
 */
export function guardText(client: HomeserverClient, audiences: RoomAudiences): HomeserverClient {
  const sendEvent = async (roomId: string, type: string, content: Record<string, unknown>, txnId: string, options: SendOptions = {}): Promise<string> => {
    if (type === 'm.room.message') {
      const reveals = options.reveals ?? 'local';
      const audience = await audiences.of(client, roomId);
      if (!mayReach(reveals, audience)) throw new AudienceRefused(roomId, reveals, audience);
    }
    return client.sendEvent(roomId, type, content, txnId, options);
  };
  // The generic request carries no text: an event sent through it would skip the audience check above.
  const request = <T>(method: HttpMethod, path: string, body?: Record<string, unknown>): Promise<T> => {
    if (/^\/rooms\/[^/]+\/send\//.test(path)) return Promise.reject(new Error(`events are sent with sendEvent, which checks who may read them, not with ${method} ${path}`));
    return client.request<T>(method, path, body);
  };
  const as = (userId: string): HomeserverClient => guardText(client.as(userId), audiences);
  // A proxy rather than a class listing every method: whatever the client gains is passed through unchanged.
  return new Proxy(client, {
    get(target, property) {
      if (property === 'sendEvent') return sendEvent;
      if (property === 'request') return request;
      if (property === 'as') return as;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
