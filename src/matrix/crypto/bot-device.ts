// One bot's crypto device: a Rust OlmMachine (matrix-sdk-crypto-wasm, the
// crypto Element uses) driven by Hearth. It learns of to-device messages,
// device-list changes and key counts from the homeserver's transactions
// (MSC2409, MSC3202), sends the requests the machine asks for, encrypts and
// decrypts room events, and snapshots its store to the database after every
// change, once for a burst of encryptions.
import { randomBytes } from 'node:crypto';
import {
  CollectStrategy,
  DecryptionSettings,
  DeviceId,
  DeviceLists,
  EncryptionSettings,
  HistoryVisibility,
  MegolmDecryptionError,
  DecryptionErrorCode,
  OlmMachine,
  RequestType,
  RoomId,
  StoreHandle,
  TrustRequirement,
  UserId,
  ToDeviceRequest,
  type KeysClaimRequest,
  type OutgoingRequest,
} from '@matrix-org/matrix-sdk-crypto-wasm';
import type { Logger } from '../../logging/logger.ts';
import type { CryptoDeviceRow, CryptoDevicesStore } from '../../store/crypto-devices-store.ts';
import { errorText } from '../retry.ts';
import { DeviceHttp } from './device-http.ts';
import { restoreSnapshot, takeSnapshot } from './indexeddb-snapshot.ts';
import { StepQueue } from './step-queue.ts';
import { startCrypto, wasmLogger } from './wasm.ts';

export interface BotDeviceOptions {
  homeserverUrl: string;
  asToken: string;
  userId: string;
  store: CryptoDevicesStore;
  /** 32 bytes: encrypts every value of the crypto store. */
  storeKey: Uint8Array;
  log: Logger;
  /** A fresh signal for each request: its timeout, and the stop's hard deadline. */
  requestSignal: () => AbortSignal;
  /**
   * Whether the device may read its inbox on the homeserver (`fetchMissed`).
   * Synapse refuses `/sync` to the application service's own user, the main
   * bot; the users of its namespace may.
   */
  readsInbox: boolean;
}

/** What one transaction tells one device. */
export interface DeviceUpdate {
  toDevice: readonly unknown[];
  changedUsers: readonly string[];
  leftUsers: readonly string[];
  oneTimeKeyCounts: Readonly<Record<string, number>> | null;
  unusedFallbackKeyTypes: readonly string[] | null;
}

export type Decryption =
  | { ok: true; type: string; content: Record<string, unknown> }
  | { ok: false; missingKeys: boolean; reason: string };

const DEVICE_DISPLAY_NAME = 'Hearth';

/**
 * How long a read of a device's inbox on the homeserver stays fresh. Shorter
 * than the wait between a message's tries (a second), so each try of one
 * message reads afresh.
 */
const INBOX_READ_FRESH_MS = 500;

function newDeviceId(): string {
  return `HEARTH${randomBytes(5).toString('hex').toUpperCase()}`;
}

function storeNameOf(userId: string): string {
  return `hearth-crypto:${userId}`;
}

/** Members' devices are trusted as they are: a bot has no way to verify anyone, and refusing them would lock members out. */
function encryptionSettings(): EncryptionSettings {
  const settings = new EncryptionSettings();
  settings.sharingStrategy = CollectStrategy.allDevices();
  settings.historyVisibility = HistoryVisibility.Shared;
  return settings;
}

/** The bot's device as recorded, or a new one recorded now (before the homeserver hears of it). */
async function recordedOrNewDevice(store: CryptoDevicesStore, userId: string): Promise<CryptoDeviceRow> {
  const known = await store.get(userId);
  if (known) return known;
  await store.recordDevice(userId, newDeviceId(), Date.now());
  const recorded = await store.get(userId);
  if (!recorded) throw new Error(`the crypto device of ${userId} was recorded but cannot be read back`);
  return recorded;
}

export class BotDevice {
  readonly userId: string;
  readonly deviceId: string;
  private readonly machine: OlmMachine;
  private readonly http: DeviceHttp;
  private readonly o: BotDeviceOptions;
  private lastSnapshot: Uint8Array | null;
  // The homeserver's count of this device's unused one-time keys, as last told.
  // A transaction reports it only when the bot had something happen, and the
  // machine reads a missing count as zero (and would upload keys it then
  // discards), so the last known count stands in.
  private oneTimeKeyCounts: Readonly<Record<string, number>> = {};
  // Every use of the machine is a step of this queue.
  private readonly steps = new StepQueue();
  // Where the last read of the device's inbox on the homeserver ended
  // (`fetchMissed`); null before the first. Reading from it tells the
  // homeserver to delete what came before.
  private inboxSince: string | null = null;
  // When the last read of the inbox ended (performance.now()), and how many
  // messages the reads have taken in so far.
  private inboxReadAt = -Infinity;
  private inboxTaken = 0;

