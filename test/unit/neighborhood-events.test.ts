// The council's events on their own: who an event speaks for, and which
// contents are taken at all.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorOf, checkMembership, checkVotes, entryKey, isServerName, parseEntryKey, VOTES_TYPE, type CouncilStateEvent } from '../../src/neighborhood/events.ts';

function stated(stateKey: string, sender = stateKey): CouncilStateEvent {
  return { event_id: '$1', type: VOTES_TYPE, state_key: stateKey, sender, content: {} };
}

describe('who an event speaks for', () => {
  it('a server\'s own bot, writing its own state key, speaks for that server', () => {
    assert.deepEqual(authorOf(stated('@hearth:camp.test'), 'hearth'), { ok: true, value: 'camp.test' });
  });

  it('an ordinary user speaks for nobody, even on its own server', () => {
    assert.deepEqual(authorOf(stated('@alice:camp.test'), 'hearth'), { ok: false, reason: '@alice:camp.test is not a Hearth bot, so it speaks for nobody' });
  });

  it('another server\'s bot cannot write a server\'s state', () => {
    assert.deepEqual(authorOf(stated('@hearth:camp.test', '@hearth:hood.test'), 'hearth'), {
      ok: false,
      reason: 'sent by @hearth:hood.test, not by @hearth:camp.test, whose state it claims to be',
    });
  });

  it('a state key that is not a user ID, or names a server no allow-list can hold, speaks for nobody', () => {
    assert.match(JSON.stringify(authorOf(stated('camp.test'), 'hearth')), /is not a user ID/);
    assert.match(JSON.stringify(authorOf(stated('@hearth:camp.test:8448'), 'hearth')), /not a server name/);
    assert.match(JSON.stringify(authorOf(stated('@hearth:10.0.0.1'), 'hearth')), /not a server name/);
  });
});

describe('server names and admission keys', () => {
  it('takes DNS names only: no port, no IP literal, no capitals', () => {
    assert.equal(isServerName('camp.test'), true);
    for (const name of ['camp.test:8448', '10.0.0.1', '[::1]', 'Camp.test', 'camp..test', '-camp.test', '*.camp.test', '']) assert.equal(isServerName(name), false, name);
  });

  it('names an admission server#round and reads it back', () => {
    assert.equal(entryKey('hood.test', 3), 'hood.test#3');
    assert.deepEqual(parseEntryKey('hood.test#3'), { server: 'hood.test', round: 3 });
    for (const key of ['hood.test', 'hood.test#', 'hood.test#-1', 'hood.test#1.5', 'hood.test#01', '#3']) assert.equal(parseEntryKey(key), null, key);
  });
});

describe('membership statements', () => {
  it('a join gives its round and the point of the history it accepted at', () => {
    assert.deepEqual(checkMembership({ membership: 'join', round: 2, after: ['hood.test#1', 'camp.test#0'] }), {
      ok: true,
      value: { membership: 'join', round: 2, after: ['camp.test#0', 'hood.test#1'] },
    });
    assert.deepEqual(checkMembership({ membership: 'join', round: 2 }), { ok: false, reason: 'a join must give "after", the list of admissions it was given after' });
  });

  it('a leave may keep its point; a decline needs none', () => {
    assert.deepEqual(checkMembership({ membership: 'leave', round: 2, reason: 'moving on' }), { ok: true, value: { membership: 'leave', round: 2, reason: 'moving on' } });
    assert.deepEqual(checkMembership({ membership: 'decline', round: 4 }), { ok: true, value: { membership: 'decline', round: 4 } });
  });

  it('refuses anything else', () => {
    for (const content of [{ membership: 'ban', round: 1 }, { membership: 'join', round: -1, after: [] }, { membership: 'join', round: 1e12, after: [] }, { membership: 'leave', round: 1, reason: 7 }]) {
      assert.equal(checkMembership(content).ok, false, JSON.stringify(content));
    }
  });
});

describe('votes', () => {
  it('reads approvals with their point sorted, and empty lists when absent', () => {
    const checked = checkVotes({ approve: [{ server: 'glen.test', round: 2, after: ['hood.test#1', 'camp.test#0', 'camp.test#0'] }] });
    assert.deepEqual(checked, { ok: true, value: { approve: [{ server: 'glen.test', round: 2, after: ['camp.test#0', 'hood.test#1'] }], reject: [], remove: [], cut_off: [] } });
  });

  it('refuses malformed entries, naming the one at fault', () => {
    assert.deepEqual(checkVotes({ approve: 'glen.test' }), { ok: false, reason: 'approve must be a list' });
    assert.deepEqual(checkVotes({ remove: [{ server: 'hood.test' }] }), { ok: false, reason: 'remove[0] must give a round (a whole number from 0 to 1000000000)' });
    assert.deepEqual(checkVotes({ approve: [{ server: 'glen.test', round: 2, after: ['camp.test'] }] }), { ok: false, reason: 'approve[0] has an "after" entry that is not server#round' });
    assert.deepEqual(checkVotes({ cut_off: [{ server: 'glen.test' }] }), { ok: false, reason: 'cut_off[0] must give "at", the number of admissions when it was cut off' });
    assert.deepEqual(checkVotes({ reject: [null] }), { ok: false, reason: 'reject[0] must be an object' });
  });

  it('refuses two statements about the same admission', () => {
    const twice = { server: 'glen.test', round: 2, after: [] };
    assert.deepEqual(checkVotes({ approve: [twice, { ...twice, after: ['camp.test#0'] }] }), { ok: false, reason: 'glen.test#2 appears twice in one list' });
  });

  it('refuses lists long enough to slow every Hearth down', () => {
    const many = Array.from({ length: 501 }, (_, i) => ({ server: `s${i}.test`, round: 1 }));
    assert.equal(checkVotes({ remove: many }).ok, false);
  });
});
