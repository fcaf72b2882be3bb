import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DeviceId, OlmMachine, StoreHandle, UserId } from '@matrix-org/matrix-sdk-crypto-wasm';
import { isEmpty, readDeviceChanges } from '../../src/matrix/appservice/device-changes.ts';
import type { Decryption } from '../../src/matrix/crypto/bot-device.ts';
import { decryptionStage } from '../../src/matrix/crypto/decryption.ts';
import { readInboxPage } from '../../src/matrix/crypto/device-http.ts';
import { UNDECRYPTABLE, WAS_ENCRYPTED } from '../../src/matrix/crypto/event-types.ts';
import { restoreSnapshot, takeSnapshot } from '../../src/matrix/crypto/indexeddb-snapshot.ts';
import { EncryptionSwitch } from '../../src/matrix/crypto/switch.ts';
import { startCrypto } from '../../src/matrix/crypto/wasm.ts';
import type { MatrixEvent } from '../../src/matrix/event.ts';
import { DeferEvent } from '../../src/matrix/inbox/router.ts';

const encrypted: MatrixEvent = {
  event_id: '$e', room_id: '!dm:camp.test', type: 'm.room.encrypted', sender: '@alice:camp.test', origin_server_ts: 1,
  content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'x', session_id: 's' },
};

function deviceAnswering(answer: Decryption): { decrypt: () => Promise<Decryption>; fetchMissed: () => Promise<boolean> } {
  return { decrypt: () => Promise.resolve(answer), fetchMissed: () => Promise.resolve(false) };
}

/** A device whose keys wait in its inbox on the homeserver: it decrypts once it has read them. */
function deviceWithKeysOnTheHomeserver(): { decrypt: () => Promise<Decryption>; fetchMissed: () => Promise<boolean>; fetches: number } {
  const device = {
    fetches: 0,
    decrypt: () => Promise.resolve<Decryption>(device.fetches > 0 ? { ok: true, type: 'm.room.message', content: { body: '!tier' } } : { ok: false, missingKeys: true, reason: 'no room key' }),
    fetchMissed: () => { device.fetches++; return Promise.resolve(true); },
  };
  return device;
}

describe('reading a page of a bot device\'s inbox on the homeserver', () => {
  it('takes its to-device messages, device lists, key counts and where the next page begins', () => {
    const page = readInboxPage(JSON.stringify({
      next_batch: 's72_0',
      to_device: { events: [{ type: 'm.room.encrypted', sender: '@alice:camp.test', content: {} }] },
      device_lists: { changed: ['@alice:camp.test', 7], left: [] },
      device_one_time_keys_count: { signed_curve25519: 49 },
      device_unused_fallback_key_types: ['signed_curve25519'],
    }));
    assert.equal(page.nextBatch, 's72_0');
    assert.equal(page.toDevice.length, 1);
    assert.deepEqual(page.changedUsers, ['@alice:camp.test']);
    assert.deepEqual(page.oneTimeKeyCounts, { signed_curve25519: 49 });
    assert.deepEqual(page.unusedFallbackKeyTypes, ['signed_curve25519']);
  });

  it('a page with nothing in it reads as empty, and an answer without next_batch is refused by name', () => {
    assert.deepEqual(readInboxPage('{"next_batch":"s1"}').toDevice, []);
    assert.throws(() => readInboxPage('{"to_device":{"events":[]}}'), /no next_batch/);
    assert.throws(() => readInboxPage('null'), /no next_batch/);
  });
});

describe('reading a transaction\'s device changes', () => {
  it('takes to-device messages for a device, device lists and key counts', () => {
    const { changes, problems } = readDeviceChanges({
      events: [],
      'de.sorunome.msc2409.to_device': [{ type: 'm.room.encrypted', sender: '@a:camp.test', to_user_id: '@hearth:camp.test', to_device_id: 'D', content: {} }],
      'org.matrix.msc3202.device_lists': { changed: ['@a:camp.test'], left: ['@b:hood.test'] },
      'org.matrix.msc3202.device_one_time_keys_count': { '@hearth:camp.test': { D: { signed_curve25519: 50 } } },
      'org.matrix.msc3202.device_unused_fallback_key_types': { '@hearth:camp.test': { D: ['signed_curve25519'] } },
    });
    assert.deepEqual(problems, []);
    assert.equal(changes.toDevice.length, 1);
    assert.deepEqual(changes.changedUsers, ['@a:camp.test']);
    assert.deepEqual(changes.leftUsers, ['@b:hood.test']);
    assert.deepEqual(changes.oneTimeKeyCounts, { '@hearth:camp.test': { D: { signed_curve25519: 50 } } });
    assert.deepEqual(changes.unusedFallbackKeyTypes, { '@hearth:camp.test': { D: ['signed_curve25519'] } });
    assert.equal(changes.sentAgain, false);
  });

  it('a transaction without one-time key counts is one the homeserver sent again, which is never nothing to take in', () => {
    // Synapse rebuilds a transaction it failed to deliver from its events alone.
    const resent = readDeviceChanges({ events: [] }).changes;
    assert.equal(resent.sentAgain, true);
    assert.equal(isEmpty(resent), false);
    const fresh = readDeviceChanges({ events: [], 'org.matrix.msc3202.device_one_time_keys_count': { '@hearth:camp.test': { D: {} } } }).changes;
    assert.equal(fresh.sentAgain, false);
    assert.equal(isEmpty(fresh), false);
    assert.equal(isEmpty({ ...fresh, oneTimeKeyCounts: {} }), true);
  });

  it('leaves out malformed parts and names them, keeping the rest', () => {
    const { changes, problems } = readDeviceChanges({
      'de.sorunome.msc2409.to_device': [{ type: 'm.dummy' }, { type: 'm.dummy', to_user_id: '@hearth:camp.test', to_device_id: 'D' }],
      'org.matrix.msc3202.device_lists': 'everyone',
    });
    assert.equal(changes.toDevice.length, 1);
    assert.deepEqual(problems, ['a to-device message without to_user_id, to_device_id or type', '"org.matrix.msc3202.device_lists" is not an object']);
  });
});

