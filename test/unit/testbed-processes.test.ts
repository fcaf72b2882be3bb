import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { isRunning } from '../../testbed/processes.ts';

describe('the testbed telling a started process from a dead one', () => {
  it('a process that is exec-ing into its real program counts as running, never as gone', async () => {
    // `env` becomes `sh` right after the spawn, as `chroot` becomes Synapse's
    // Python: a look taken in between used to read an empty command line.
    for (let round = 0; round < 20; round += 1) {
      const marker = `hearth-testbed-probe-${process.pid}-${round}`;
      const child = spawn('env', ['sh', '-c', 'sleep 1', marker], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const pid = child.pid ?? 0;
      const until = performance.now() + 100;
      while (performance.now() < until) assert.equal(isRunning(pid, marker), true, `round ${round}`);
      child.kill();
      await exited;
      assert.equal(isRunning(pid, marker), false);
    }
  });
});
