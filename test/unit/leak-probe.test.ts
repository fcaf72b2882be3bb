// The instruments of the tier-promise suite judge correctly: a secret is a
// leak only to a reader whose audience excludes its tier, never when the
// reader named it itself, and requests are signed over canonical JSON.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../support/federation-request.ts';
import { LeakLedger, SecretBook, tiers, until } from '../support/leak-probe.ts';

function world(): { book: SecretBook; ledger: LeakLedger } {
  const book = new SecretBook();
  return { book, ledger: new LeakLedger(book) };
}

describe('the leak ledger', () => {
  it('counts a secret as leaked only to readers whose audience excludes its tier', () => {
    const { book, ledger } = world();
    const local = book.mint('local', 'topic', 'the local timeline');
    const neighborly = book.mint('neighborhood', 'message', 'the neighborhood square');
    const answer = `{"topic":"${local}","body":"${neighborly}"}`;
    assert.deepEqual(ledger.scan('a neighbor', tiers('neighborhood', 'public'), 'a summary', answer).map((l) => l.secret.value), [local]);
    assert.deepEqual(ledger.scan('a stranger', tiers('public'), 'a summary', answer).map((l) => l.secret.value), [local, neighborly]);
    assert.equal(ledger.scan('a member', tiers('local', 'neighborhood', 'public'), 'a summary', answer).length, 0);
    assert.equal(ledger.summary(), '3 paths tried, 3 leaks');
  });

  it('finds a secret whatever its case, and records each leak of one path once', () => {
    const { book, ledger } = world();
    const alias = book.mint('local', 'alias', 'a local topic room');
    ledger.scan('a stranger', tiers('public'), 'a directory', alias.toLowerCase());
    ledger.scan('a stranger', tiers('public'), 'a directory', alias);
    assert.equal(ledger.leaks.length, 1);
  });

  it('does not count what the reader named in its own request', () => {
    const { book, ledger } = world();
    book.record('!room:camp.test', 'local', 'room ID', 'the local timeline');
    ledger.give('a stranger', '/join/!room:camp.test');
    assert.equal(ledger.scan('a stranger', tiers('public'), 'a join', '{"error":"not in !room:camp.test"}').length, 0);
    assert.equal(ledger.scan('another stranger', tiers('public'), 'a join', '{"room_id":"!room:camp.test"}').length, 1);
  });

  it('lets a former neighbor keep what it read before leaving, and nothing after', () => {
    const { book, ledger } = world();
    const before = book.mint('neighborhood', 'message', 'the neighborhood square');
    const mark = book.mark();
    const afterwards = book.mint('neighborhood', 'message', 'the neighborhood square');
    const formerNeighbor = until(tiers('public'), 'neighborhood', mark);
    assert.deepEqual(ledger.scan('glen', formerNeighbor, 'its sync', `${before} ${afterwards}`).map((l) => l.secret.value), [afterwards]);
  });
});

describe('canonical JSON, as federation requests are signed over it', () => {
  it('sorts keys at every depth and leaves no whitespace', () => {
    assert.equal(canonicalJson({ uri: '/x', method: 'GET', content: { b: [2, { d: 1, c: 'é' }], a: null } }), '{"content":{"a":null,"b":[2,{"c":"é","d":1}]},"method":"GET","uri":"/x"}');
  });
});
