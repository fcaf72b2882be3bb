// Stopping Hearth always finishes: a homeserver that has stopped answering
// cannot hold a stop past its deadline, because every request listens to the
// stop. These tests stop camp's Hearth (and freeze its Synapse), so they run
// after the shared suite, one file at a time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { freezeSynapse, startHearth, stopHearth } from '../../testbed/testbed.ts';
import { dmWithBot } from '../support/hearth.ts';
import { Member, server } from '../support/member.ts';

function hearthLogSince(offset: number): string {
  const path = server('camp.test').hearth?.log_path;
  if (!path) throw new Error('camp.test runs no Hearth');
  return readFileSync(path, 'utf8').slice(offset);
}

function hearthLogLength(): number {
  return hearthLogSince(0).length;
}

describe('stopping Hearth', () => {
  it('while the homeserver answers nothing, the stop cuts the waiting requests and Hearth exits by itself', async () => {
    const logStart = hearthLogLength();
    const thaw = freezeSynapse('camp.test');
    try {
      // Long enough for the member poll and the worker to be waiting on the frozen homeserver.
      await sleep(3_000);
      await stopHearth('camp.test'); // throws when Hearth ignores SIGTERM and has to be killed
    } finally {
      thaw();
    }
    const log = hearthLogSince(logStart);
    assert.match(log, /received SIGTERM, stopping/);
    assert.doesNotMatch(log, /overstayed/, 'Hearth reached the end of its own stop, not the last-resort exit');

    await startHearth('camp.test');
    const member = await Member.register('camp.test', 'after-stop');
    const ask = await dmWithBot(member, 'camp.test');
    assert.match(await ask('!help'), /!room/);
  });
});
