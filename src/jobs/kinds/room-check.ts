// Room check: every managed room against its tier, one item per room, the work
// of `!reconcile`. A full pass over a community's rooms takes longer than a
// member should wait for the bot to answer anyone, so it runs here rather than
// in the inbox: the command answers at once and this report follows. Each
// repair is told in the admin room by the reconciler as it is made; the
// report at the end counts them.
import type { NotifyAdmins } from '../../community/admin-notices.ts';
import { count } from '../../text/plural.ts';
import type { JobsStore } from '../../store/jobs-store.ts';
import type { Reconciler } from '../../tiers/reconciler.ts';
import type { JobKind } from '../kind.ts';

export const ROOM_CHECK = 'room-check';

/** Who asked, and the command the report answers. */
export interface RoomCheckRequest {
  by: string;
  roomId: string;
  eventId: string;
}

export interface RoomCheckOptions {
  reconciler: Pick<Reconciler, 'reconcileRoom'>;
  store: Pick<JobsStore, 'items'>;
  notify: NotifyAdmins;
}

/** The failed rooms named in the report, at most this many. */
const NAMED_FAILURES = 5;

export function roomCheckSubject(request: RoomCheckRequest): string {
  return JSON.stringify(request);
}

/** A subject this kind did not write (or no longer can read) still names a requester: the report goes to the admin room unanswered. */
export function parseRoomCheckSubject(subject: string): RoomCheckRequest {
  try {
    const parsed = JSON.parse(subject) as Partial<RoomCheckRequest>;
    if (typeof parsed.by === 'string' && typeof parsed.roomId === 'string' && typeof parsed.eventId === 'string') {
      return { by: parsed.by, roomId: parsed.roomId, eventId: parsed.eventId };
    }
  } catch {
    // Not JSON: handled below, like JSON of another shape.
  }
  return { by: subject, roomId: '', eventId: '' };
}

export function roomCheckKind(o: RoomCheckOptions): JobKind {
  return {
    name: ROOM_CHECK,
    // A maintenance pass: one room at a time keeps the homeserver free for members.
    concurrency: 1,
    itemDelayMs: 0,
    open: (job) => {
      const request = parseRoomCheckSubject(job.subject);
      return Promise.resolve({
        async runItem({ key: roomId }) {
          const repairs = await o.reconciler.reconcileRoom(roomId, { kind: 'request', by: request.by });
          return String(repairs.length);
        },
        async finished(counts) {
          const repairs = (await o.store.items(job.id, 'done')).reduce((sum, item) => sum + (Number(item.note) || 0), 0);
          const failed = counts.failed > 0 ? await o.store.items(job.id, 'failed') : [];
          await o.notify(roomCheckReport(counts.total, repairs, failed.map((item) => `${item.key}: ${item.lastError ?? 'no reason recorded'}`)), { replyTo: request });
        },
      });
    },
  };
}

export function roomCheckReport(rooms: number, repairs: number, failures: readonly string[]): string {
  const outcome = repairs === 0 ? 'every room is as its tier says' : `made ${count(repairs, 'repair')}, each reported above`;
  const named = failures.slice(0, NAMED_FAILURES).join('; ');
  const more = failures.length > NAMED_FAILURES ? `; and ${failures.length - NAMED_FAILURES} more in the log` : '';
  const failedPart = failures.length === 0 ? '' : ` ${count(failures.length, 'room')} could not be checked (${named}${more}); say !reconcile again to retry.`;
  return `Checked ${count(rooms - failures.length, 'room')}: ${outcome}.${failedPart}`;
}
