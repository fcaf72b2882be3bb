// The other side of a neighborhood room: a neighbor's Hearth invites this
// server's bot to each of its neighborhood rooms, and the bot then invites
// this community's members, who are the only people it may bring in. An
// invitation is taken up only while its server is a neighbor here too (both
// Hearths derive the same neighborhood, perhaps a moment apart, so an early
// one waits); the bot leaves when the server stops being a neighbor.
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { CREATION_KEY_FIELD } from '../matrix/room-lookup.ts';
import { permanentRefusal } from '../matrix/matrix-error.ts';
import { errorText } from '../matrix/retry.ts';
import type { NeighborRoom, NeighborRoomsStore } from '../store/neighbor-rooms-store.ts';
import type { InviteLike } from './council.ts';
import { botUserId, isServerName } from './events.ts';

export interface NeighborRoomsOptions {
  self: string;
  botLocalpart: string;
  client: Pick<HomeserverClient, 'joinRoom' | 'leaveRoom'>;
  store: NeighborRoomsStore;
  /** This server's current neighbors, as it derives them. */
  neighbors: () => Promise<readonly string[]>;
  /** After the bot joined: invite the members, follow a ban list. */
  onJoined: (room: NeighborRoom) => Promise<void>;
  log: Logger;
  now?: () => number;
  /** How long after a join that failed for a passing reason it is tried again. */
  retryJoinMs?: number;
}

const RETRY_JOIN_MS = 5_000;
const MAX_RETRY_JOIN_MS = 3_600_000;

/** How often a join refused with 403 is tried again before the invitation is given up. */
const FORBIDDEN_RETRIES = 5;

/**
 * Whether a failed join of a neighbor's room may succeed later. A homeserver
 * that did not answer or said "not now" may, any time. So may a 403, for a
 * while: the invitation reaches this server before the neighbor's homeserver
 * has stored it (so its restricted join rule still refuses), and both Hearths
 * derive the neighborhood from the same council a moment apart (so its ACL may
 * not admit this server yet). A 403 that lasts through every retry, or any
 * other refusal (the room is gone), ends the wait.
 */
function worthRetrying(error: unknown, failuresSoFar: number): boolean {
  const refusal = permanentRefusal(error);
  return refusal === null || (refusal.httpStatus === 403 && failuresSoFar < FORBIDDEN_RETRIES);
}

/**
 * The server and creation key of an invitation from another server's Hearth
 * bot to a room that bot created, or null for anything else. A room created by
 * anyone else is not that community's room, whoever invites to it.
 */
export function neighborRoomInvitation(event: InviteLike, self: string, botLocalpart: string): { server: string; creationKey: string | null } | null {
  if (event.content.membership !== 'invite' || event.state_key !== botUserId(botLocalpart, self)) return null;
  const colon = event.sender.indexOf(':');
  const server = event.sender.slice(colon + 1);
  if (event.sender.slice(1, colon) !== botLocalpart || server === self || !isServerName(server)) return null;
  const create = strippedCreate(event.unsigned?.invite_room_state);
  if (!create || create.sender !== event.sender) return null;
  const key = create.content[CREATION_KEY_FIELD];
  return { server, creationKey: typeof key === 'string' ? key : null };
}

function strippedCreate(stripped: unknown): { sender: unknown; content: Record<string, unknown> } | null {
  if (!Array.isArray(stripped)) return null;
  for (const event of stripped as unknown[]) {
    if (typeof event !== 'object' || event === null) continue;
    const { type, content, sender } = event as { type?: unknown; content?: unknown; sender?: unknown };
    if (type === 'm.room.create' && typeof content === 'object' && content !== null) return { sender, content: content as Record<string, unknown> };
  }
  return null;
}

export class NeighborRooms {
  private readonly o: NeighborRoomsOptions;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Rooms whose join failed for a passing reason: how often, and when it may be tried again. */
  private readonly failedJoins = new Map<string, { failures: number; notBefore: number }>();
  private retryAt = Infinity;
  private stopped = false;

