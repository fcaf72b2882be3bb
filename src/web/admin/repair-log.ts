// The reconciler's repair log as the dashboard's Repairs page lists it: when,
// which room (the page is for admins, and the rooms are the community's own),
// what was changed and what was put back, and what set the pass going.
import type { RepairEntry } from '../../store/repairs-store.ts';
import { day } from '../members/directory.ts';

/** How many of the newest repairs the page lists. */
export const REPAIRS_SHOWN = 100;

/** Longer state is folded behind its first characters, so that one ACL does not fill a phone's screen. */
const FOLD_AFTER = 120;

export interface StateCell {
  text: string;
  /** The first characters, when the whole is folded away; null when it is short enough to show. */
  preview: string | null;
}

export interface RepairRow {
  when: string;
  isoTime: string;
  roomName: string;
  roomId: string;
  tier: string;
  stateType: string;
  /** Null when the room had no such state at all. */
  was: StateCell | null;
  restored: StateCell;
  why: string;
}

function stateCell(text: string): StateCell {
  return { text, preview: text.length > FOLD_AFTER ? `${text.slice(0, FOLD_AFTER - 20)}…` : null };
}

export function repairRows(entries: readonly RepairEntry[]): RepairRow[] {
  return entries.map((e) => {
    const iso = new Date(e.repairedAt).toISOString();
    return {
      when: `${day(e.repairedAt)} ${iso.slice(11, 16)} UTC`,
      isoTime: iso,
      roomName: e.roomName,
      roomId: e.roomId,
      tier: e.tier,
      stateType: e.stateType,
      was: e.previous === null ? null : stateCell(e.previous),
      restored: stateCell(e.restored),
      why: e.trigger,
    };
  });
}