  private constructor(o: BotDeviceOptions, machine: OlmMachine, http: DeviceHttp, deviceId: string, snapshot: Uint8Array | null) {
    this.o = o;
    this.userId = o.userId;
    this.deviceId = deviceId;
    this.machine = machine;
    this.http = http;
    this.lastSnapshot = snapshot;
  }

  /**
   * Opens the bot's device: the one recorded in the database, restored from
   * its snapshot, or a new one. The homeserver learns of a new device only
   * after its keys are saved here, so a crash cannot leave a device whose
   * keys are lost.
   */
  static async open(o: BotDeviceOptions): Promise<BotDevice> {
    await startCrypto();
    const row = await recordedOrNewDevice(o.store, o.userId);
    if (row.snapshot) await restoreSnapshot(row.snapshot);
    const handle = await StoreHandle.openWithKey(storeNameOf(o.userId), o.storeKey, wasmLogger(o.log));
    const machine = await OlmMachine.initFromStore(new UserId(o.userId), new DeviceId(row.deviceId), handle, wasmLogger(o.log));
    handle.free();
    const http = new DeviceHttp({ homeserverUrl: o.homeserverUrl, asToken: o.asToken, userId: o.userId, deviceId: row.deviceId, requestSignal: o.requestSignal });
    const device = new BotDevice(o, machine, http, row.deviceId, row.snapshot);
    await device.persist();
    if (!(await http.deviceExists())) {
      await http.createDevice(DEVICE_DISPLAY_NAME);
      o.log.info('created the bot\'s crypto device', { user_id: o.userId, device_id: row.deviceId });
    }
    await device.steps.run(() => device.catchUp());
    o.log.info('crypto device ready', { user_id: o.userId, device_id: row.deviceId, ed25519: device.ed25519Key });
    return device;
  }

  /**
   * Learns the homeserver's key count, uploads what is missing, makes sure of
   * the cross-signing, and marks every member's devices to be asked for again.
   */
  private async catchUp(): Promise<void> {
    // An empty upload answers with the homeserver's count of the device's one-time keys.
    this.noteKeyCounts(await this.http.callRaw('POST', '/keys/upload', '{}'));
    await this.machine.receiveSyncChanges('[]', new DeviceLists(), new Map(Object.entries(this.oneTimeKeyCounts)));
    // The device's keys go up now: a member's client needs them to write to
    // the bot. The machine's queries (its own user's devices, and everyone's
    // marked below) go with the next step that sends requests, in one query;
    // the start does not wait for them.
    await this.sendOutgoingRequests({ uploadsOnly: true });
    await this.ensureCrossSigning();
    // A device a member added while Hearth was down is news that never comes:
    // Synapse sends a failed transaction again without its device-list
    // changes. So the devices of everyone tracked are asked for afresh, in one
    // query, by the next step that sends requests (not this one: the start
    // does not wait for it).
    await this.machine.markAllTrackedUsersAsDirty();
    await this.persist();
  }

  get ed25519Key(): string {
    return this.machine.identityKeys.ed25519.toBase64();
  }

  async stop(): Promise<void> {
    await this.steps.drained();
    this.machine.close();
  }

  /**
   * Takes in what a transaction says about this device and saves the result
   * before the transaction is acknowledged: a crash before then makes the
   * homeserver send it again.
   */
  absorb(update: DeviceUpdate): Promise<void> {
    return this.steps.run(() => this.take(update));
  }

  /**
   * Marks the devices of everyone tracked to be asked for again, by the next
   * step that sends requests: a transaction the homeserver sent again lacks
   * the device-list changes it had. Not saved: a start marks them all anyway.
   */
  askForDeviceListsAgain(): Promise<void> {
    return this.steps.run(() => this.machine.markAllTrackedUsersAsDirty());
  }