  constructor(options: NeighborRoomsOptions) {
    this.o = options;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Records an invitation from another server's Hearth; true when it was one. */
  async acceptInvite(event: InviteLike & { room_id: string }): Promise<boolean> {
    const invitation = neighborRoomInvitation(event, this.o.self, this.o.botLocalpart);
    if (!invitation) return false;
    await this.o.store.invited({ roomId: event.room_id, server: invitation.server, creationKey: invitation.creationKey }, this.now());
    this.o.log.info('a neighbor\'s Hearth invited the bot to a room', { room_id: event.room_id, server: invitation.server });
    await this.sync(await this.o.neighbors());
    return true;
  }

  /** Joins what current neighbors invited to, and leaves what other servers' rooms it is still in. */
  async sync(neighbors: readonly string[]): Promise<void> {
    const current = new Set(neighbors);
    const rooms = await this.o.store.all();
    // A room no longer owed a join (forgotten, joined, or its server no longer a neighbor) waits for nothing;
    // should it be owed one again, its count starts afresh.
    const owed = new Set(rooms.filter((room) => current.has(room.server) && room.status === 'invited').map((room) => room.roomId));
    for (const roomId of this.failedJoins.keys()) if (!owed.has(roomId)) this.failedJoins.delete(roomId);
    for (const room of rooms) {
      if (current.has(room.server) && room.status === 'invited' && this.due(room.roomId)) await this.join(room);
      else if (!current.has(room.server) && room.status === 'joined') await this.leave(room);
    }
  }

  private async join(room: NeighborRoom): Promise<void> {
    try {
      await this.o.client.joinRoom(room.roomId, [room.server]);
    } catch (error) {
      if (!worthRetrying(error, this.failedJoins.get(room.roomId)?.failures ?? 0)) {
        // Withdrawn, or the room is gone: nothing to join, and nothing to wait for.
        this.o.log.warn('could not join a neighbor\'s room; forgetting the invitation', { room_id: room.roomId, server: room.server, error: errorText(error) });
        this.failedJoins.delete(room.roomId);
        await this.o.store.forget(room.roomId);
        return;
      }
      // Forgetting would leave this community out of the room for good: the neighbor's Hearth sees its bot invited.
      const delay = this.retryDelayMs(room.roomId);
      this.o.log.warn('could not join a neighbor\'s room yet; trying again', { room_id: room.roomId, server: room.server, retry_in_ms: delay, error: errorText(error) });
      this.retryLater(delay);
      return;
    }
    this.failedJoins.delete(room.roomId);
    await this.o.store.markJoined(room.roomId, this.now());
    this.o.log.info('joined a neighbor\'s room', { room_id: room.roomId, server: room.server });
    await this.o.onJoined({ ...room, status: 'joined' });
  }

  private due(roomId: string): boolean {
    return (this.failedJoins.get(roomId)?.notBefore ?? 0) <= this.now();
  }

  /** Doubles with each failure of the same room's join, up to an hour. */
  private retryDelayMs(roomId: string): number {
    const failures = (this.failedJoins.get(roomId)?.failures ?? 0) + 1;
    const delay = Math.min((this.o.retryJoinMs ?? RETRY_JOIN_MS) * 2 ** Math.min(failures - 1, 10), MAX_RETRY_JOIN_MS);
    this.failedJoins.set(roomId, { failures, notBefore: this.now() + delay });
    return delay;
  }

  private retryLater(delayMs: number): void {
    const at = this.now() + delayMs;
    if (this.stopped || at >= this.retryAt) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryAt = at;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retryAt = Infinity;
      this.o.neighbors()
        .then((neighbors) => this.sync(neighbors))
        .then(() => { this.retryEarliestWaiting(); })
        .catch((error: unknown) => {
          this.o.log.error('could not retry joining neighbors\' rooms; the next change of the neighborhood or start tries again', { error: errorText(error) });
        });
    }, delayMs);
  }

  /**
   * Arms the timer for the room whose wait ends first, when a retry left others
   * waiting. Every room still listed is owed a join (the sync just dropped the
   * rest), and its wait ends in the future unless time passed since it failed:
   * then it is tried at once, its count of failures kept.
   */
  private retryEarliestWaiting(): void {
    const earliest = Math.min(...[...this.failedJoins.values()].map((f) => f.notBefore));
    if (Number.isFinite(earliest)) this.retryLater(Math.max(0, earliest - this.now()));
  }

  /** No more retries: what is still owed waits for the next start. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async leave(room: NeighborRoom): Promise<void> {
    try {
      await this.o.client.leaveRoom(room.roomId);
    } catch (error) {
      // Already out (the neighbor removed the bot): the record is all that is left.
      this.o.log.info('left a former neighbor\'s room (it had already let the bot go)', { room_id: room.roomId, server: room.server, error: errorText(error) });
    }
    await this.o.store.forget(room.roomId);
  }
}
