// Kicking the users a room's tier no longer allows: each gets the neutral
// reason that fits, someone already gone is nobody to remove, and any other
// refusal is left for a retry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MatrixError } from '../../src/matrix/client.ts';
import { REMOVAL_REASON, WITHDRAWAL_REASON } from '../../src/tiers/membership-policy.ts';
import { MemberRemoval } from '../../src/tiers/membership-removal.ts';
import { silentLogger } from '../support/silent-logger.ts';

/** A room's memberships as the homeserver holds them; a kick of someone not there is refused, as Synapse does. */
class Room {
  readonly kicks: { userId: string; reason: string }[] = [];
  readonly remembered = new Map<string, string>();
  refuseEverything = false;
  readonly memberships: Map<string, string>;

  constructor(memberships: Map<string, string>) {
    this.memberships = memberships;
  }

  client = {
    kick: (_roomId: string, userId: string, reason: string): Promise<void> => {
      const membership = this.memberships.get(userId);
      if (this.refuseEverything || (membership !== 'join' && membership !== 'invite')) {
        return Promise.reject(new MatrixError({ errcode: 'M_FORBIDDEN', error: 'The target user is not in the room' }, 403));
      }
      this.kicks.push({ userId, reason });
      this.memberships.set(userId, 'leave');
      return Promise.resolve();
    },
    getStateEvent: (_roomId: string, _type: string, userId: string): Promise<Record<string, unknown> | null> => {
      const membership = this.memberships.get(userId);
      return Promise.resolve(membership === undefined ? null : { membership });
    },
  };

  roomMembers = {
    setMembership: (_roomId: string, userId: string, membership: string): Promise<void> => {
      this.remembered.set(userId, membership);
      return Promise.resolve();
    },
  };
}

function removalFor(room: Room): MemberRemoval {
  return new MemberRemoval({ client: room.client, roomMembers: room.roomMembers, log: silentLogger() });
}

describe('removing users from a room', () => {
  it('an invitation is withdrawn and a joined user removed, each with its neutral reason, the invitation first', async () => {
    const room = new Room(new Map([['@a:far.test', 'join'], ['@b:far.test', 'invite']]));
    const removed = await removalFor(room).remove('!r', [{ userId: '@a:far.test', membership: 'join' }, { userId: '@b:far.test', membership: 'invite' }]);
    // While @a is joined, far.test can turn @b's invitation into a join by itself, without asking this server.
    assert.deepEqual(removed, [{ userId: '@b:far.test', wasInvited: true }, { userId: '@a:far.test', wasInvited: false }]);
    assert.deepEqual(room.kicks, [{ userId: '@b:far.test', reason: WITHDRAWAL_REASON }, { userId: '@a:far.test', reason: REMOVAL_REASON }]);
    assert.deepEqual([...room.remembered], [['@b:far.test', 'leave'], ['@a:far.test', 'leave']]);
  });

  it('someone who already left is nobody to remove, and is remembered as gone', async () => {
    const room = new Room(new Map([['@a:far.test', 'leave']]));
    assert.deepEqual(await removalFor(room).remove('!r', [{ userId: '@a:far.test', membership: 'join' }]), []);
    assert.deepEqual(room.kicks, []);
    assert.equal(room.remembered.get('@a:far.test'), 'leave');
  });

  it('a refusal while the user is still there is thrown, so the caller retries', async () => {
    const room = new Room(new Map([['@a:far.test', 'join']]));
    room.refuseEverything = true;
    await assert.rejects(removalFor(room).remove('!r', [{ userId: '@a:far.test', membership: 'join' }]), MatrixError);
    assert.equal(room.remembered.size, 0);
  });
});
