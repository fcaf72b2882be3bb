// Hearth's calls to the homeserver's client-server API, as its bot users.
// Everything goes through this small interface, so unit tests can hand the
// domains a fake. The calls are plain fetches: each has a timeout and listens
// to the stop's hard deadline, and nothing is left running once it settles.
import type { Logger } from '../logging/logger.ts';
import type { Tier } from '../tiers/tier.ts';
import { MatrixError } from './matrix-error.ts';
import { httpRequest } from './http.ts';

export interface CreateRoomRequest {
  name?: string;
  topic?: string;
  preset?: 'private_chat' | 'public_chat' | 'trusted_private_chat';
  visibility?: 'public' | 'private';
  room_version?: string;
  invite?: string[];
  is_direct?: boolean;
  creation_content?: Record<string, unknown>;
  initial_state?: { type: string; state_key: string; content: Record<string, unknown> }[];
  power_level_content_override?: Record<string, unknown>;
  room_alias_name?: string;
}

export interface StateEvent {
  type: string;
  state_key: string;
  sender: string;
  event_id: string;
  content: Record<string, unknown>;
}

/** An event read back from a room; `unsigned.transaction_id` is there only for the user that sent it. */
export interface WireEventSeen {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  unsigned?: { transaction_id?: string };
}

/** An event as it goes on the wire: encrypted, in an encrypted room. */
export interface WireEvent {
  type: string;
  content: Record<string, unknown>;
}

/**
 * Decides what is actually sent for an event: the encryption layer seals
 * events for encrypted rooms. Set once encryption is running; until then,
 * and when encryption is off, events go as they are.
 */
export interface EventSealer {
  seal(sender: HomeserverClient, roomId: string, type: string, content: Record<string, unknown>): Promise<WireEvent>;
}

export interface SendOptions {
  /**
   * Send in the clear if the room is encrypted but the event cannot be
   * encrypted. Only for messages that say nothing private, such as "I could
   * not decrypt your message".
   */
  plaintextFallback?: boolean;
  /**
   * For text (m.room.message): the widest audience it may reach. Hearth's
   * sending layer (tiers/audience-guard) posts it only into a room whose
   * audience is no wider; left out, it counts as local.
   */
  reveals?: Tier;
}

export interface HomeserverClient {
  readonly userId: string;
  /** Registers this appservice user if the homeserver does not know it yet. */
  ensureRegistered(): Promise<void>;
  setDisplayName(name: string): Promise<void>;
  profile(userId: string): Promise<{ displayname?: string; avatar_url?: string }>;
  setAvatarUrl(mxcUrl: string): Promise<void>;
  /** Uploads media as this user; resolves with its mxc:// URL. */
  upload(bytes: Uint8Array, contentType: string, filename: string): Promise<string>;
  /** Sends an event; the same txnId always yields the same event, even after a restart. */
  sendEvent(roomId: string, type: string, content: Record<string, unknown>, txnId: string, options?: SendOptions): Promise<string>;
  /**
   * Any other call of the client-server API (`path` under /_matrix/client/v3),
   * answered with its parsed JSON. Room state is written with it, by the one
   * writer of room state (room-state/writer.ts) and nowhere else.
   */
  request<T>(method: HttpMethod, path: string, body?: Record<string, unknown>): Promise<T>;
  getRoomState(roomId: string): Promise<StateEvent[]>;
  /** The room's latest events as this user sees them, newest first: a resend looks for its own event here. */
  recentEvents(roomId: string, limit: number): Promise<WireEventSeen[]>;
  /** One state event's content, or null when the room has none. */
  getStateEvent(roomId: string, type: string, stateKey: string): Promise<Record<string, unknown> | null>;
  joinedMembers(roomId: string): Promise<string[]>;
  /** Members who are joined or invited: whom an encrypted message must reach. */
  joinedAndInvitedMembers(roomId: string): Promise<string[]>;
  joinedRooms(): Promise<string[]>;
  invite(roomId: string, userId: string, reason?: string): Promise<void>;
  setDirectoryVisibility(roomId: string, visibility: 'public' | 'private'): Promise<void>;
  /** Removes a room alias from the directory; an alias that does not exist is no error. */
  deleteRoomAlias(alias: string): Promise<void>;
  kick(roomId: string, userId: string, reason: string): Promise<void>;
  joinRoom(roomIdOrAlias: string, viaServers?: readonly string[]): Promise<string>;
  leaveRoom(roomId: string, reason?: string): Promise<void>;
  createRoom(request: CreateRoomRequest): Promise<string>;
  /** Asks the homeserver to ping Hearth back; resolves with the round trip in ms. */
  pingAppservice(appserviceId: string, txnId: string): Promise<number>;
  /** The same client acting as another user in Hearth's namespace. */
  as(userId: string): HomeserverClient;
}

