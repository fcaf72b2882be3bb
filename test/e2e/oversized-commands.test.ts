// Commands no reply may repeat in full, on camp.test: a command as long as
// the homeserver accepts (a message just under its 64 KiB event limit) is
// answered in a line, where an answer repeating it would be too large to
// send; and a room name that would inject a line into !room list is refused.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { botOf } from '../support/hearth.ts';
import { Member, MatrixRequestError, waitFor } from '../support/member.ts';

const CAMP = 'camp.test';
/** A few hundred characters: what any of these answers may be, whatever was typed. */
const SHORT = 1_000;

describe('oversized and deceptive commands', () => {
  let member: Member;
  let dm: string;
  const bot = botOf(CAMP);
  const ask = async (command: string): Promise<string> => String((await member.waitForReply(dm, bot, await member.send(dm, command))).content.body);

  /**
   * Sends `prefix` and as many characters after it as the homeserver takes in
   * one message (it refuses a larger event with 413): within 100 bytes of the
   * limit, so an answer that repeated the message would be refused.
   */
  async function sendLongest(prefix: string, filler: string): Promise<string> {
    for (let length = 65_500; length > 60_000; length -= 100) {
      try {
        return await member.send(dm, prefix + filler.repeat(length));
      } catch (error) {
        if (!(error instanceof MatrixRequestError && error.status === 413)) throw error;
      }
    }
    throw new Error('the homeserver took no message near its size limit');
  }

  before(async () => {
    member = await Member.register(CAMP, 'verbose');
    dm = await member.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [bot] });
    await waitFor('the bot to join the DM', async () => (await member.membership(dm, bot)) === 'join');
  });

  it('!help followed by as many characters as the homeserver takes is answered, in a line', async () => {
    const answer = String((await member.waitForReply(dm, bot, await sendLongest('!help ', 'x'))).content.body);
    assert.match(answer, /^command is \d{5} characters long; at most 500 are allowed\./);
    assert.ok(answer.length < SHORT, `${answer.length} characters`);
  });

  it('an unknown command as long as the homeserver takes is answered, in a line', async () => {
    const answer = String((await member.waitForReply(dm, bot, await sendLongest('!', 'y'))).content.body);
    assert.match(answer, /^Unknown command "!y+…"\. Say !help for the list\.$/);
    assert.ok(answer.length < SHORT, `${answer.length} characters`);
  });

  it('a room name that would put a line of its own into !room list is refused, and the list shows no such line', async () => {
    const injected = 'Announcements (official) — https://matrix.to/#/!evil:attacker.example';
    assert.match(await ask(`!room create "Book club\n${injected}" --tier public`), /^name must be one line\./);
    assert.match(await ask('!room create "Book club \u202egro.elpmaxe" --tier public'), /^name contains a character that changes the direction of text \(U\+202E\)/);
    const list = await ask('!room list');
    assert.ok(!list.split('\n').some((line) => line.startsWith('Announcements')), list);
  });
});
