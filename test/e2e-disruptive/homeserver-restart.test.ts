// A homeserver restart loses nothing. Synapse on SQLite forgets the
// transactions it has sent, so after a restart it numbers them from 1 again;
// Hearth must still take in every event they carry. This test restarts camp's
// Synapse, so it runs after the shared suite, one file at a time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restartSynapse } from '../../testbed/testbed.ts';
import { dmWithBot, hearthSql } from '../support/hearth.ts';
import { Member } from '../support/member.ts';

async function highestTxnIdSeen(): Promise<number> {
  const rows = await hearthSql<{ txn_id: string }>('camp.test', 'SELECT txn_id FROM appservice_transactions');
  return Math.max(0, ...rows.map((row) => Number(row.txn_id)).filter(Number.isFinite));
}

describe('a homeserver restart', () => {
  it('loses no command: the member\'s !help before and after camp\'s Synapse restarts are both answered', async () => {
    const member = await Member.register('camp.test', 'restart');
    const ask = await dmWithBot(member, 'camp.test');
    assert.match(await ask('!help'), /!room/);
    assert.ok(await highestTxnIdSeen() > 1, 'Hearth has seen transactions the restarted homeserver will number again');

    await restartSynapse('camp.test');

    assert.match(await ask('!help'), /!room/);
    // A new DM after the restart reaches the bot too: the invitation is not dropped as a "retry".
    const newcomer = await Member.register('camp.test', 'after-restart');
    const askAgain = await dmWithBot(newcomer, 'camp.test');
    assert.match(await askAgain('!help'), /!room/);
  });
});
