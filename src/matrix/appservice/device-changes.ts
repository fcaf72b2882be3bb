// What a transaction says about the devices of Hearth's bots, beside its
// events: to-device messages (MSC2409, under its unstable name) and device
// list changes, one-time key counts and unused fallback key types (MSC3202).
// The homeserver sends these only when its experimental flags are on and the
// registration asks for them; see docs/encryption.md.

import { isRecord, strings } from '../event.ts';

export interface DeviceChanges {
  /** Each carries `to_user_id` and `to_device_id`: which bot device it is for. */
  toDevice: Record<string, unknown>[];
  changedUsers: string[];
  leftUsers: string[];
  /** user ID → device ID → algorithm → count */
  oneTimeKeyCounts: Record<string, Record<string, Record<string, number>>>;
  /** user ID → device ID → algorithms */
  unusedFallbackKeyTypes: Record<string, Record<string, string[]>>;
  /**
   * The homeserver sent this transaction again, from its store, and so
   * without the to-device messages and device-list changes it had: Synapse
   * keeps a transaction it could not deliver as a list of events. A fresh
   * transaction always carries the one-time key counts of the application
   * service's own device; one sent again carries none.
   */
  sentAgain: boolean;
}

export const TO_DEVICE_FIELD = 'de.sorunome.msc2409.to_device';
export const DEVICE_LISTS_FIELD = 'org.matrix.msc3202.device_lists';
export const ONE_TIME_KEY_COUNTS_FIELD = 'org.matrix.msc3202.device_one_time_keys_count';
export const FALLBACK_KEYS_FIELD = 'org.matrix.msc3202.device_unused_fallback_key_types';

/** Nested records two levels deep, keeping only leaves the check accepts. */
function perDevice<T>(value: unknown, leaf: (v: unknown) => T | null): Record<string, Record<string, T>> {
  const result: Record<string, Record<string, T>> = {};
  if (!isRecord(value)) return result;
  for (const [userId, devices] of Object.entries(value)) {
    if (!isRecord(devices)) continue;
    for (const [deviceId, raw] of Object.entries(devices)) {
      const checked = leaf(raw);
      if (checked !== null) (result[userId] ??= {})[deviceId] = checked;
    }
  }
  return result;
}

/** A one-time key count (algorithm → number), keeping only numbers; null when it is no object. */
export function counts(value: unknown): Record<string, number> | null {
  if (!isRecord(value)) return null;
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}

/**
 * The device changes of a transaction body, and a list of the parts that were
 * malformed (and left out), for the log.
 */
export function readDeviceChanges(body: Record<string, unknown>): { changes: DeviceChanges; problems: string[] } {
  const problems: string[] = [];
  const rawToDevice = body[TO_DEVICE_FIELD];
  if (rawToDevice !== undefined && !Array.isArray(rawToDevice)) problems.push(`"${TO_DEVICE_FIELD}" is not a list`);
  const toDevice = (Array.isArray(rawToDevice) ? rawToDevice : []).filter((message: unknown): message is Record<string, unknown> => {
    const ok = isRecord(message) && typeof message.to_user_id === 'string' && typeof message.to_device_id === 'string' && typeof message.type === 'string';
    if (!ok) problems.push(`a to-device message without to_user_id, to_device_id or type`);
    return ok;
  });
  const lists = body[DEVICE_LISTS_FIELD];
  if (lists !== undefined && !isRecord(lists)) problems.push(`"${DEVICE_LISTS_FIELD}" is not an object`);
  return {
    changes: {
      toDevice,
      changedUsers: isRecord(lists) ? strings(lists.changed) : [],
      leftUsers: isRecord(lists) ? strings(lists.left) : [],
      oneTimeKeyCounts: perDevice(body[ONE_TIME_KEY_COUNTS_FIELD], counts),
      unusedFallbackKeyTypes: perDevice(body[FALLBACK_KEYS_FIELD], (v) => (Array.isArray(v) ? strings(v) : null)),
      sentAgain: body[ONE_TIME_KEY_COUNTS_FIELD] === undefined,
    },
    problems,
  };
}

export function isEmpty(changes: DeviceChanges): boolean {
  return !changes.sentAgain && changes.toDevice.length === 0 && changes.changedUsers.length === 0 && changes.leftUsers.length === 0 &&
    Object.keys(changes.oneTimeKeyCounts).length === 0 && Object.keys(changes.unusedFallbackKeyTypes).length === 0;
}
