// The crypto device of each of Hearth's bots: its device ID and the snapshot
// of its crypto store (whose values are encrypted with encryption.store_key).
import type { Database } from './database.ts';

export interface CryptoDeviceRow {
  userId: string;
  deviceId: string;
  snapshot: Uint8Array | null;
}

export interface CryptoDevicesStore {
  get(userId: string): Promise<CryptoDeviceRow | null>;
  /** Records a bot's device before its first key upload, so a crash cannot leave two devices. */
  recordDevice(userId: string, deviceId: string, now: number): Promise<void>;
  saveSnapshot(userId: string, snapshot: Uint8Array, now: number): Promise<void>;
}

interface Row {
  user_id: string;
  device_id: string;
  snapshot: Uint8Array | null;
  updated_at: number | string;
}

export function createCryptoDevicesStore(db: Database): CryptoDevicesStore {
  const rows = () => db<Row>('crypto_devices');
  return {
    async get(userId) {
      const row = await rows().where({ user_id: userId }).first();
      if (!row) return null;
      return {
        userId: row.user_id,
        deviceId: row.device_id,
        snapshot: row.snapshot ? new Uint8Array(row.snapshot) : null,
      };
    },
    async recordDevice(userId, deviceId, now) {
      await rows().insert({ user_id: userId, device_id: deviceId, updated_at: now }).onConflict('user_id').ignore();
    },
    async saveSnapshot(userId, snapshot, now) {
      await rows().where({ user_id: userId }).update({ snapshot: Buffer.from(snapshot), updated_at: now });
    },
  };
}
