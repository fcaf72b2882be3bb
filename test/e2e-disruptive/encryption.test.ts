// Members talk to Hearth's bots in end-to-end encrypted rooms, with the same
// crypto stack Element uses (matrix-js-sdk's Rust crypto). These tests restart
// camp's Hearth, so they run after the shared suite, one at a time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startHearth, stopHearth } from '../../testbed/testbed.ts';
import { CryptoMember } from '../support/crypto-member.ts';
import { markLog } from '../support/hearth-log.ts';
import { homeserverHoldsHearthDown } from '../support/homeserver-state.ts';
import { botByHand, botOf, hearthSql, roomIdIn, setHearthConfig } from '../support/hearth.ts';
import { Member, server, waitFor } from '../support/member.ts';
import { startPostgres, stopPostgres } from '../support/postgres-control.ts';

const CAMP = 'camp.test';
const BUGLE = '@hearth_bugle:camp.test';
/** How the listener names what fails while the database is out (src/matrix/appservice/transactions.ts). */
const RECORDING = 'recording the homeserver\'s transactions';

interface DeviceIdentity {
  deviceId: string;
  ed25519: string;
}

async function recordedDevice(userId: string): Promise<string> {
  const [row] = await hearthSql<{ device_id: string }>(CAMP, 'select device_id from crypto_devices where user_id = ?', [userId]);
  if (!row) throw new Error(`camp's Hearth has no crypto device for ${userId}`);
  return row.device_id;
}

/** The bot's device as a member's client sees it: its ID and identity key, and whether its owner signed it. */
async function deviceAsSeenBy(member: CryptoMember, userId: string): Promise<DeviceIdentity & { signedByOwner: boolean }> {
  const crypto = member.client.getCrypto();
  if (!crypto) throw new Error('the member\'s client has no crypto');
  const deviceId = await recordedDevice(userId);
  const devices = await crypto.getUserDeviceInfo([userId], true);
  const device = devices.get(userId)?.get(deviceId);
  if (!device) throw new Error(`${member.userId}'s client does not know ${userId}'s device ${deviceId}`);
  const status = await crypto.getDeviceVerificationStatus(userId, deviceId);
  return { deviceId, ed25519: device.getFingerprint() ?? '', signedByOwner: status?.signedByOwner ?? false };
}

/** The text of a message once another device of its reader decrypts it. */
async function decryptedOn(device: CryptoMember, roomId: string, eventId: string): Promise<string> {
  const seen = await waitFor(`${device.userId}'s device ${device.deviceId} to decrypt ${eventId}`, async () => {
    const found = (await device.messages(roomId)).find((m) => m.eventId === eventId);
    return found && found.decryptionFailure === null ? found : null;
  }, 30_000);
  return seen.body;
}

async function restartCamp(settings: readonly [readonly string[], unknown][]): Promise<void> {
  await stopHearth(CAMP);
  setHearthConfig(CAMP, settings);
  await startHearth(CAMP);
}

async function ask(member: CryptoMember, roomId: string, bot: string, command: string, expected: RegExp, timeoutMs?: number): Promise<string> {
  const seenBefore = new Set((await member.messages(roomId)).map((m) => m.eventId));
  await member.send(roomId, command);
  const reply = await member.waitForMessage(roomId, bot, (body) => expected.test(body), `${bot}'s encrypted answer to ${command}`, timeoutMs, seenBefore);
  assert.equal(reply.encrypted, true, `the answer to ${command} is encrypted`);
  return reply.body;
}

