// A Matrix user as the end-to-end tests drive one: plain client-server API
// calls over HTTP against a testbed homeserver, with polling helpers that wait
// for what federation delivers eventually.
import { randomBytes } from 'node:crypto';
import { findServer, readInfo, registerUser } from '../../testbed/testbed.ts';
import type { ServerInfo, TestbedInfo } from '../../testbed/testbed.ts';

export interface RoomEvent {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  state_key?: string;
}

export class MatrixRequestError extends Error {
  readonly status: number;
  readonly errcode: string | undefined;
  constructor(status: number, body: { errcode?: string; error?: string }, what: string) {
    super(`${what}: ${status} ${body.errcode ?? ''} ${body.error ?? ''}`);
    this.status = status;
    this.errcode = body.errcode;
  }
}

/** The running testbed; a test run without one fails here, loudly, rather than skipping. */
export function testbed(): TestbedInfo {
  const info = readInfo();
  if (!info) throw new Error('no testbed is running: run the tests with ./scripts/test (it starts one)');
  return info;
}

export function server(name: string): ServerInfo {
  return findServer(name);
}

/**
 * Polls until `probe` gives a value. The limit only ends a wait for what never
 * comes; it measures nothing. It is generous because the four homeservers are
 * shared by the tests running at once, and one busy with another test's
 * broadcast can leave a federated answer waiting for many seconds.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const result = await probe();
      if (result !== null && result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})` : ''}`);
}

export class Member {
  readonly userId: string;
  readonly server: ServerInfo;
  private readonly token: string;
  /** Set for one of an application service's users, driven with its as_token: each request names the user. */
  private readonly masquerade: boolean;

  constructor(server: ServerInfo, userId: string, token: string, masquerade = false) {
    this.server = server;
    this.userId = userId;
    this.token = token;
    this.masquerade = masquerade;
  }

  /** The server's admin account, registered by the testbed. */
  static admin(serverName: string): Member {
    const info = server(serverName);
    return new Member(info, info.admin_user_id, info.admin_access_token);
  }

  /** Registers a fresh user with a unique name, so tests never share state. */
  static async register(serverName: string, prefix: string): Promise<Member> {
    const info = server(serverName);
    const localpart = `${prefix}-${randomBytes(4).toString('hex')}`;
    const user = await registerUser(info, localpart, `pw-${localpart}`);
    return new Member(info, user.user_id, user.access_token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const asUser = this.masquerade ? `${path.includes('?') ? '&' : '?'}user_id=${encodeURIComponent(this.userId)}` : '';
    const response = await fetch(`${this.server.client_url}/_matrix/client/v3${path}${asUser}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T & { errcode?: string; error?: string };
    if (!response.ok) throw new MatrixRequestError(response.status, json, `${method} ${path} as ${this.userId}`);
    return json;
  }

  async createRoom(options: Record<string, unknown>): Promise<string> {
    return (await this.request<{ room_id: string }>('POST', '/createRoom', { room_version: '12', ...options })).room_id;
  }

  async join(roomIdOrAlias: string, via: readonly string[] = []): Promise<string> {
    const query = via.map((s) => `server_name=${encodeURIComponent(s)}`).join('&');
    return (await this.request<{ room_id: string }>('POST', `/join/${encodeURIComponent(roomIdOrAlias)}${query ? '?' + query : ''}`, {})).room_id;
  }

  async send(roomId: string, body: string): Promise<string> {
    const txn = randomBytes(8).toString('hex');
    return (await this.request<{ event_id: string }>('PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txn}`, { msgtype: 'm.text', body })).event_id;
  }

  async setState(roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
    const path = `/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`;
    return (await this.request<{ event_id: string }>('PUT', path, content)).event_id;
  }

  async state(roomId: string, type: string, stateKey = ''): Promise<Record<string, unknown>> {
    return this.request('GET', `/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`);
  }

  async invite(roomId: string, userId: string): Promise<void> {
    await this.request('POST', `/rooms/${encodeURIComponent(roomId)}/invite`, { user_id: userId });
  }

  async leave(roomId: string): Promise<void> {
    await this.request('POST', `/rooms/${encodeURIComponent(roomId)}/leave`, {});
  }

  /** Rooms this user is invited to, by a one-off sync. */
  async invitedRooms(): Promise<string[]> {
    const sync = await this.request<{ rooms?: { invite?: Record<string, unknown> } }>('GET', '/sync?timeout=0');
    return Object.keys(sync.rooms?.invite ?? {});
  }

  async messages(roomId: string, limit = 50): Promise<RoomEvent[]> {
    const page = await this.request<{ chunk: RoomEvent[] }>('GET', `/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=${limit}`);
    return page.chunk;
  }

  async membership(roomId: string, userId: string): Promise<string | null> {
    try {
      const state = await this.request<{ membership: string }>('GET', `/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(userId)}`);
      return state.membership;
    } catch (error) {
      if (error instanceof MatrixRequestError && error.status === 404) return null;
      throw error;
    }
  }

  /** Waits for `sender`'s reply to one particular event (bots answer with m.in_reply_to). */
  async waitForReply(roomId: string, sender: string, eventId: string, timeoutMs?: number): Promise<RoomEvent> {
    return waitFor(`${sender}'s reply to ${eventId}`, async () =>
      (await this.messages(roomId)).find((e) => e.sender === sender && repliesTo(e, eventId)), timeoutMs);
  }

  /** Waits until a message from `sender` matching `test` shows up in the room. */
  async waitForMessage(roomId: string, sender: string, test: (body: string) => boolean, timeoutMs?: number): Promise<RoomEvent> {
    return waitFor(`a message from ${sender} in ${roomId}`, async () =>
      (await this.messages(roomId)).find((e) => e.type === 'm.room.message' && e.sender === sender && test(String(e.content.body))), timeoutMs);
  }
}

/** Whether an event is a reply to `eventId`. */
export function repliesTo(event: RoomEvent, eventId: string): boolean {
  return (event.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === eventId;
}

/** Whether a server has ever heard of a room, asked through its own admin API: its view, not camp's. */
export async function serverKnowsRoom(serverName: string, roomId: string): Promise<boolean> {
  const info = server(serverName);
  const response = await fetch(`${info.client_url}/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}`, {
    headers: { authorization: `Bearer ${info.admin_access_token}` },
  });
  if (response.status === 404) return false;
  if (!response.ok) throw new Error(`admin room lookup on ${serverName}: ${response.status}`);
  return true;
}

/** Resolves with the error a request fails with; fails the test if it succeeds. */
export async function refusal(attempt: Promise<unknown>): Promise<MatrixRequestError> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof MatrixRequestError) return error;
    throw error;
  }
  throw new Error('expected the homeserver to refuse, but it accepted');
}
