// The policy list rooms this server follows, and the mode of each.
import type { Database } from './database.ts';

export type ListMode = 'auto' | 'propose' | 'off';

export interface Subscription {
  roomId: string;
  source: string;
  mode: ListMode;
}

export interface PolicySubscriptionsStore {
  get(roomId: string): Promise<Subscription | null>;
  sources(): Promise<Set<string>>;
  save(subscription: Subscription, now: number): Promise<void>;
  setModeForSources(sources: readonly string[], mode: ListMode): Promise<void>;
}

export function createPolicySubscriptionsStore(db: Database): PolicySubscriptionsStore {
  const rows = () => db<{ room_id: string; source: string; mode: ListMode; subscribed_at: number }>('policy_subscriptions');
  return {
    async get(roomId) {
      const row = await rows().where({ room_id: roomId }).first();
      return row ? { roomId: row.room_id, source: row.source, mode: row.mode } : null;
    },
    async sources() {
      return new Set((await rows().select('source')).map((r) => r.source));
    },
    async setModeForSources(sources, mode) {
      if (sources.length > 0) await rows().whereIn('source', [...sources]).update({ mode });
    },
    async save(s, now) {
      await rows().insert({ room_id: s.roomId, source: s.source, mode: s.mode, subscribed_at: now }).onConflict('room_id').merge({ source: s.source, mode: s.mode });
    },
  };
}
