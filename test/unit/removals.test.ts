// A person removed from the community stops being a member for every caller at
// once, and becomes one again when an admin lets them back in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Removals, type TrackedMembersStore } from '../../src/community/removals.ts';

function memoryStore(removedBefore: string[]): TrackedMembersStore {
  const removed = new Set(removedBefore);
  const nothing = (): Promise<never[]> => Promise.resolve([]);
  return {
    addNew: nothing, get: () => Promise.resolve(null), awaitingInvite: nothing, markInvited: () => Promise.resolve(), markLeft: () => Promise.resolve(), all: nothing,
    markRemoved: (userId) => { removed.add(userId); return Promise.resolve(); },
    clearRemoved: (userId) => Promise.resolve(removed.delete(userId)),
    removed: () => Promise.resolve([...removed]),
    removal: () => Promise.resolve(null),
  };
}

describe('removals', () => {
  it('a removal recorded before the start counts once loaded; one made now counts at once; readmission undoes it', async () => {
    const removals = new Removals(memoryStore(['@old:camp.test']));
    await removals.load();
    assert.equal(removals.isRemoved('@old:camp.test'), true);
    assert.equal(removals.isRemoved('@sam:camp.test'), false);
    await removals.store.markRemoved('@sam:camp.test', '@root:camp.test', 1);
    assert.equal(removals.isRemoved('@sam:camp.test'), true);
    assert.equal(await removals.store.clearRemoved('@sam:camp.test'), true);
    assert.equal(removals.isRemoved('@sam:camp.test'), false);
  });
});
