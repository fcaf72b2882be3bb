// Which rooms an ACL change is sent to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AclPropagation } from '../../src/federation/acl-propagation.ts';
import type { JobRunner } from '../../src/jobs/index.ts';
import type { ManagedRoomRow } from '../../src/store/managed-rooms-store.ts';
import { admitsNeighbors, type Tier } from '../../src/tiers/tier.ts';
import { partial } from '../support/command-catalog.ts';

function room(roomId: string, tier: Tier): ManagedRoomRow {
  return { creationKey: roomId, roomId, role: 'topic', tier, name: roomId, encrypted: false, requestedBy: null, createdAt: 0 };
}

const ROOMS = [room('!local', 'local'), room('!square', 'neighborhood'), room('!hood-topic', 'neighborhood'), room('!public', 'public')];

function propagation(): { propagation: AclPropagation; sentTo: string[][] } {
  const sentTo: string[][] = [];
  const jobs = partial<JobRunner>('jobs', {
    enqueue: (kind, subject, items) => {
      sentTo.push([...items]);
      return Promise.resolve({ id: sentTo.length, kind, subject, createdAt: 0, finishedAt: null });
    },
  });
  return { propagation: new AclPropagation(jobs, { all: () => Promise.resolve(ROOMS) }), sentTo };
}

describe('AclPropagation', () => {
  it('sends a defederation to every room that federates, and never to a local one', async () => {
    const { propagation: p, sentTo } = propagation();
    await p.enqueue('far.test defederated');
    assert.deepEqual(sentTo, [['!square', '!hood-topic', '!public']]);
  });

  it('sends a change of neighbors to the neighborhood rooms alone: a public room admits the same servers whoever the neighbors are', async () => {
    const { propagation: p, sentTo } = propagation();
    await p.enqueue('neighborhood changed', admitsNeighbors);
    assert.deepEqual(sentTo, [['!square', '!hood-topic']]);
  });
});
