// The shape of a client event as the homeserver pushes it to an application
// service, and the check that decides whether a pushed object is one.

export interface MatrixEvent {
  event_id: string;
  room_id: string;
  type: string;
  sender: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  state_key?: string;
  unsigned?: Record<string, unknown>;
}

export type EventCheck = { ok: true; event: MatrixEvent } | { ok: false; reason: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The strings of a list; anything else in it, or a value that is no list, gives nothing. */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const REQUIRED_STRINGS = ['event_id', 'room_id', 'type', 'sender'] as const;
/**
 * The Matrix spec and Synapse cap identifiers and event types at 255 bytes,
 * and the inbox stores them in columns of that size: a longer one would fail
 * the whole transaction on PostgreSQL, which the homeserver would then resend
 * forever. Such an event is malformed, and set aside like any other.
 */
const MAX_IDENTIFIER_BYTES = 255;

export function checkEvent(value: unknown): EventCheck {
  if (!isRecord(value)) return { ok: false, reason: 'an event must be a JSON object' };
  for (const key of REQUIRED_STRINGS) {
    const field = value[key];
    if (typeof field !== 'string' || field === '') return { ok: false, reason: `"${key}" must be a non-empty string` };
    if (Buffer.byteLength(field) > MAX_IDENTIFIER_BYTES) return { ok: false, reason: `"${key}" is longer than ${MAX_IDENTIFIER_BYTES} bytes` };
  }
  if (!isRecord(value.content)) return { ok: false, reason: '"content" must be an object' };
  if ('state_key' in value && typeof value.state_key !== 'string') return { ok: false, reason: '"state_key" must be a string when present' };
  // An integer, as in canonical JSON: a float or 1e308 would fail every write of it, and the retries would last hours.
  if (!Number.isSafeInteger(value.origin_server_ts)) return { ok: false, reason: '"origin_server_ts" must be an integer' };
  return { ok: true, event: value as unknown as MatrixEvent };
}

export function serverNameOf(userId: string): string {
  return userId.slice(userId.indexOf(':') + 1);
}
