// The client-server calls a bot makes as its crypto device. An application
// service acts for one of its users' devices by naming both in the query
// (`user_id`, `device_id`); the device itself is created once by logging in
// with the appservice login type. Errors name the call and the homeserver's
// answer, never the token.
import { counts } from '../appservice/device-changes.ts';
import { isRecord, strings } from '../event.ts';
import { httpRequest } from '../http.ts';

export class DeviceCallError extends Error {
  readonly status: number;
  readonly errcode: string | null;
  constructor(call: string, status: number, errcode: string | null, detail: string) {
    super(`${call} failed: ${status}${errcode ? ` ${errcode}` : ''}${detail ? `: ${detail}` : ''}`);
    this.name = 'DeviceCallError';
    this.status = status;
    this.errcode = errcode;
  }
}

export interface DeviceHttpSettings {
  homeserverUrl: string;
  asToken: string;
  userId: string;
  deviceId: string;
  /** A fresh signal for each request: its timeout, and the stop's hard deadline. */
  requestSignal: () => AbortSignal;
}

/** One page of the device's inbox on the homeserver, as `/sync` gives it. */
export interface InboxPage {
  nextBatch: string;
  toDevice: unknown[];
  changedUsers: string[];
  leftUsers: string[];
  oneTimeKeyCounts: Record<string, number> | null;
  unusedFallbackKeyTypes: string[] | null;
}

// Only what a device needs: no rooms, presence or account data, so the
// homeserver skips the costly parts of a sync.
const DEVICE_ONLY_FILTER = JSON.stringify({ room: { rooms: [] }, presence: { types: [] }, account_data: { types: [] } });

/** Reads a `/sync` answer; one that is not an object with a `next_batch` is an error that says so. */
export function readInboxPage(text: string): InboxPage {
  const body: unknown = JSON.parse(text);
  if (!isRecord(body) || typeof body.next_batch !== 'string') throw new Error('the homeserver\'s /sync answer has no next_batch');
  const toDevice = isRecord(body.to_device) ? body.to_device.events : undefined;
  const lists = isRecord(body.device_lists) ? body.device_lists : {};
  const fallback = body.device_unused_fallback_key_types;
  return {
    nextBatch: body.next_batch,
    toDevice: Array.isArray(toDevice) ? toDevice : [],
    changedUsers: strings(lists.changed),
    leftUsers: strings(lists.left),
    oneTimeKeyCounts: counts(body.device_one_time_keys_count),
    unusedFallbackKeyTypes: Array.isArray(fallback) ? strings(fallback) : null,
  };
}

export class DeviceHttp {
  private readonly s: DeviceHttpSettings;

  constructor(settings: DeviceHttpSettings) {
    this.s = settings;
  }

  /** A call as the device (asDevice) or as the user alone (needed before the device exists). */
  async call<T>(method: string, path: string, body?: string, options: { asDevice?: boolean; query?: Record<string, string> } = {}): Promise<T> {
    const text = await this.callRaw(method, path, body, options);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /** The raw JSON answer of a call: what the crypto wants to be told, as it came. */
  async callRaw(method: string, path: string, body?: string, options: { asDevice?: boolean; query?: Record<string, string> } = {}): Promise<string> {
    const url = new URL(`/_matrix/client/v3${path}`, this.s.homeserverUrl);
    url.searchParams.set('user_id', this.s.userId);
    if (options.asDevice ?? true) url.searchParams.set('device_id', this.s.deviceId);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const response = await httpRequest(url, {
      method,
      headers: { authorization: `Bearer ${this.s.asToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
      signal: this.s.requestSignal(),
    });
    const text = await response.text();
    if (!response.ok) {
      let errcode: string | null = null;
      let detail = text.slice(0, 200);
      try {
        const parsed = JSON.parse(text) as { errcode?: string; error?: string };
        errcode = parsed.errcode ?? null;
        detail = parsed.error ?? '';
      } catch { /* not JSON: the raw text is the detail */ }
      throw new DeviceCallError(`${method} ${path}`, response.status, errcode, detail);
    }
    return text === '' ? '{}' : text;
  }

  /**
   * The next page of the messages the homeserver holds for this device, as a
   * client's `/sync` reads them. Reading from `since` tells the homeserver
   * that the pages before it were received: it deletes them.
   */
  async inboxPage(since: string | null): Promise<InboxPage> {
    const query: Record<string, string> = { filter: DEVICE_ONLY_FILTER, timeout: '0', set_presence: 'offline' };
    if (since !== null) query.since = since;
    return readInboxPage(await this.callRaw('GET', '/sync', undefined, { query }));
  }

  async deviceExists(): Promise<boolean> {
    try {
      await this.call('GET', `/devices/${encodeURIComponent(this.s.deviceId)}`, undefined, { asDevice: false });
      return true;
    } catch (error) {
      if (error instanceof DeviceCallError && error.status === 404) return false;
      throw error;
    }
  }

  /** Creates the device on the homeserver; the access token this returns is not needed and not kept. */
  async createDevice(displayName: string): Promise<void> {
    const localpart = this.s.userId.slice(1, this.s.userId.indexOf(':'));
    await this.call('POST', '/login', JSON.stringify({
      type: 'm.login.application_service',
      identifier: { type: 'm.id.user', user: localpart },
      device_id: this.s.deviceId,
      initial_device_display_name: displayName,
    }), { asDevice: false });
  }
}
