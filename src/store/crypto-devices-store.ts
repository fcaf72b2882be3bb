// The crypto device of each of Hearth's bots: its device ID, the snapshot of
// its crypto store and the /sync position that snapshot reflects. Snapshot and
// position are written together, so after a crash the next /sync resumes
// exactly where the saved keys end.
import type { Database } from './database.ts';

export interface CryptoDeviceRow {
  userId: string;
  deviceId: string;
  snapshot: Uint8Array | null;
  syncToken: string | null;
}

export interface CryptoDevicesStore {
  get(userId: string): Promise<CryptoDeviceRow | null>;
  /** Records a bot's device before its first key upload, so a crash cannot leave two devices. */
  recordDevice(userId: string, deviceId: string, now: number): Promise<void>;
  saveSnapshot(userId: string, snapshot: Uint8Array, syncToken: string | null, now: number): Promise<void>;
}

interface Row {
  user_id: string;
  device_id: string;
  snapshot: Uint8Array | null;
  sync_token: string | null;
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
        syncToken: row.sync_token,
      };
    },
    async recordDevice(userId, deviceId, now) {
      await rows().insert({ user_id: userId, device_id: deviceId, updated_at: now }).onConflict('user_id').ignore();
    },
    async saveSnapshot(userId, snapshot, syncToken, now) {
      await rows().where({ user_id: userId }).update({ snapshot: Buffer.from(snapshot), sync_token: syncToken, updated_at: now });
    },
  };
}
