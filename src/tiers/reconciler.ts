// Doing, not deciding: keeps each managed room as its tier says. It reads a
// managed room's state, asks the pure policy for the state the room must
// have, hands that to the writer of room state (which writes only what
// differs), and reports each repair in the admin room (and in the repair
// log the dashboard shows). It also removes
// whoever the membership policy no longer allows (through MemberRemoval),
// since an ACL alone never stops delivery to a joined user.
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient, StateEvent } from '../matrix/client.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { Presence, RoomMembersStore } from '../store/room-members-store.ts';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { RepairEntry, RepairsStore } from '../store/repairs-store.ts';
import type { CommunityFacts } from './facts.ts';
import { aclOnlyWidens, neighborBots, serverAcl, withEncryptionFromState } from './policy.ts';
import { topicFor } from './creation.ts';
import { canonical } from '../room-state/canonical.ts';
import type { Content, DesiredState, StateWriter } from '../room-state/writer.ts';
import { desiredRoomState, type Repair } from './repairs.ts';
import type { ManagedRoom } from './tier.ts';
import { usersToRemove, type MembershipFacts } from './membership-policy.ts';
import type { MemberRemoval, Removal } from './membership-removal.ts';

export interface ReconcilerOptions {
  client: HomeserverClient;
  /** Every state write goes through it. */
  writer: StateWriter;
  rooms: ManagedRoomsStore;
  facts: () => Promise<CommunityFacts>;
  notify: NotifyAdmins;
  log: Logger;
  /** The facts the membership policy decides from, fresh for every decision. */
  membershipFacts: () => Promise<MembershipFacts>;
  removal: MemberRemoval;
  roomMembers: Pick<RoomMembersStore, 'present'>;
  /** Keeps each repair reported in the admin room, for the dashboard's Repairs page. */
  repairLog?: Pick<RepairsStore, 'record'>;
}

/** Why the reconciler looked at a room; repairs after creation are expected and not reported. */
export type Trigger = { kind: 'creation' } | { kind: 'start-up' } | { kind: 'event'; sender: string } | { kind: 'request'; by: string } | { kind: 'facts-changed' } | { kind: 'job'; reason: string };

function describeTrigger(trigger: Trigger): string {
  switch (trigger.kind) {
    case 'creation': return 'at creation';
    case 'start-up': return 'found at start-up';
    case 'event': return `after a change by ${trigger.sender}`;
    case 'request': return `on request of ${trigger.by}`;
    case 'facts-changed': return 'after the community\'s server lists changed';
    case 'job': return `while applying: ${trigger.reason}`;
  }
}

export function describeRepair(room: ManagedRoom, repair: Repair): string {
  const was = repair.previous === null ? 'missing' : canonical(repair.previous);
  return `Repaired "${room.name}" (${room.tier}): ${repair.type} was ${was}; restored ${canonical(repair.content)}.`;
}

/** A reported repair as the repair log keeps it: the dashboard that shows it is for admins, so it may name the room too. */
export function repairEntry(room: ManagedRoom, repair: Repair, trigger: string, at: number): RepairEntry {
  return {
    roomId: room.roomId, roomName: room.name, tier: room.tier, stateType: repair.type,
    previous: repair.previous === null ? null : canonical(repair.previous), restored: canonical(repair.content), trigger, repairedAt: at,
  };
}

/** The admin room may name rooms: it is local. */
export function describeRemovals(room: ManagedRoom, removals: readonly Removal[]): string {
  const joined = removals.filter((r) => !r.wasInvited).map((r) => r.userId);
  const invited = removals.filter((r) => r.wasInvited).map((r) => r.userId);
  const where = `"${room.name}" (${room.tier})`;
  return [
    ...(joined.length > 0 ? [`Removed ${joined.join(', ')} from ${where}: its audience does not include them.`] : []),
    ...(invited.length > 0 ? [`Withdrew the invitation of ${invited.join(', ')} to ${where}: its audience does not include them.`] : []),
  ].join('\n');
}

function aclState(content: Content): DesiredState {
  return { type: 'm.room.server_acl', stateKey: '', content };
}

function presentIn(state: readonly StateEvent[]): Presence[] {
  return state.flatMap((e) => {
    const membership = e.content.membership;
    return e.type === 'm.room.member' && (membership === 'join' || membership === 'invite') ? [{ userId: e.state_key, membership }] : [];
  });
}

export class Reconciler {
  private readonly options: ReconcilerOptions;
  // One pass per room at a time, so two triggers cannot interleave their writes.
  private readonly queues = new Map<string, Promise<unknown>>();
  // Each room's ACL as last seen in its events (or written here). Lets an ACL
  // change skip a read per room; empty after a restart, when reads are the safe choice.
  private readonly seenAcls = new Map<string, Content>();

