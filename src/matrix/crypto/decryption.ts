// Opens encrypted events before they reach the domains: an m.room.encrypted
// event becomes the event it carries. Keys travel separately from messages
// (to-device messages, pushed in the homeserver's transactions), so for a
// message whose keys are missing the devices first read what the homeserver
// holds for them, then the message is tried again for a while; after that it
// becomes an `undecryptable` event, which the conversation answers so that
// the member knows to resend.
import type { MatrixEvent } from '../event.ts';
import { DeferEvent, type Delivery } from '../inbox/router.ts';
import type { BotDevice, Decryption } from './bot-device.ts';

import { UNDECRYPTABLE, WAS_ENCRYPTED } from './event-types.ts';

type DecryptingDevice = Pick<BotDevice, 'decrypt' | 'fetchMissed'>;
type Failure = Extract<Decryption, { ok: false }>;

export interface DecryptionOptions {
  devices: readonly DecryptingDevice[];
  isOwnBot: (userId: string) => boolean;
  /** How many one-second waits for missing keys before giving up. */
  keyWaitAttempts: number;
}

const KEY_WAIT_STEP_MS = 1_000;

/** The event to route, or null when there is nothing to route (a bot's own message). */
export function decryptionStage(o: DecryptionOptions) {
  return async (event: MatrixEvent, delivery: Delivery): Promise<MatrixEvent | null> => {
    if (event.type !== 'm.room.encrypted') return event;
    if (o.isOwnBot(event.sender)) return null;
    const payload = event as unknown as { room_id: string } & Record<string, unknown>;
    const failures = new Map<DecryptingDevice, Failure>();
    for (const device of o.devices) {
      const result = await device.decrypt(payload);
      if (result.ok) return opened(event, result);
      failures.set(device, result);
    }
    // The keys may be waiting on the homeserver, in a push that never came.
    for (const [device, failure] of failures) {
      if (!failure.missingKeys || !(await device.fetchMissed())) continue;
      const result = await device.decrypt(payload);
      if (result.ok) return opened(event, result);
      failures.set(device, result);
    }
    const missingKeys = [...failures.values()].some((f) => f.missingKeys);
    if (missingKeys && delivery.attempt <= o.keyWaitAttempts) {
      throw new DeferEvent(KEY_WAIT_STEP_MS, 'waiting for the keys of an encrypted message');
    }
    const reason = [...failures.values()].map((f) => f.reason).find((r) => r !== '') ?? 'no bot device could decrypt it';
    return { ...event, type: UNDECRYPTABLE, content: { reason, missing_keys: missingKeys } };
  };
}

function opened(event: MatrixEvent, result: Extract<Decryption, { ok: true }>): MatrixEvent {
  return { ...event, type: result.type, content: result.content, unsigned: { ...event.unsigned, [WAS_ENCRYPTED]: true } };
}
