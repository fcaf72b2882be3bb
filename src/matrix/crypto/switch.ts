// Encryption as the rest of Hearth starts it. When it is off, events pass
// through unopened and go out unsealed. When it is on, a send waits for the
// devices to open, so the community's set-up can run while they do and still
// never sends in the clear; once they are open, the client seals, the worker
// opens and the listener hands the devices their part of each transaction.
// The crypto itself is loaded only when encryption is on.
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Database } from '../../store/database.ts';
import type { DeviceChanges } from '../appservice/device-changes.ts';
import type { EventSealer, HomeserverClient } from '../client.ts';
import type { MatrixEvent } from '../event.ts';
import type { Delivery } from '../inbox/router.ts';
import type { Encryption } from './index.ts';

/** How long a transaction's device changes wait for the devices to open before it is answered 5xx (and retried). */
const DEVICES_OPEN_WAIT_MS = 30_000;

function withTimeout<T>(promise: Promise<T>, ms: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(reason)); }, ms); });
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer); });
}

export interface OpenOptions {
  config: Config;
  db: Database;
  client: HomeserverClient;
  /** The bots that talk to members, and so get a device. */
  bots: readonly string[];
  /** The application service's own user: the main bot. */
  appserviceUserId: string;
  isOwnBot: (userId: string) => boolean;
  log: Logger;
  /** A fresh signal for each request: its timeout, and the stop's hard deadline. */
  requestSignal: () => AbortSignal;
}

export class EncryptionSwitch {
  /** Handed to the homeserver client: every client its as() makes shares it. */
  readonly sealing: { sealer: EventSealer | null } = { sealer: null };
  private encryption: Encryption | null = null;
  private readonly opened = Promise.withResolvers<Encryption>();
  private readonly wanted: boolean;

  /** `wanted`: encryption is on and this Hearth talks to a homeserver. */
  constructor(wanted: boolean) {
    this.wanted = wanted;
    if (!wanted) return;
    // start() reports its own failure; a send that waited sees it through its own await.
    this.opened.promise.catch(() => undefined);
    this.sealing.sealer = {
      seal: async (sender, roomId, type, content) => (await this.opened.promise).sealer.seal(sender, roomId, type, content),
    };
  }

  /** For the transaction listener; undefined when encryption is off, so device changes are ignored. */
  get absorbDeviceChanges(): ((changes: DeviceChanges) => Promise<void>) | undefined {
    if (!this.wanted) return undefined;
    return async (changes) => {
      const encryption = await withTimeout(this.opened.promise, DEVICES_OPEN_WAIT_MS, 'the bots\' crypto devices are not open yet');
      await encryption.absorb(changes);
    };
  }

  /** The event to route: what an encrypted event carries, or null when there is nothing to route. */
  async open(event: MatrixEvent, delivery: Delivery): Promise<MatrixEvent | null> {
    return this.encryption ? this.encryption.open(event, delivery) : event;
  }

  async start(o: OpenOptions): Promise<void> {
    if (!this.wanted) return;
    try {
      await this.openDevices(o);
    } catch (error) {
      this.opened.reject(error);
      throw error;
    }
  }

  private async openDevices(o: OpenOptions): Promise<void> {
    // A device belongs to a user: the bots must exist before their devices.
    await Promise.all(o.bots.map((bot) => o.client.as(bot).ensureRegistered()));
    const { openEncryption } = await import('./index.ts');
    const encryption = await openEncryption({
      homeserverUrl: o.config.homeserver.url,
      asToken: o.config.appservice.as_token,
      botUserIds: o.bots,
      appserviceUserId: o.appserviceUserId,
      storeKeyHex: o.config.encryption.store_key,
      // Each wait is one more attempt at the event: the inbox's last attempt is kept for the answer.
      keyWaitSeconds: Math.min(o.config.encryption.key_wait_seconds, o.config.inbox.max_attempts - 1),
      isOwnBot: o.isOwnBot,
      db: o.db,
      log: o.log,
      requestSignal: o.requestSignal,
    });
    this.encryption = encryption;
    this.sealing.sealer = encryption.sealer;
    this.opened.resolve(encryption);
  }

  async stop(): Promise<void> {
    await this.encryption?.stop();
  }
}