export interface ClientSettings {
  homeserverUrl: string;
  asToken: string;
  botUserId: string;
  log: Logger;
  /** Shared by a client and every client its as() makes. */
  sealing?: { sealer: EventSealer | null };
  /** Longest wait for one answer. */
  requestTimeoutMs: number;
  /** Cuts every request in flight when Hearth's stop runs out of time. */
  halt: AbortSignal;
}

function localpartOf(userId: string): string {
  return userId.slice(1, userId.indexOf(':'));
}

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';
const CLIENT_V3 = '/_matrix/client/v3';
const CLIENT_V1 = '/_matrix/client/v1';

class NodeHttpHomeserverClient implements HomeserverClient {
  readonly userId: string;
  private readonly settings: ClientSettings;

  constructor(settings: ClientSettings, userId: string) {
    this.settings = settings;
    this.userId = userId;
  }

  private signal(): AbortSignal {
    return AbortSignal.any([this.settings.halt, AbortSignal.timeout(this.settings.requestTimeoutMs)]);
  }

  private url(path: string, prefix: string, query: Record<string, string[]> = {}): URL {
    const url = new URL(`${prefix}${path}`, this.settings.homeserverUrl);
    for (const [key, values] of Object.entries(query)) for (const value of values) url.searchParams.append(key, value);
    // An appservice acts for its other users by naming them (identity assertion).
    if (this.userId !== this.settings.botUserId) url.searchParams.set('user_id', this.userId);
    return url;
  }

  async request<T>(
    method: HttpMethod,
    path: string,
    body?: Record<string, unknown>,
    options: { prefix?: string; query?: Record<string, string[]> } = {},
  ): Promise<T> {
    const response = await httpRequest(this.url(path, options.prefix ?? CLIENT_V3, options.query), {
      method,
      headers: { authorization: `Bearer ${this.settings.asToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: this.signal(),
    });
    const text = await response.text();
    if (!response.ok) throw MatrixError.fromResponse(response.status, text, response.headers.get('retry-after'));
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  async ensureRegistered(): Promise<void> {
    try {
      await this.request('POST', '/register', { type: 'm.login.application_service', username: localpartOf(this.userId), inhibit_login: true });
    } catch (error) {
      if (error instanceof MatrixError && error.errcode === 'M_USER_IN_USE') return;
      throw error;
    }
  }

  async setDisplayName(name: string): Promise<void> {
    await this.request('PUT', `/profile/${encodeURIComponent(this.userId)}/displayname`, { displayname: name });
  }

  async profile(userId: string): Promise<{ displayname?: string; avatar_url?: string }> {
    try {
      return await this.request<{ displayname?: string; avatar_url?: string }>('GET', `/profile/${encodeURIComponent(userId)}`);
    } catch (error) {
      if (error instanceof MatrixError && error.errcode === 'M_NOT_FOUND') return {};
      throw error;
    }
  }

  async setAvatarUrl(mxcUrl: string): Promise<void> {
    await this.request('PUT', `/profile/${encodeURIComponent(this.userId)}/avatar_url`, { avatar_url: mxcUrl });
  }

  async upload(bytes: Uint8Array, contentType: string, filename: string): Promise<string> {
    const url = this.url('/upload', '/_matrix/media/v3', { filename: [filename] });
    const response = await httpRequest(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.settings.asToken}`, 'content-type': contentType },
      body: bytes,
      signal: this.signal(),
    });
    const body = (await response.json()) as { content_uri?: string; error?: string };
    if (!response.ok || !body.content_uri) throw new Error(`media upload failed: ${response.status} ${body.error ?? ''}`);
    return body.content_uri;
  }

  async sendEvent(roomId: string, type: string, content: Record<string, unknown>, txnId: string, options: SendOptions = {}): Promise<string> {
    const wire = await this.seal(roomId, type, content, options);
    // The txnId keeps a resend idempotent even though each encryption differs: the homeserver answers with the first event.
    const path = `/rooms/${encodeURIComponent(roomId)}/send/${encodeURIComponent(wire.type)}/${encodeURIComponent(txnId)}`;
    const response = await this.request<{ event_id: string }>('PUT', path, wire.content);
    return response.event_id;
  }