describe('encrypted rooms with Hearth\'s bots', () => {
  let alice: CryptoMember;
  let bob: CryptoMember;
  let bot: string;
  let aliceWithBot: string;

  before(async () => {
    // As shipped: the DMs the bots open are encrypted (the testbed turns this off for the plain-client tests).
    setHearthConfig(CAMP, [[['encryption', 'encrypt_direct_messages'], true]]);
    await stopHearth(CAMP);
    await startHearth(CAMP);
    bot = botOf(CAMP);
    [alice, bob] = await Promise.all([CryptoMember.register(CAMP, 'enc-alice'), CryptoMember.register(CAMP, 'enc-bob')]);
    aliceWithBot = await alice.openEncryptedDm(bot);
  });

  after(() => {
    alice.stop();
    bob.stop();
    // Back to the testbed's setting at camp's next start.
    setHearthConfig(CAMP, [[['encryption', 'encrypt_direct_messages'], false]]);
  });

  it('a member who sends !help in an encrypted DM decrypts the bot\'s encrypted answer', async () => {
    const answer = await ask(alice, aliceWithBot, bot, '!help', /!room create/);
    assert.match(answer, /!bugle/);
  });

  it('a broadcast sent from an encrypted DM with the Bugle reaches another member encrypted, and they can read it', async () => {
    const aliceWithBugle = await alice.openEncryptedDm(BUGLE);
    const text = `Encrypted potluck ${randomBytes(3).toString('hex')} on Sunday`;
    await ask(alice, aliceWithBugle, BUGLE, `!bugle ${text}`, /^This will go to \d+ members? by DM/);
    await ask(alice, aliceWithBugle, BUGLE, '!bugle send', /^Sending to \d+ members?\./);
    const bobsRoom = await waitFor('the Bugle to invite bob to his DM', async () => {
      const [row] = await hearthSql<{ room_id: string | null }>(CAMP, 'select room_id from direct_rooms where bot_user_id = ? and user_id = ?', [BUGLE, bob.userId]);
      return row?.room_id ?? null;
    }, 120_000);
    await waitFor('bob\'s client to see the invitation', async () => (await bob.acceptInvitesFrom(BUGLE)).includes(bobsRoom) || bob.client.getRoom(bobsRoom)?.getMyMembership() === 'join');
    const received = await bob.waitForMessage(bobsRoom, BUGLE, (body) => body.includes(text), 'bob to decrypt the broadcast', 120_000);
    assert.equal(received.encrypted, true, 'the broadcast was sent encrypted');
    assert.equal(await bob.client.getCrypto()?.isEncryptionEnabledInRoom(bobsRoom), true, 'the DM the Bugle opened is encrypted');
    await alice.waitForMessage(aliceWithBugle, BUGLE, (body) => /delivered/i.test(body), 'alice\'s delivery report', 120_000);
  });

  it('the bots\' devices are cross-signed by their owners, so Element shows no unverified-device warning', async () => {
    // Alice shares a DM with each bot by now, so her client tracks both bots' keys.
    for (const userId of [bot, BUGLE]) {
      const device = await waitFor(`${userId}'s device to show as signed by its owner`, async () => {
        const seen = await deviceAsSeenBy(alice, userId);
        return seen.signedByOwner ? seen : null;
      });
      assert.equal(device.signedByOwner, true);
    }
  });

  it('after a restart the bots keep their devices and identity keys, and a command sent while Hearth was down is answered', async () => {
    const before = await Promise.all([bot, BUGLE].map((userId) => deviceAsSeenBy(alice, userId)));
    await stopHearth(CAMP);
    // Sent to the device that is about to come back: its keys must survive the restart.
    await alice.send(aliceWithBot, '!tier');
    await startHearth(CAMP);
    const after = await Promise.all([bot, BUGLE].map((userId) => deviceAsSeenBy(alice, userId)));
    assert.deepEqual(after.map(({ deviceId, ed25519 }) => ({ deviceId, ed25519 })), before.map(({ deviceId, ed25519 }) => ({ deviceId, ed25519 })));
    await alice.waitForMessage(aliceWithBot, bot, (body) => /not one of the community's rooms/.test(body), 'the answer to the command sent while Hearth was down', 60_000);
    await ask(alice, aliceWithBot, bot, '!help', /!room create/);
  });

  it('a room key sent to the Bugle while Hearth is down still opens the message it came with', async () => {
    const aliceWithBugle = await alice.openEncryptedDm(BUGLE);
    await ask(alice, aliceWithBugle, BUGLE, '!bugle cancel', /no draft to discard/);
    const seenBefore = new Set((await alice.messages(aliceWithBugle)).map((m) => m.eventId));
    await stopHearth(CAMP);
    // A new room key, sent while Hearth is down. Synapse sends a failed
    // transaction again with its events only: the key is never pushed, and
    // waits in the Bugle's inbox on the homeserver.
    await alice.client.getCrypto()?.forceDiscardSession(aliceWithBugle);
    await alice.send(aliceWithBugle, '!bugle cancel');
    await startHearth(CAMP);
    const answer = await alice.waitForMessage(aliceWithBugle, BUGLE, (body) => /no draft to discard|couldn't decrypt/.test(body), 'the Bugle\'s answer to a command whose room key came while Hearth was down', 60_000, seenBefore);
    assert.match(answer.body, /no draft to discard/);
  });

  it('a device a member adds while Hearth is down can read the bot\'s next answer', async () => {
    await stopHearth(CAMP);
    // Synapse sends a failed transaction again without its device-list
    // changes: Hearth is never told of this device.
    const alicesPhone = await alice.anotherDevice();
    try {
      await startHearth(CAMP);
      const seenBefore = new Set((await alice.messages(aliceWithBot)).map((m) => m.eventId));
      await alice.send(aliceWithBot, '!tier');
      const answer = await alice.waitForMessage(aliceWithBot, bot, (body) => /not one of the community's rooms/.test(body), 'the bot\'s answer after the restart', 60_000, seenBefore);
      assert.match(await decryptedOn(alicesPhone, aliceWithBot, answer.eventId), /not one of the community's rooms/);
    } finally {
      alicesPhone.stop();
    }
  });

  it('a room key and a device that come while Hearth\'s database restarts are not lost: the transaction waits for the database', async () => {
    await ask(alice, aliceWithBot, bot, '!tier', /not one of the community's rooms/);
    const seenBefore = new Set((await alice.messages(aliceWithBot)).map((m) => m.eventId));
    const log = markLog(CAMP);
    await stopPostgres();
    const alicesPhone = await (async () => {
      try {
        const phone = await alice.anotherDevice();
        await waitFor('alice\'s first device to see her phone\'s keys', async () => (await alice.client.getCrypto()?.getUserDeviceInfo([alice.userId], true))?.get(alice.userId)?.has(phone.deviceId));
        await waitFor('Hearth to hold a transaction it cannot record', () => Promise.resolve(log.lines().some((line) => line.msg.startsWith(`${RECORDING} is failing`))));
        // A new room key for the main bot, which cannot read its inbox: only the push brings it.
        await alice.client.getCrypto()?.forceDiscardSession(aliceWithBot);
        await alice.send(aliceWithBot, '!tier');
        assert.equal(homeserverHoldsHearthDown(CAMP), false, 'the homeserver holds Hearth down: a transaction was answered 5xx');
        return phone;
      } finally {
        await startPostgres();
      }
    })();
    try {
      const answer = await alice.waitForMessage(aliceWithBot, bot, (body) => /not one of the community's rooms|couldn't decrypt/.test(body), 'the bot\'s answer once the database is back', 120_000, seenBefore);
      assert.match(answer.body, /not one of the community's rooms/);
      assert.match(await decryptedOn(alicesPhone, aliceWithBot, answer.eventId), /not one of the community's rooms/);
    } finally {
      alicesPhone.stop();
    }
  });

  it('a device a member adds while Hearth\'s database is out longer than the hold can read the bot\'s answer to what she sent meanwhile', async () => {
    // No hold: the outage outlasts it, as a long one would.
    await restartCamp([[['appservice', 'transaction_hold_seconds'], 0]]);
    try {
      // The bot already holds the room key of alice's messages: the main bot
      // cannot read its inbox, so a key sent while it is held down is lost.
      await ask(alice, aliceWithBot, bot, '!tier', /not one of the community's rooms/);
      const seenBefore = new Set((await alice.messages(aliceWithBot)).map((m) => m.eventId));
      await stopPostgres();
      const alicesPhone = await (async () => {
        try {
          await alice.send(aliceWithBot, '!tier');
          // Hearth refuses that transaction: from then on the homeserver stores
          // what it has for Hearth, and sends it again without its device-list
          // changes once Hearth answers.
          await waitFor('the homeserver to hold Hearth down', () => Promise.resolve(homeserverHoldsHearthDown(CAMP)), 30_000);
          return await alice.anotherDevice();
        } finally {
          await startPostgres();
        }
      })();
      try {
        const answer = await alice.waitForMessage(aliceWithBot, bot, (body) => /not one of the community's rooms/.test(body), 'the bot\'s answer once the database is back', 120_000, seenBefore);
        assert.match(await decryptedOn(alicesPhone, aliceWithBot, answer.eventId), /not one of the community's rooms/);
      } finally {
        alicesPhone.stop();
      }
    } finally {
      await restartCamp([[['appservice', 'transaction_hold_seconds'], undefined]]);
    }
  });

  it('a message the bot cannot decrypt gets a visible answer asking to resend it', async () => {
    // A Megolm message from a session the bot was never given.
    const raw = new Member(server(CAMP), alice.userId, alice.client.getAccessToken() ?? '');
    const content = {
      algorithm: 'm.megolm.v1.aes-sha2',
      sender_key: 'x'.repeat(43),
      session_id: `lost-${randomBytes(8).toString('hex')}`,
      ciphertext: 'AwgAEnA' + randomBytes(24).toString('base64'),
      device_id: alice.deviceId,
    };
    await raw.request('PUT', `/rooms/${encodeURIComponent(aliceWithBot)}/send/m.room.encrypted/${randomBytes(8).toString('hex')}`, content);
    const reply = await alice.waitForMessage(aliceWithBot, bot, (body) => /couldn't decrypt your message/.test(body), 'the bot\'s answer to an undecryptable message', 60_000);
    assert.match(reply.body, /send it again/);
  });

  it('!room create --encrypted makes an encrypted local room, which can never become public', async () => {
    const answer = await ask(alice, aliceWithBot, bot, '!room create "Quiet corner" --encrypted', /^Created "Quiet corner"/);
    assert.match(answer, /end-to-end encrypted/);
    const roomId = roomIdIn(answer);
    const [row] = await hearthSql<{ encrypted: boolean }>(CAMP, 'select encrypted from managed_rooms where room_id = ?', [roomId]);
    assert.equal(row?.encrypted, true);
    assert.deepEqual(await botByHand(CAMP).state(roomId, 'm.room.encryption'), { algorithm: 'm.megolm.v1.aes-sha2' });
    assert.match(await ask(alice, aliceWithBot, bot, '!room create Shout --tier public --encrypted', /cannot be encrypted/), /public room cannot be encrypted/);
  });
});
