// The fault suite's crash points: off without the environment variable, armed
// only for the named sender's messages, and spent once they fire.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ackFaultFile, ackFaultsFromEnvironment } from '../../src/matrix/appservice/fault-hook.ts';
import type { IncomingEvent } from '../../src/store/inbox-store.ts';

const folder = mkdtempSync(join(tmpdir(), 'hearth-fault-hook-'));
after(() => { rmSync(folder, { recursive: true, force: true }); });

function message(sender: string): IncomingEvent {
  return { eventId: '$e', roomId: '!r:camp.test', type: 'm.room.message', sender, json: '{}' };
}

describe('the crash points of the fault suite', () => {
  it('are off unless HEARTH_FAULT_HOOKS names a folder', () => {
    assert.equal(ackFaultsFromEnvironment({}), null);
    assert.equal(ackFaultsFromEnvironment({ HEARTH_FAULT_HOOKS: '' }), null);
  });

  it('leave alone a transaction without a message from the armed sender, and stay armed', () => {
    const file = ackFaultFile(folder, 'before-answer');
    writeFileSync(file, '@victim:camp.test');
    const faults = ackFaultsFromEnvironment({ HEARTH_FAULT_HOOKS: folder });
    faults?.at('before-answer', [message('@someone-else:camp.test'), { ...message('@victim:camp.test'), type: 'm.room.member' }]);
    faults?.at('after-answer', [message('@victim:camp.test')]);
    assert.equal(existsSync(file), true);
  });

  it('kill the process at the armed point for a message from the armed sender, once', () => {
    const file = ackFaultFile(folder, 'after-answer');
    writeFileSync(file, '@victim:camp.test\n');
    const script = `
      import { ackFaultsFromEnvironment } from ${JSON.stringify(new URL('../../src/matrix/appservice/fault-hook.ts', import.meta.url).href)};
      ackFaultsFromEnvironment()?.at('after-answer', [{ eventId: '$e', roomId: '!r:camp.test', type: 'm.room.message', sender: '@victim:camp.test', json: '{}' }]);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, HEARTH_FAULT_HOOKS: folder } });
    assert.equal(child.signal, 'SIGKILL');
    assert.equal(existsSync(file), false, 'the crash point is spent, so the restarted process lives');
  });
});
