// The few calls Hearth makes to Synapse's admin API, with the optional admin
// token from the config. Kept apart from the bot's client: it is a different
// credential with far more power, used only where the config grants it.
import type { Logger } from '../logging/logger.ts';
import { httpRequest } from './http.ts';

export interface SynapseAdmin {
  /** Every local, non-guest, active account. */
  localUsers(): Promise<string[]>;
  /**
   * When each local account, deactivated ones too, last used a client (ms
   * since the epoch), as Synapse keeps it from its devices and client IPs; an
   * account it never saw is left out.
   */
  lastSeen(): Promise<Map<string, number>>;
  /** Every room the homeserver knows, DMs included. */
  rooms(): Promise<{ roomId: string; name: string | null }[]>;
  /** The users joined to a room, as the homeserver sees it. */
  roomMembers(roomId: string): Promise<string[]>;
  /** Creates a registration token that Synapse accepts once, until `expiresAt` (ms since the epoch). */
  createRegistrationToken(token: string, expiresAt: number): Promise<void>;
  /** Deletes a registration token; one Synapse does not know (any more) is no error. */
  deleteRegistrationToken(token: string): Promise<void>;
  /** Deactivates an account for good (its messages stay); one already deactivated is no error. */
  deactivateUser(userId: string): Promise<void>;
}

interface UsersPage {
  users: { name: string; is_guest?: boolean | number; deactivated?: boolean | number; last_seen_ts?: number | null }[];
  next_token?: string | number;
}

interface RoomsPage {
  rooms: { room_id: string; name: string | null }[];
  next_batch?: number;
}

export interface SynapseAdminSettings {
  homeserverUrl: string;
  adminToken: string;
  log: Logger;
  /** A fresh signal for each request: its timeout, and the stop's hard deadline. */
  requestSignal: () => AbortSignal;
}

export function createSynapseAdmin({ homeserverUrl, adminToken, log, requestSignal }: SynapseAdminSettings): SynapseAdmin {
  async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, query: Record<string, string> = {}, body?: Record<string, unknown>, notFoundIsFine = false): Promise<T> {
    const url = new URL(path, homeserverUrl);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const response = await httpRequest(url, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: requestSignal(),
    });
    if (!response.ok) {
      const body = await response.text();
      if (response.status === 404 && notFoundIsFine) return {} as T;
      log.warn('the Synapse admin API refused a request', { path, status: response.status });
      throw new Error(`Synapse admin API ${path}: ${response.status} ${body.slice(0, 200)} (is homeserver.admin_token an admin's token?)`);
    }
    return (await response.json()) as T;
  }
  const get = <T>(path: string, query: Record<string, string> = {}): Promise<T> => call<T>('GET', path, query);

  /** Every local account but guests, page by page; `deactivated` includes those too. */
  async function everyUser(deactivated: boolean): Promise<UsersPage['users']> {
    const users: UsersPage['users'] = [];
    let from: string | null = null;
    do {
      const result: UsersPage = await get<UsersPage>('/_synapse/admin/v2/users', { guests: 'false', deactivated: String(deactivated), limit: '500', ...(from === null ? {} : { from }) });
      users.push(...result.users.filter((u) => !u.is_guest));
      from = result.next_token === undefined ? null : String(result.next_token);
    } while (from !== null);
    return users;
  }

  return {
    async localUsers() {
      return (await everyUser(false)).filter((u) => !u.deactivated).map((u) => u.name);
    },
    async lastSeen() {
      return new Map((await everyUser(true)).flatMap((u) => (typeof u.last_seen_ts === 'number' ? [[u.name, u.last_seen_ts] as const] : [])));
    },
    async rooms() {
      const rooms: { roomId: string; name: string | null }[] = [];
      let from = 0;
      for (;;) {
        const result = await get<RoomsPage>('/_synapse/admin/v1/rooms', { from: String(from), limit: '500' });
        rooms.push(...result.rooms.map((r) => ({ roomId: r.room_id, name: r.name })));
        if (result.next_batch === undefined) return rooms;
        from = result.next_batch;
      }
    },
    async roomMembers(roomId) {
      return (await get<{ members: string[] }>(`/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/members`)).members;
    },
    async createRegistrationToken(token, expiresAt) {
      await call('POST', '/_synapse/admin/v1/registration_tokens/new', {}, { token, uses_allowed: 1, expiry_time: expiresAt });
    },
    async deleteRegistrationToken(token) {
      await call('DELETE', `/_synapse/admin/v1/registration_tokens/${encodeURIComponent(token)}`, {}, undefined, true);
    },
    async deactivateUser(userId) {
      await call('POST', `/_synapse/admin/v1/deactivate/${encodeURIComponent(userId)}`, {}, { erase: false });
    },
  };
}