describe('opening encrypted events', () => {
  const stage = (answers: Decryption[]) => decryptionStage({
    devices: answers.map(deviceAnswering),
    isOwnBot: (userId) => userId.startsWith('@hearth'),
    keyWaitAttempts: 3,
  });

  it('routes the event an encrypted event carries, marked as having arrived encrypted', async () => {
    const opened = await stage([{ ok: false, missingKeys: true, reason: 'not in that room' }, { ok: true, type: 'm.room.message', content: { body: '!help' } }])(encrypted, { attempt: 1 });
    assert.ok(opened);
    assert.equal(opened.type, 'm.room.message');
    assert.deepEqual(opened.content, { body: '!help' });
    assert.equal(opened.unsigned?.[WAS_ENCRYPTED], true);
  });

  it('waits for missing keys a few times, then turns the event into an undecryptable one', async () => {
    const missing = stage([{ ok: false, missingKeys: true, reason: 'no room key' }]);
    await assert.rejects(missing(encrypted, { attempt: 3 }), DeferEvent);
    const given = await missing(encrypted, { attempt: 4 });
    assert.ok(given);
    assert.equal(given.type, UNDECRYPTABLE);
    assert.deepEqual(given.content, { reason: 'no room key', missing_keys: true });
  });

  it('reads a device\'s messages on the homeserver when keys are missing, and opens the event with the keys found there', async () => {
    const device = deviceWithKeysOnTheHomeserver();
    const opened = await decryptionStage({ devices: [device], isOwnBot: () => false, keyWaitAttempts: 3 })(encrypted, { attempt: 1 });
    assert.equal(opened?.type, 'm.room.message');
    assert.equal(device.fetches, 1);
  });

  it('reads nothing from the homeserver when a device can open the event', async () => {
    const lost = deviceWithKeysOnTheHomeserver();
    const holder = deviceAnswering({ ok: true, type: 'm.room.message', content: { body: 'hi' } });
    const opened = await decryptionStage({ devices: [lost, holder], isOwnBot: () => false, keyWaitAttempts: 3 })(encrypted, { attempt: 1 });
    assert.deepEqual(opened?.content, { body: 'hi' });
    assert.equal(lost.fetches, 0);
  });

  it('gives up at once on a message that can never be decrypted', async () => {
    const broken = await stage([{ ok: false, missingKeys: false, reason: 'bad MAC' }])(encrypted, { attempt: 1 });
    assert.equal(broken?.type, UNDECRYPTABLE);
  });

  it('passes other events through and drops the bots\' own encrypted messages', async () => {
    const plain = { ...encrypted, type: 'm.room.message', content: { body: 'hi' } };
    assert.equal(await stage([])(plain, { attempt: 1 }), plain);
    assert.equal(await stage([])({ ...encrypted, sender: '@hearth_bugle:camp.test' }, { attempt: 1 }), null);
  });
});

describe('encryption switched off', () => {
  it('passes events through unopened, seals nothing and ignores device changes', async () => {
    const off = new EncryptionSwitch(false);
    assert.equal(await off.open(encrypted, { attempt: 1 }), encrypted);
    assert.equal(off.sealing.sealer, null);
    assert.equal(off.absorbDeviceChanges, undefined);
  });
});

describe('the crypto store snapshot', () => {
  it('brings a device back with the same identity keys after its store is gone', async () => {
    await startCrypto();
    const name = `hearth-crypto:test-${randomBytes(4).toString('hex')}`;
    const key = randomBytes(32);
    const open = async (): Promise<OlmMachine> => {
      const handle = await StoreHandle.openWithKey(name, key);
      const machine = await OlmMachine.initFromStore(new UserId('@hearth:camp.test'), new DeviceId('HEARTHTEST'), handle);
      handle.free();
      return machine;
    };
    const first = await open();
    const identity = first.identityKeys.curve25519.toBase64();
    first.close();
    const snapshot = await takeSnapshot(name);
    // Stands for a new process: the in-memory databases are replaced by the snapshot's.
    await restoreSnapshot(snapshot);
    const second = await open();
    assert.equal(second.identityKeys.curve25519.toBase64(), identity);
    second.close();
    assert.ok(snapshot.byteLength > 0);
  });

  it('refuses bytes that are not a snapshot, saying so', async () => {
    const { serialize } = await import('node:v8');
    await assert.rejects(restoreSnapshot(new Uint8Array(serialize({ format: 99 }))), /not in a format this Hearth knows/);
  });
});
