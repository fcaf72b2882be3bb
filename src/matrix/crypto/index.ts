// End-to-end encryption for Hearth's bots: one crypto device per bot, the
// sealer that encrypts what they send to encrypted rooms, and the stage that
// decrypts what they receive. See docs/encryption.md.
import type { Logger } from '../../logging/logger.ts';
import type { Database } from '../../store/database.ts';
import { createCryptoDevicesStore } from '../../store/crypto-devices-store.ts';
import type { DeviceChanges } from '../appservice/device-changes.ts';
import type { EventSealer } from '../client.ts';
import type { MatrixEvent } from '../event.ts';
import type { Delivery } from '../inbox/router.ts';
import { BotDevice, type DeviceUpdate } from './bot-device.ts';
import { decryptionStage } from './decryption.ts';
import { RoomEncryption } from './room-encryption.ts';
import { roomSealer } from './sealer.ts';

export interface EncryptionOptions {
  homeserverUrl: string;
  asToken: string;
  /** The bots that get a device: every bot that talks to members. */
  botUserIds: readonly string[];
  /** The application service's own user, to whom Synapse refuses `/sync`. */
  appserviceUserId: string;
  storeKeyHex: string;
  keyWaitSeconds: number;
  isOwnBot: (userId: string) => boolean;
  db: Database;
  log: Logger;
  requestSignal: () => AbortSignal;
}

export interface Encryption {
  readonly sealer: EventSealer;
  /** Turns an encrypted event into the event it carries; null when there is nothing to route. */
  open(event: MatrixEvent, delivery: Delivery): Promise<MatrixEvent | null>;
  /** Gives each bot's device its part of a transaction's device changes. */
  absorb(changes: DeviceChanges): Promise<void>;
  stop(): Promise<void>;
}

function isNothingFor(update: DeviceUpdate): boolean {
  return update.toDevice.length === 0 && update.changedUsers.length === 0 && update.leftUsers.length === 0 &&
    update.oneTimeKeyCounts === null && update.unusedFallbackKeyTypes === null;
}

export async function openEncryption(o: EncryptionOptions): Promise<Encryption> {
  const log = o.log.child('device');
  const store = createCryptoDevicesStore(o.db);
  const storeKey = Uint8Array.from(Buffer.from(o.storeKeyHex, 'hex'));
  // Each bot's device has a store of its own: they open side by side.
  const opening = await Promise.allSettled(o.botUserIds.map((userId) =>
    BotDevice.open({
      homeserverUrl: o.homeserverUrl, asToken: o.asToken, userId, store, storeKey, log, requestSignal: o.requestSignal,
      readsInbox: userId !== o.appserviceUserId,
    })));
  const failure = opening.find((result) => result.status === 'rejected');
  const opened = opening.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (failure) {
    await Promise.all(opened.map((d) => d.stop()));
    throw failure.reason;
  }
  const devices = new Map(opened.map((device) => [device.userId, device]));
  const rooms = new RoomEncryption();
  const decrypt = decryptionStage({ devices: [...devices.values()], isOwnBot: o.isOwnBot, keyWaitAttempts: o.keyWaitSeconds });
  return {
    sealer: roomSealer(devices, rooms),
    async open(event, delivery) {
      if (event.type === 'm.room.encryption' && event.state_key === '') rooms.noteEncrypted(event.room_id);
      return decrypt(event, delivery);
    },
    async absorb(changes) {
      if (changes.sentAgain) log.debug('a transaction the homeserver sent again, without its device changes: asking for every tracked device list again');
      await Promise.all([...devices.values()].map(async (device) => {
        // What the homeserver dropped from the transaction cannot be asked
        // for, but the devices it would have named can: all of them.
        if (changes.sentAgain) await device.askForDeviceListsAgain();
        const update: DeviceUpdate = {
          toDevice: changes.toDevice.filter((m) => m.to_user_id === device.userId && m.to_device_id === device.deviceId),
          // Each machine cares only about the users it tracks; the rest it ignores.
          changedUsers: changes.changedUsers,
          leftUsers: changes.leftUsers,
          oneTimeKeyCounts: changes.oneTimeKeyCounts[device.userId]?.[device.deviceId] ?? null,
          unusedFallbackKeyTypes: changes.unusedFallbackKeyTypes[device.userId]?.[device.deviceId] ?? null,
        };
        if (!isNothingFor(update)) await device.absorb(update);
      }));
    },
    async stop() {
      await Promise.all([...devices.values()].map((d) => d.stop()));
    },
  };
}
