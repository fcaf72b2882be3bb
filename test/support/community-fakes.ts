// In-memory stand-ins for the members' stores and the homeserver, for unit
// tests of the members' directory: the homeserver can hold invitations back
// (to make passes overlap), fail them on purpose and remember memberships.
import type { MemberInvitation, MemberInvitationsStore } from '../../src/store/member-invitations-store.ts';
import type { MemberRow, MembersStore } from '../../src/store/members-store.ts';

export class MemoryMembers implements MembersStore {
  readonly rows = new Map<string, MemberRow>();
  awaitingReads = 0;

  addNew(userIds: readonly string[], now: number): Promise<string[]> {
    const fresh = [...new Set(userIds)].filter((id) => !this.rows.has(id));
    fresh.forEach((userId) => this.rows.set(userId, { userId, firstSeenAt: now, invitedAt: null, leftAt: null }));
    return Promise.resolve(fresh);
  }

  get(userId: string): Promise<MemberRow | null> {
    return Promise.resolve(this.rows.get(userId) ?? null);
  }

  awaitingInvite(): Promise<string[]> {
    this.awaitingReads++;
    return Promise.resolve([...this.rows.values()].filter((r) => r.invitedAt === null && r.leftAt === null).map((r) => r.userId));
  }

  markInvited(userId: string, now: number): Promise<void> {
    const row = this.rows.get(userId);
    if (row) row.invitedAt = now;
    return Promise.resolve();
  }

  markLeft(userId: string, now: number): Promise<void> {
    const row = this.rows.get(userId);
    if (row) row.leftAt ??= now;
    return Promise.resolve();
  }

  all(): Promise<MemberRow[]> {
    return Promise.resolve([...this.rows.values()]);
  }
}

const key = (roomId: string, userId: string): string => `${roomId} ${userId}`;

export class MemoryInvitations implements MemberInvitationsStore {
  readonly rows = new Map<string, MemberInvitation>();

  of(userId: string): Promise<MemberInvitation[]> {
    return Promise.resolve([...this.rows.values()].filter((i) => i.userId === userId).map((i) => ({ ...i })));
  }

  claim(userId: string, roomId: string, now: number): Promise<void> {
    if (this.rows.has(key(roomId, userId))) return Promise.reject(new Error(`${userId}'s invitation to ${roomId} was claimed before`));
    this.rows.set(key(roomId, userId), { userId, roomId, status: 'claimed', attempts: 0, lastError: null, updatedAt: now });
    return Promise.resolve();
  }

  recordFailure(userId: string, roomId: string, reason: string, now: number): Promise<void> {
    const row = this.rows.get(key(roomId, userId));
    if (row?.status === 'claimed') Object.assign(row, { attempts: row.attempts + 1, lastError: reason, updatedAt: now });
    return Promise.resolve();
  }

  settle(userId: string, roomId: string, status: 'sent' | 'given_up', now: number, reason?: string): Promise<void> {
    const row = this.rows.get(key(roomId, userId));
    if (row) Object.assign(row, { status, lastError: reason ?? null, updatedAt: now });
    return Promise.resolve();
  }

  statusOf(roomId: string, userId: string): MemberInvitation | undefined {
    return this.rows.get(key(roomId, userId));
  }
}

/** A failure the fake homeserver gives for one invitation; `applied`: it invited the member anyway (an answer lost on the way). */
export interface ScriptedFailure {
  error: unknown;
  applied?: boolean;
}

export class FakeHomeserver {
  /** Every invitation request, as "room user", in the order they arrived. */
  readonly invites: string[] = [];
  readonly stateReads: string[] = [];
  readonly memberships = new Map<string, string>();
  readonly failures = new Map<string, ScriptedFailure[]>();
  inFlight = 0;
  maxInFlight = 0;
  private held: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private arrived: (() => void) | null = null;

  /** Holds every invitation request until the returned function is called. */
  hold(): () => void {
    this.held = new Promise((resolve) => { this.release = resolve; });
    return () => {
      this.held = null;
      this.release?.();
    };
  }

  /** Resolves when the next invitation request arrives. */
  nextInvite(): Promise<void> {
    return new Promise((resolve) => { this.arrived = resolve; });
  }

  failNext(roomId: string, userId: string, ...failures: ScriptedFailure[]): void {
    this.failures.set(key(roomId, userId), [...(this.failures.get(key(roomId, userId)) ?? []), ...failures]);
  }

  invitesOf(roomId: string, userId: string): number {
    return this.invites.filter((i) => i === key(roomId, userId)).length;
  }

  invite = async (roomId: string, userId: string): Promise<void> => {
    this.invites.push(key(roomId, userId));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.arrived?.();
    this.arrived = null;
    try {
      if (this.held) await this.held;
      const failure = this.failures.get(key(roomId, userId))?.shift();
      if (failure && !failure.applied) throw failure.error;
      this.memberships.set(key(roomId, userId), 'invite');
      if (failure) throw failure.error;
    } finally {
      this.inFlight--;
    }
  };

  getStateEvent = (roomId: string, type: string, stateKey: string): Promise<Record<string, unknown> | null> => {
    this.stateReads.push(key(roomId, stateKey));
    const membership = type === 'm.room.member' ? this.memberships.get(key(roomId, stateKey)) : undefined;
    return Promise.resolve(membership ? { membership } : null);
  };
}