  private async seal(roomId: string, type: string, content: Record<string, unknown>, options: SendOptions): Promise<WireEvent> {
    const sealer = this.settings.sealing?.sealer;
    if (!sealer) return { type, content };
    try {
      return await sealer.seal(this, roomId, type, content);
    } catch (error) {
      if (!options.plaintextFallback) throw error;
      this.settings.log.warn('could not encrypt a notice; sending it in the clear', { room_id: roomId, error: error instanceof Error ? error.message : String(error) });
      return { type, content };
    }
  }

  getRoomState(roomId: string): Promise<StateEvent[]> {
    return this.request<StateEvent[]>('GET', `/rooms/${encodeURIComponent(roomId)}/state`);
  }

  async recentEvents(roomId: string, limit: number): Promise<WireEventSeen[]> {
    const path = `/rooms/${encodeURIComponent(roomId)}/messages`;
    const response = await this.request<{ chunk?: WireEventSeen[] }>('GET', path, undefined, { query: { dir: ['b'], limit: [String(limit)] } });
    return response.chunk ?? [];
  }

  async getStateEvent(roomId: string, type: string, stateKey: string): Promise<Record<string, unknown> | null> {
    try {
      return await this.request<Record<string, unknown>>('GET', `/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`);
    } catch (error) {
      if (error instanceof MatrixError && error.errcode === 'M_NOT_FOUND') return null;
      throw error;
    }
  }

  async joinedMembers(roomId: string): Promise<string[]> {
    const response = await this.request<{ joined: Record<string, unknown> }>('GET', `/rooms/${encodeURIComponent(roomId)}/joined_members`);
    return Object.keys(response.joined);
  }

  async joinedAndInvitedMembers(roomId: string): Promise<string[]> {
    const path = `/rooms/${encodeURIComponent(roomId)}/members`;
    const response = await this.request<{ chunk: { state_key: string; content: { membership?: string } }[] }>('GET', path, undefined, { query: { not_membership: ['leave'] } });
    return response.chunk.filter((e) => e.content.membership === 'join' || e.content.membership === 'invite').map((e) => e.state_key);
  }

  async joinedRooms(): Promise<string[]> {
    return (await this.request<{ joined_rooms: string[] }>('GET', '/joined_rooms')).joined_rooms;
  }

  async invite(roomId: string, userId: string, reason?: string): Promise<void> {
    await this.request('POST', `/rooms/${encodeURIComponent(roomId)}/invite`, { user_id: userId, ...(reason ? { reason } : {}) });
  }

  async setDirectoryVisibility(roomId: string, visibility: 'public' | 'private'): Promise<void> {
    await this.request('PUT', `/directory/list/room/${encodeURIComponent(roomId)}`, { visibility });
  }

  async deleteRoomAlias(alias: string): Promise<void> {
    try {
      await this.request('DELETE', `/directory/room/${encodeURIComponent(alias)}`);
    } catch (error) {
      if (error instanceof MatrixError && error.errcode === 'M_NOT_FOUND') return;
      throw error;
    }
  }

  async kick(roomId: string, userId: string, reason: string): Promise<void> {
    await this.request('POST', `/rooms/${encodeURIComponent(roomId)}/kick`, { user_id: userId, reason });
  }

  async joinRoom(roomIdOrAlias: string, viaServers: readonly string[] = []): Promise<string> {
    const query = viaServers.length > 0 ? { server_name: [...viaServers] } : {};
    const response = await this.request<{ room_id: string }>('POST', `/join/${encodeURIComponent(roomIdOrAlias)}`, {}, { query });
    return response.room_id;
  }

  async leaveRoom(roomId: string, reason?: string): Promise<void> {
    await this.request('POST', `/rooms/${encodeURIComponent(roomId)}/leave`, reason ? { reason } : {});
  }

  async createRoom(request: CreateRoomRequest): Promise<string> {
    const response = await this.request<{ room_id: string }>('POST', '/createRoom', { ...request });
    return response.room_id;
  }

  async pingAppservice(appserviceId: string, txnId: string): Promise<number> {
    const response = await this.request<{ duration_ms: number }>(
      'POST',
      `/appservice/${encodeURIComponent(appserviceId)}/ping`,
      { transaction_id: txnId },
      { prefix: CLIENT_V1 },
    );
    return response.duration_ms;
  }

  as(userId: string): HomeserverClient {
    return new NodeHttpHomeserverClient(this.settings, userId);
  }
}

export function createHomeserverClient(settings: ClientSettings): HomeserverClient {
  return new NodeHttpHomeserverClient(settings, settings.botUserId);
}

export { MatrixError, rateLimitDelayMs } from './matrix-error.ts';
