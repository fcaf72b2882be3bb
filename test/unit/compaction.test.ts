// Compacting the deny list merges denied servers that share a parent domain
// into one glob, but never into a glob that would also cut off this server or
// a neighbor. Three-label names, as real servers have: the testbed's
// two-label names (camp.test) have no parent a glob could be made of.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compactDenyList } from '../../src/federation/acl-size.ts';

describe('compacting the deny list', () => {
  it('merges a.example.org and b.example.org into *.example.org when no protected server is under it', () => {
    const { deny, merged, withheld } = compactDenyList(['a.example.org', 'b.example.org', 'far.example.net'], ['camp.example.com', 'hood.example.net']);
    assert.deepEqual(deny, ['*.example.org', 'far.example.net']);
    assert.deepEqual([...merged], [['*.example.org', ['a.example.org', 'b.example.org']]]);
    assert.deepEqual([...withheld], []);
  });

  it('never merges into a glob that would cut off a neighbor, and says which neighbor kept it from merging', () => {
    const { deny, merged, withheld } = compactDenyList(['a.example.org', 'b.example.org'], ['camp.example.com', 'chat.example.org']);
    assert.deepEqual(deny, ['a.example.org', 'b.example.org'], 'the deny list stays as it was decided');
    assert.deepEqual([...merged], []);
    assert.deepEqual([...withheld], [['*.example.org', ['chat.example.org']]]);
  });

  it('merges what it may and withholds the rest', () => {
    const protect = ['camp.example.com', 'chat.example.org', 'hood.example.net'];
    const { deny, withheld } = compactDenyList(['a.example.org', 'b.example.org', 'x.spam.example.net', 'y.spam.example.net', '*.ads.example.com', '*.tracker.example.com'], protect);
    assert.deepEqual(deny, ['*.spam.example.net', 'a.example.org', 'b.example.org', '*.ads.example.com', '*.tracker.example.com'].sort());
    assert.deepEqual([...withheld], [['*.example.org', ['chat.example.org']], ['*.example.com', ['camp.example.com']]]);
  });
});