  constructor(options: ReconcilerOptions) {
    this.options = options;
  }

  reconcileRoom(roomId: string, trigger: Trigger): Promise<Repair[]> {
    return this.serialized(roomId, () => this.pass(roomId, trigger));
  }

  /**
   * Brings only the room's server ACL in line with the facts: what an ACL
   * change needs, one small read and at most one write per room. Returns
   * whether the ACL was written.
   */
  reconcileAcl(roomId: string): Promise<boolean> {
    return this.serialized(roomId, async () => {
      const row = await this.options.rooms.byRoomId(roomId);
      if (!row) return false;
      // A neighborhood room's power levels and invitations follow the neighbors too: the whole pass.
      if (row.tier === 'neighborhood') {
        const widened = await this.widenAclFirst(roomId, row.tier);
        const repairs = await this.pass(roomId, { kind: 'facts-changed' });
        return widened || repairs.some((repair) => repair.type === 'm.room.server_acl');
      }
      const acl = serverAcl(row.tier, await this.options.facts());
      return acl ? this.writeAcl(roomId, acl, this.seenAcls.get(roomId)) : false;
    });
  }

  /** Writes the ACL if it differs from the one seen (without one, the writer reads the room's); true when written. */
  private async writeAcl(roomId: string, acl: Content, seen: Content | undefined): Promise<boolean> {
    const written = await this.options.writer.apply(roomId, [aclState(acl)], seen ? [{ type: 'm.room.server_acl', state_key: '', content: seen }] : undefined);
    if (written.length === 0) return false;
    this.noteAcl(roomId, acl);
    return true;
  }

  /**
   * An admitted neighbor's members wait for the room's ACL, not for the rest
   * of the pass: when the ACL only widens from the one last seen, it is
   * written before the pass reads the whole room. Power levels that take
   * power away must go before the ACL (desiredRoomState), and a narrower ACL
   * may come with them, so only a pure widening takes this way.
   */
  private async widenAclFirst(roomId: string, tier: ManagedRoom['tier']): Promise<boolean> {
    const seen = this.seenAcls.get(roomId);
    const acl = serverAcl(tier, await this.options.facts());
    if (!seen || !acl || !aclOnlyWidens(seen, acl) || !(await this.writeAcl(roomId, acl, seen))) return false;
    this.options.log.info('repaired room state', { room_id: roomId, type: 'm.room.server_acl', trigger: 'facts-changed' });
    return true;
  }

  /**
   * Moves a topic room to another tier that federates the same way: records
   * the tier, brings the state in line, and updates what tells members who
   * can read it (topic, directory listing).
   */
  retier(roomId: string, tier: ManagedRoom['tier'], by: string): Promise<Repair[]> {
    // The caller checked the tier allows it (an encrypted room never becomes public).
    return this.serialized(roomId, async () => {
      const { client, rooms, writer } = this.options;
      await rooms.setTier(roomId, tier);
      const row = await rooms.byRoomId(roomId);
      if (!row) return [];
      const facts = await this.options.facts();
      await writer.apply(roomId, [{ type: 'm.room.topic', stateKey: '', content: { topic: topicFor(row, facts.serverName) } }]);
      await client.setDirectoryVisibility(roomId, tier === 'public' ? 'public' : 'private');
      return this.pass(roomId, { kind: 'request', by });
    });
  }

  /**
   * Closes a room that moved on to `successor`: a notice for those reading
   * it, then the tombstone that clients follow. The room keeps its tier, so
   * what was said in it keeps its audience.
   */
  retire(roomId: string, successor: string, notice: string): Promise<void> {
    return this.serialized(roomId, async () => {
      const { client, rooms, writer } = this.options;
      // The notice names only the wider successor: the old room's readers may read it.
      const reveals = (await rooms.byRoomId(roomId))?.tier ?? 'local';
      await client.sendEvent(roomId, 'm.room.message', { msgtype: 'm.notice', body: notice }, `retired.${successor}`, { reveals });
      await writer.apply(roomId, [{ type: 'm.room.tombstone', stateKey: '', content: { body: notice, replacement_room: successor } }]);
      this.options.log.info('a room moved on to a new one', { room_id: roomId, successor });
    });
  }

  /**
   * Removes whoever the room's tier no longer allows among the users joined
   * or invited: those given (a membership event), or else those Hearth's
   * events say are there (an ACL job's step, after the ACL).
   */
  reconcileMembers(roomId: string, trigger: Trigger, present?: readonly Presence[]): Promise<Removal[]> {
    return this.serialized(roomId, async () => {
      const row = await this.options.rooms.byRoomId(roomId);
      if (!row) return [];
      const room = { roomId, role: row.role, tier: row.tier, name: row.name, encrypted: row.encrypted };
      return this.removeDisallowed(room, present ?? (await this.options.roomMembers.present(roomId)), trigger);
    });
  }

