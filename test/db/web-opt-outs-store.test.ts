// `!web off` on both engines: the choice is kept in the database, so it
// outlasts a restart (a new WebOptOuts over the same database knows it), and
// saying it twice changes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWebOptOutsStore } from '../../src/store/web-opt-outs-store.ts';
import { WebOptOuts } from '../../src/web/public/opt-outs.ts';
import { ENGINES, useMigratedDatabase } from '../support/databases.ts';

for (const engine of ENGINES) {
  describe(`the web opt-outs on ${engine}`, () => {
    const database = useMigratedDatabase(engine);

    it('keeps a member\'s posts off the pages from !web off until !web on, across a restart', async () => {
      const before = new WebOptOuts(createWebOptOutsStore(database()));
      assert.equal(await before.off('@alice:camp.test', 10), true);
      assert.equal(await before.off('@alice:camp.test', 20), false, 'already off');
      assert.equal(await before.isOptedOut('@alice:camp.test'), true);
      assert.equal(await before.isOptedOut('@bob:camp.test'), false);

      const afterRestart = new WebOptOuts(createWebOptOutsStore(database()));
      assert.deepEqual([...await afterRestart.optedOut()], ['@alice:camp.test']);
      assert.equal(await afterRestart.on('@alice:camp.test'), true);
      assert.equal(await afterRestart.on('@alice:camp.test'), false, 'already on');
      assert.deepEqual([...await createWebOptOutsStore(database()).all()], []);
    });
  });
}