  /**
   * Reads the messages the homeserver still holds for this device and takes
   * them in, for a message whose keys are missing. Synapse's pushes can miss
   * a to-device message (a transaction it sends again carries its events
   * only, and two messages stored at once can skip one), but it keeps every
   * message in the device's inbox until the device reads past it, as a
   * client's sync does. Messages taken in before are recognised and ignored
   * by the crypto. A failure is logged, and the message waits for its keys
   * as before. The main bot cannot read its inbox (see `readsInbox`) and
   * only waits. Resolves with whether anything new was taken in, so that a
   * caller tries again only when that could help.
   */
  async fetchMissed(): Promise<boolean> {
    // A read that ended moments ago answers for this one too: a flood of
    // messages nobody gave keys for costs the homeserver one read a moment.
    if (!this.o.readsInbox || performance.now() - this.inboxReadAt < INBOX_READ_FRESH_MS) return false;
    const takenBefore = this.inboxTaken;
    // Callers who ask while a fetch is queued share it: it reads everything there is when it begins.
    await this.steps.runShared('fetch', async () => {
      try {
        const taken = await this.takeInbox();
        this.inboxTaken += taken;
        if (taken > 0) this.o.log.info('took in to-device messages the homeserver had not pushed', { user_id: this.userId, count: taken });
      } catch (error) {
        this.o.log.warn('could not read the device\'s messages on the homeserver; waiting for them to be pushed', { user_id: this.userId, error: errorText(error) });
      } finally {
        this.inboxReadAt = performance.now();
      }
    });
    return this.inboxTaken > takenBefore;
  }

  /** Every page of the device's inbox from where the last read ended; how many messages they held. */
  private async takeInbox(): Promise<number> {
    let taken = 0;
    for (;;) {
      const page = await this.http.inboxPage(this.inboxSince);
      if (page.toDevice.length > 0) await this.take(page);
      taken += page.toDevice.length;
      const moved = page.nextBatch !== this.inboxSince;
      this.inboxSince = page.nextBatch;
      if (page.toDevice.length === 0 || !moved) return taken;
    }
  }

  /** One update into the machine, saved; then the requests it prompts (new one-time keys, key queries), one that fails asked for again at the next update. */
  private async take(update: DeviceUpdate): Promise<void> {
    if (update.oneTimeKeyCounts) this.oneTimeKeyCounts = update.oneTimeKeyCounts;
    const counts = new Map(Object.entries(this.oneTimeKeyCounts));
    const fallback = update.unusedFallbackKeyTypes ? new Set(update.unusedFallbackKeyTypes) : undefined;
    const lists = new DeviceLists(update.changedUsers.map((u) => new UserId(u)), update.leftUsers.map((u) => new UserId(u)));
    await this.machine.receiveSyncChanges(JSON.stringify(update.toDevice), lists, counts, fallback);
    await this.persist();
    try {
      await this.sendOutgoingRequests();
    } catch (error) {
      this.o.log.warn('a crypto request failed; it is retried at the next update', { user_id: this.userId, error: errorText(error) });
    }
    await this.persist();
  }

  /**
   * Encrypts an event for every device of the given users, sharing the room
   * key with them first. Resolves once the store that encrypted it is saved:
   * an event never leaves before the ratchet step it used, so a restart never
   * reuses one.
   */
  async encrypt(roomId: string, type: string, content: Record<string, unknown>, members: readonly string[]): Promise<Record<string, unknown>> {
    const encrypted = await this.encryptUnsaved(roomId, type, content, members);
    // Shared with the encryptions that end before the save begins: a broadcast's burst saves once, not once per copy.
    await this.steps.runShared('save', () => this.persist());
    return encrypted;
  }

  private encryptUnsaved(roomId: string, type: string, content: Record<string, unknown>, members: readonly string[]): Promise<Record<string, unknown>> {
    return this.steps.run(async () => {
      // Fresh IDs for every call: the machine takes ownership of (and frees) what it is given.
      const users = (): UserId[] => members.map((m) => new UserId(m));
      await this.machine.updateTrackedUsers(users());
      await this.sendOutgoingRequests();
      const claim = await this.machine.getMissingSessions(users());
      if (claim) await this.send(claim);
      for (const request of await this.machine.shareRoomKey(new RoomId(roomId), users(), encryptionSettings())) await this.send(request);
      return JSON.parse(await this.machine.encryptRoomEvent(new RoomId(roomId), type, JSON.stringify(content))) as Record<string, unknown>;
    });
  }

  decrypt(event: { room_id: string } & Record<string, unknown>): Promise<Decryption> {
    return this.steps.run(async () => {
      try {
        const decrypted = await this.machine.decryptRoomEvent(JSON.stringify(event), new RoomId(event.room_id), new DecryptionSettings(TrustRequirement.Untrusted));
        const clear = JSON.parse(decrypted.event) as { type?: unknown; content?: unknown };
        if (typeof clear.type !== 'string' || typeof clear.content !== 'object' || clear.content === null) {
          return { ok: false, missingKeys: false, reason: 'the decrypted payload has no type or content' };
        }
        return { ok: true, type: clear.type, content: clear.content as Record<string, unknown> };
      } catch (error) {
        if (error instanceof MegolmDecryptionError) {
          const missingKeys = error.code === DecryptionErrorCode.MissingRoomKey || error.code === DecryptionErrorCode.UnknownMessageIndex;
          return { ok: false, missingKeys, reason: error.description };
        }
        return { ok: false, missingKeys: false, reason: errorText(error) };
      }
    });
  }