  private async removeDisallowed(room: ManagedRoom, present: readonly Presence[], trigger: Trigger): Promise<Removal[]> {
    const gone = new Set(usersToRemove(room, present.map((p) => p.userId), await this.options.membershipFacts()));
    if (gone.size === 0) return [];
    const removals = await this.options.removal.remove(room.roomId, present.filter((p) => gone.has(p.userId)));
    if (trigger.kind !== 'creation' && removals.length > 0) await this.options.notify(`${describeRemovals(room, removals)} (${describeTrigger(trigger)})`);
    return removals;
  }

  /** Records a room's ACL as an event showed it. */
  noteAcl(roomId: string, content: Content): void {
    this.seenAcls.set(roomId, content);
  }

  private serialized<T>(roomId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(roomId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.queues.set(roomId, next);
    void next.finally(() => {
      if (this.queues.get(roomId) === next) this.queues.delete(roomId);
    }).catch(() => undefined);
    return next;
  }

  /**
   * A neighbor's Hearth learns of our neighborhood rooms by an invitation to
   * its bot; once joined it invites its own members.
   */
  private async inviteNeighborBots(room: ManagedRoom, facts: CommunityFacts, state: readonly StateEvent[]): Promise<void> {
    const present = new Set(state
      .filter((e) => e.type === 'm.room.member' && (e.content.membership === 'join' || e.content.membership === 'invite'))
      .map((e) => e.state_key));
    for (const bot of neighborBots(room, facts).filter((b) => !present.has(b))) {
      await this.options.client.invite(room.roomId, bot);
      this.options.log.info('invited a neighbor\'s Hearth to a neighborhood room', { room_id: room.roomId, bot });
    }
  }

  async reconcileAll(trigger: Trigger): Promise<Repair[]> {
    const rooms = await this.options.rooms.all();
    const repairs: Repair[] = [];
    for (const room of rooms) {
      if (room.roomId) repairs.push(...(await this.reconcileRoom(room.roomId, trigger)));
    }
    return repairs;
  }

  private async pass(roomId: string, trigger: Trigger): Promise<Repair[]> {
    const { client, rooms, log } = this.options;
    const row = await rooms.byRoomId(roomId);
    if (!row) return [];
    const children = row.role === 'space' ? (await rooms.all()).filter((r) => r.role !== 'space' && r.roomId).map((r) => r.roomId ?? '') : [];
    const state = await client.getRoomState(roomId);
    const room = withEncryptionFromState(
      { roomId, role: row.role, tier: row.tier, name: row.name, encrypted: row.encrypted },
      state.find((e) => e.type === 'm.room.encryption' && e.state_key === '')?.content,
    );
    if (room.encrypted && !row.encrypted) {
      await rooms.markEncrypted(roomId);
      log.info('room found encrypted; recorded, since encryption is never turned off', { room_id: roomId });
    }
    const acl = state.find((e) => e.type === 'm.room.server_acl' && e.state_key === '');
    if (acl) this.noteAcl(roomId, acl.content);
    const facts = await this.options.facts();
    const repairs = await this.options.writer.apply(roomId, desiredRoomState(room, facts, state, children), state);
    for (const repair of repairs) {
      if (repair.type === 'm.room.server_acl') this.noteAcl(roomId, repair.content);
      log.info('repaired room state', { room_id: roomId, type: repair.type, trigger: trigger.kind, previous_sender: repair.previousSender });
    }
    await this.inviteNeighborBots(room, facts, state);
    await this.removeDisallowed(room, presentIn(state), trigger);
    const reportable = repairs.filter((r) => r.type !== 'm.space.child');
    // After creation, and after the server lists changed (which the admins already heard of), repairs are expected.
    if (trigger.kind !== 'creation' && trigger.kind !== 'facts-changed' && reportable.length > 0) await this.report(room, reportable, trigger);
    return repairs;
  }

  /** Tells the admins of a pass's repairs, recorded first so the log holds each one the admin room was told of. */
  private async report(room: ManagedRoom, repairs: readonly Repair[], trigger: Trigger): Promise<void> {
    const why = describeTrigger(trigger);
    const at = Date.now();
    await this.options.repairLog?.record(repairs.map((r) => repairEntry(room, r, why, at)));
    await this.options.notify([...repairs.map((r) => describeRepair(room, r)), `(${why})`].join('\n'));
  }
}
