// Which new rooms are encrypted when nobody says: the config's per-tier
// default, for the rooms that may be encrypted at all.
import type { Config } from '../config/schema.ts';
import { mayBeEncrypted, type RoomRole, type Tier } from './tier.ts';

export function encryptedByDefault(config: Config, role: RoomRole, tier: Tier): boolean {
  if (!mayBeEncrypted(role, tier)) return false;
  return tier === 'local' ? config.tiers.encrypt_local_rooms : config.tiers.encrypt_neighborhood_rooms;
}