  /**
   * Sends whatever the machine asks for (key uploads, queries, claims,
   * to-device messages) until it asks for nothing; with `uploadsOnly`, only
   * its key uploads, and the rest waits for the next step that sends requests
   * (the machine asks for them again until they are answered).
   */
  private async sendOutgoingRequests(options: { uploadsOnly?: boolean } = {}): Promise<void> {
    // A few rounds at most: answering one request may prompt another (a query after an upload).
    for (let round = 0; round < 4; round++) {
      const asked = await this.machine.outgoingRequests();
      const requests = options.uploadsOnly ? asked.filter((r) => r.type === RequestType.KeysUpload) : asked;
      if (requests.length === 0) return;
      // An upload carries new one-time keys: they are saved before they are sent,
      // so a key the homeserver hands out is still here after a crash. Other
      // changes are saved by the caller, once its whole step is done.
      if (requests.some((r) => r.type === RequestType.KeysUpload)) await this.persist();
      for (const request of requests) await this.send(request);
    }
  }

  private noteKeyCounts(uploadAnswer: string): void {
    const counts = (JSON.parse(uploadAnswer) as { one_time_key_counts?: Record<string, number> }).one_time_key_counts;
    if (counts) this.oneTimeKeyCounts = counts;
  }

  private async send(request: OutgoingRequest | KeysClaimRequest | ToDeviceRequest): Promise<void> {
    const response = await this.perform(request);
    if (response !== null && request.type === RequestType.KeysUpload) this.noteKeyCounts(response);
    if (response !== null && request.id) await this.machine.markRequestAsSent(request.id, request.type, response);
  }

  private perform(request: OutgoingRequest | KeysClaimRequest | ToDeviceRequest): Promise<string | null> {
    const http = this.http;
    switch (request.type) {
      case RequestType.KeysUpload: return http.callRaw('POST', '/keys/upload', request.body);
      case RequestType.KeysQuery: return http.callRaw('POST', '/keys/query', request.body);
      case RequestType.KeysClaim: return http.callRaw('POST', '/keys/claim', request.body);
      case RequestType.SignatureUpload: return http.callRaw('POST', '/keys/signatures/upload', request.body);
      case RequestType.ToDevice:
        if (!(request instanceof ToDeviceRequest)) throw new Error('a to-device request of an unexpected shape');
        return http.callRaw('PUT', `/sendToDevice/${encodeURIComponent(request.event_type)}/${encodeURIComponent(request.txn_id)}`, request.body);
      case RequestType.RoomMessage:
      case RequestType.KeysBackup:
        // Bots neither verify interactively nor back keys up to the server (see docs/encryption.md).
        this.o.log.debug('ignored a crypto request bots do not make', { type: request.type });
        return Promise.resolve(null);
    }
  }

  /**
   * Gives the bot a cross-signing identity and signs its device with it, so
   * members' clients show its messages as from a device its owner verified.
   * An application service may (re)place its users' keys without a password.
   */
  private async ensureCrossSigning(): Promise<void> {
    const status = await this.machine.crossSigningStatus();
    if (status.hasMaster && status.hasSelfSigning) return;
    const requests = await this.machine.bootstrapCrossSigning(true);
    const upload = requests.uploadKeysRequest as OutgoingRequest | undefined;
    if (upload) await this.send(upload);
    await this.http.call('POST', '/keys/device_signing/upload', requests.uploadSigningKeysRequest.body, { asDevice: false });
    await this.send(requests.uploadSignaturesRequest);
    await this.persist();
    this.o.log.info('cross-signed the bot\'s device', { user_id: this.userId, device_id: this.deviceId });
  }

  /** Saves the store when it changed. */
  private async persist(): Promise<void> {
    const snapshot = await takeSnapshot(storeNameOf(this.userId));
    if (this.lastSnapshot !== null && Buffer.from(snapshot).equals(Buffer.from(this.lastSnapshot))) return;
    await this.o.store.saveSnapshot(this.userId, snapshot, Date.now());
    this.lastSnapshot = snapshot;
  }
}
