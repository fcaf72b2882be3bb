// PUT /transactions/{txnId}: record, then acknowledge. The 200 is sent only
// after the events and the txnId are committed together, so a crash before the
// commit makes the homeserver retry, and a retry after it is a no-op. What the
// transaction says about the bots' devices is taken in (and saved) first, so
// the keys of a message are known before the message is handled.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, Response } from 'express';
import type { Logger } from '../../logging/logger.ts';
import type { IncomingEvent, InboxStore } from '../../store/inbox-store.ts';
import { checkEvent } from '../event.ts';
import { sendMatrixError } from './errors.ts';
import { isEmpty, readDeviceChanges, type DeviceChanges } from './device-changes.ts';
import { ackFaultsFromEnvironment, type AckFaults } from './fault-hook.ts';
import { OutageLog } from '../../logging/outage.ts';

export interface TransactionHandlerOptions {
  inbox: InboxStore;
  log: Logger;
  onRecorded: () => void;
  now: () => number;
  /** Takes in the transaction's device changes; without it (encryption off) they are ignored. */
  absorbDeviceChanges?: ((changes: DeviceChanges) => Promise<void>) | undefined;
  /** The fault suite's crash points; by default what the environment asks for, which outside the testbed is nothing. */
  faults?: AckFaults | null;
  /** How long a transaction that cannot be recorded waits for the database before it is answered 5xx (`appservice.transaction_hold_seconds`); 0 by default. */
  holdMs?: number | undefined;
  /** How often a held transaction tries again. */
  holdRetryMs?: number | undefined;
  /** False once Hearth is stopping: a held transaction is then answered at once. */
  accepting?: (() => boolean) | undefined;
}

const HOLD_RETRY_MS = 1_000;

/**
 * The JSON text to store, or null for a value nested deeper than
 * JSON.stringify's stack allows (thousands of levels; the homeserver's own
 * parser refuses far less). JSON.parse takes such a body, so without this
 * one event would fail its whole transaction, which would then be resent forever.
 */
function storable(value: unknown): string | null {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

const TOO_DEEP = 'nested too deeply to be stored';

function toIncoming(raw: unknown): IncomingEvent {
  const checked = checkEvent(raw);
  const json = storable(raw);
  if (checked.ok && json !== null) {
    const e = checked.event;
    return { eventId: e.event_id, roomId: e.room_id, type: e.type, sender: e.sender, json };
  }
  const kept = json ?? JSON.stringify({ unstored: TOO_DEEP });
  return {
    // Named by its content, not its place: txnIds are reused after a homeserver restart.
    eventId: `invalid:${createHash('sha256').update(kept).digest('hex').slice(0, 32)}`,
    roomId: null,
    type: null,
    sender: null,
    json: kept,
    rejection: checked.ok ? TOO_DEEP : checked.reason,
  };
}

/** How many of a transaction's malformed events its log line names. */
const LOGGED_REJECTIONS = 3;

export function handleTransaction(options: TransactionHandlerOptions) {
  const faults = options.faults === undefined ? ackFaultsFromEnvironment() : options.faults;
  // A transaction held while the database is out tries again and again, and
  // so does the homeserver with one refused: the outage is logged when it
  // starts and when it ends.
  const outage = new OutageLog(options.log, 'recording the homeserver\'s transactions');
  return async (req: Request<{ txnId: string }>, res: Response): Promise<void> => {
    const { txnId } = req.params;
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || !Array.isArray((body as { events?: unknown }).events)) {
      sendMatrixError(res, 400, 'M_BAD_JSON', 'a transaction must be a JSON object with an "events" array');
      return;
    }
    const events = ((body as { events: unknown[] }).events).map(toIncoming);
    const rejected = events.filter((e) => e.rejection);
    // One line per transaction, however many events it holds: each one is kept, with its reason, in the inbox.
    if (rejected.length > 0) {
      const first = rejected.slice(0, LOGGED_REJECTIONS).map((e) => ({ event_id: e.eventId, reason: e.rejection }));
      options.log.warn('set aside malformed events', { txn_id: txnId, count: rejected.length, first });
    }
    let changes: DeviceChanges | null = null;
    if (options.absorbDeviceChanges) {
      const read = readDeviceChanges(body as Record<string, unknown>);
      for (const problem of read.problems) options.log.warn('left out a malformed part of a transaction', { txn_id: txnId, problem });
      if (!isEmpty(read.changes)) changes = read.changes;
    }
    const record = async (): Promise<'recorded' | 'duplicate'> => {
      // Taken in until that works once; a later try only records.
      if (changes && options.absorbDeviceChanges) {
        await options.absorbDeviceChanges(changes);
        changes = null;
      }
      return options.inbox.recordTransaction(txnId, events, options.now());
    };
    let outcome: 'recorded' | 'duplicate';
    try {
      outcome = await recordHolding(record, options, (error) => { outage.failed(error, { txn_id: txnId }); });
    } catch {
      // Each failed try was logged by the outage log, as it happened.
      sendMatrixError(res, 500, 'M_UNKNOWN', 'Hearth could not record this transaction; retry later');
      return;
    }
    outage.succeeded({ txn_id: txnId });
    options.log.debug('transaction received', { txn_id: txnId, events: events.length, outcome });
    faults?.at('before-answer', events);
    // 'finish': the answer has left for the homeserver, so a crash now comes after it.
    if (faults) res.on('finish', () => { faults.at('after-answer', events); });
    res.status(200).json({});
    if (outcome === 'recorded') options.onRecorded();
  };
}

/**
 * Records, trying again while the hold lasts. A transaction answered 5xx is
 * one the homeserver sends again later from its store, without the to-device
 * messages and device-list changes it carried (see docs/encryption.md), and
 * Synapse holds back everything after it meanwhile. Kept waiting instead,
 * within the minute Synapse gives an answer, it loses nothing to a database
 * that restarts. Rejects with the last failure once the hold is over, or at
 * once when Hearth begins to stop.
 */
async function recordHolding<T>(record: () => Promise<T>, options: TransactionHandlerOptions, failed: (error: unknown) => void): Promise<T> {
  const heldUntil = options.now() + (options.holdMs ?? 0);
  const retryMs = options.holdRetryMs ?? HOLD_RETRY_MS;
  for (;;) {
    try {
      return await record();
    } catch (error) {
      failed(error);
      if (options.now() + retryMs >= heldUntil || options.accepting?.() === false) throw error;
      await sleep(retryMs);
    }
  }
}
