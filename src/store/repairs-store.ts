// The reconciler's repair log: each repair it reported in the admin room,
// kept for the dashboard's Repairs page.
import type { Tier } from '../tiers/tier.ts';
import type { Database } from './database.ts';

/**
 * How many repairs are kept. A room someone keeps changing by hand is
 * repaired again every time, so the log would grow without end; the page
 * shows the newest 100, and the admin room holds the whole history.
 */
export const REPAIRS_KEPT = 500;

export interface RepairEntry {
  roomId: string;
  /** The room's name when it was repaired: the admin room and the dashboard may name local rooms. */
  roomName: string;
  tier: Tier;
  stateType: string;
  /** What the room had, as canonical JSON; null when the event was missing. */
  previous: string | null;
  /** What was restored, as canonical JSON. */
  restored: string;
  /** What set the pass going, as the admin room was told ("found at start-up"). */
  trigger: string;
  repairedAt: number;
}

export interface RepairsStore {
  /** Records the repairs of one pass, and forgets all but the newest REPAIRS_KEPT. */
  record(entries: readonly RepairEntry[]): Promise<void>;
  /** The newest repairs, newest first. */
  latest(limit: number): Promise<RepairEntry[]>;
}

interface Row {
  id: number;
  room_id: string;
  room_name: string;
  tier: Tier;
  state_type: string;
  previous: string | null;
  restored: string;
  trigger_description: string;
  repaired_at: number | string;
}

function entryOf(row: Row): RepairEntry {
  return {
    roomId: row.room_id, roomName: row.room_name, tier: row.tier, stateType: row.state_type,
    previous: row.previous, restored: row.restored, trigger: row.trigger_description, repairedAt: Number(row.repaired_at),
  };
}

export function createRepairsStore(db: Database): RepairsStore {
  return {
    async record(entries) {
      if (entries.length === 0) return;
      await db.transaction(async (trx) => {
        await trx<Row>('repairs').insert(entries.map((e) => ({
          room_id: e.roomId, room_name: e.roomName, tier: e.tier, state_type: e.stateType,
          previous: e.previous, restored: e.restored, trigger_description: e.trigger, repaired_at: e.repairedAt,
        })));
        // IDs grow with each insert: everything at or below the (KEPT+1)th newest goes; with fewer rows the subquery is null and nothing does.
        const oldestDropped = trx('repairs').select('id').orderBy('id', 'desc').limit(1).offset(REPAIRS_KEPT);
        await trx('repairs').where('id', '<=', oldestDropped).delete();
      });
    },
    async latest(limit) {
      return (await db<Row>('repairs').orderBy('id', 'desc').limit(limit)).map(entryOf);
    },
  };
}
