// A member whose client encrypts: matrix-js-sdk with its Rust crypto, the
// stack Element uses. It syncs like a real client, so it sees (and decrypts)
// what Hearth's bots send, and encrypts what it sends to encrypted rooms.
import { randomBytes } from 'node:crypto';
import {
  ClientEvent,
  createClient,
  MatrixEvent,
  Preset,
  SyncState,
  type MatrixClient,
} from 'matrix-js-sdk';
import loglevel from 'loglevel';
import { registerUser } from '../../testbed/testbed.ts';
import { server, waitFor } from './member.ts';
import { silentSdkLogger } from './silent-logger.ts';

// Parts of matrix-js-sdk log through its global logger whatever logger a client
// is given, and its child loggers (which turn themselves up to debug) copy the
// parent's way of writing: a silent one silences them all.
const sdkGlobalLog = loglevel.getLogger('matrix');
sdkGlobalLog.methodFactory = () => () => undefined;
sdkGlobalLog.rebuild();

export interface SeenMessage {
  eventId: string;
  sender: string;
  body: string;
  /** Whether the event arrived encrypted (and was decrypted by this client). */
  encrypted: boolean;
  /** Set when this client could not decrypt it. */
  decryptionFailure: string | null;
}

export class CryptoMember {
  readonly userId: string;
  readonly deviceId: string;
  readonly client: MatrixClient;

  private readonly password: string;

  private constructor(client: MatrixClient, userId: string, deviceId: string, password: string) {
    this.client = client;
    this.userId = userId;
    this.deviceId = deviceId;
    this.password = password;
  }

  /** Registers a fresh user, logs a new device in and starts its client with Rust crypto. */
  static async register(serverName: string, prefix: string): Promise<CryptoMember> {
    const info = server(serverName);
    const localpart = `${prefix}-${randomBytes(4).toString('hex')}`;
    const password = `pw-${localpart}`;
    await registerUser(info, localpart, password);
    return CryptoMember.logIn(serverName, localpart, password);
  }

  /** Logs a new device of a user in and starts its client with Rust crypto. */
  private static async logIn(serverName: string, localpart: string, password: string): Promise<CryptoMember> {
    const info = server(serverName);
    const login = await createClient({ baseUrl: info.client_url, logger: silentSdkLogger() })
      .loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password, initial_device_display_name: 'test client' });
    const client = createClient({
      baseUrl: info.client_url,
      userId: login.user_id,
      deviceId: login.device_id,
      accessToken: login.access_token,
      logger: silentSdkLogger(),
    });
    await client.initRustCrypto({ useIndexedDB: false });
    const ready = new Promise<void>((resolve) => {
      client.on(ClientEvent.Sync, (state) => { if (state === SyncState.Prepared || state === SyncState.Syncing) resolve(); });
    });
    await client.startClient({ initialSyncLimit: 20 });
    await ready;
    return new CryptoMember(client, login.user_id, login.device_id, password);
  }

  /** The same member on one more device: a new phone, say. */
  anotherDevice(): Promise<CryptoMember> {
    const [localpart, serverName] = [this.userId.slice(1, this.userId.indexOf(':')), this.userId.slice(this.userId.indexOf(':') + 1)];
    return CryptoMember.logIn(serverName, localpart, this.password);
  }

  stop(): void {
    this.client.stopClient();
  }

  /** Creates an encrypted DM with a bot, as Element does, and waits for the bot to join. */
  async openEncryptedDm(botUserId: string): Promise<string> {
    const { room_id: roomId } = await this.client.createRoom({
      is_direct: true,
      preset: Preset.TrustedPrivateChat,
      invite: [botUserId],
      initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
    });
    await waitFor(`${botUserId} to join the encrypted DM`, () => Promise.resolve(this.client.getRoom(roomId)?.getMember(botUserId)?.membership === 'join'));
    await waitFor('the client to know the DM is encrypted', async () => (await this.client.getCrypto()?.isEncryptionEnabledInRoom(roomId)) ?? false);
    return roomId;
  }

  /** Sends a text message; in an encrypted room the client encrypts it. Returns its event ID. */
  async send(roomId: string, body: string): Promise<string> {
    return (await this.client.sendTextMessage(roomId, body)).event_id;
  }

  /** Every message in a room's timeline so far, decrypted where this client can. */
  async messages(roomId: string): Promise<SeenMessage[]> {
    const room = this.client.getRoom(roomId);
    if (!room) return [];
    const events = room.getLiveTimeline().getEvents();
    await Promise.all(events.map((event) => this.client.decryptEventIfNeeded(event)));
    return events.filter((e) => e.getType() === 'm.room.message' || e.isDecryptionFailure()).map(seen);
  }

  /** Waits until a message from `sender` in the room matches (one not among `ignore`, the events seen before). */
  async waitForMessage(roomId: string, sender: string, matches: (body: string) => boolean, what: string, timeoutMs = 30_000, ignore: ReadonlySet<string> = new Set()): Promise<SeenMessage> {
    try {
      return await waitFor(what, async () => (await this.messages(roomId)).find((m) => m.sender === sender && !ignore.has(m.eventId) && matches(m.body)), timeoutMs);
    } catch (error) {
      // Say what the room did hold: a message the client could not decrypt looks like silence otherwise.
      const seen = (await this.messages(roomId)).map((m) => `${m.sender}: ${m.decryptionFailure ? `[could not decrypt: ${m.decryptionFailure}]` : m.body.slice(0, 80)}`);
      throw new Error(`${error instanceof Error ? error.message : String(error)}; the room holds:\n${seen.join('\n')}`, { cause: error });
    }
  }

  /** Joins every room it is invited to by `inviter`; returns the rooms joined. */
  async acceptInvitesFrom(inviter: string): Promise<string[]> {
    const invited = this.client.getRooms().filter((room) => room.getMyMembership() === 'invite' && room.getMember(this.userId)?.events.member?.getSender() === inviter);
    for (const room of invited) await this.client.joinRoom(room.roomId);
    return invited.map((room) => room.roomId);
  }
}

function seen(event: MatrixEvent): SeenMessage {
  const content = event.getContent<{ body?: unknown }>();
  return {
    eventId: event.getId() ?? '',
    sender: event.getSender() ?? '',
    body: typeof content.body === 'string' ? content.body : '',
    encrypted: event.isEncrypted(),
    decryptionFailure: event.isDecryptionFailure() ? (event.decryptionFailureReason ?? 'unknown') : null,
  };
}
