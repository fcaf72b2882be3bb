// The pure parts of onboarding: the member cap's arithmetic, what an
// invitation is now, the agreement versions of the code of conduct, what a
// typed username becomes, and what a refusal from /register means.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOverdue, mayBeLetIn, standingOf, versionOf } from '../../src/onboarding/agreement.ts';
import { beyondCap, describeHeadcount, mayCreateInvitation, maySignUp } from '../../src/onboarding/cap.ts';
import { looksLikeCode, newInvitationCode, parseValidity, stateOf } from '../../src/onboarding/invitation-state.ts';
import { refusalOf, tokenFlow } from '../../src/onboarding/registration.ts';
import { localpartOf, usernameProblem } from '../../src/onboarding/signup.ts';
import { CARRIED_OVER_VERSION } from '../../migrations/0012_onboarding.ts';
import { AdminList } from '../../src/onboarding/admins.ts';
import type { AdminChange, AdminsStore } from '../../src/store/admins-store.ts';
import { revokedUsers } from '../../src/tiers/policy.ts';

const DAY = 86_400_000;

describe('the member cap', () => {
  it('counts members and open invitations together, as the admin reads it', () => {
    assert.equal(describeHeadcount({ members: 47, openInvitations: 3, max: 50 }), '50 of 50: 47 members and 3 open invitations');
    assert.equal(describeHeadcount({ members: 1, openInvitations: 1, max: 50 }), '2 of 50: 1 member and 1 open invitation');
  });

  it('lets an invitation be made only while a place is free', () => {
    assert.equal(mayCreateInvitation({ members: 48, openInvitations: 1, max: 50 }), true);
    assert.equal(mayCreateInvitation({ members: 47, openInvitations: 3, max: 50 }), false);
    assert.equal(mayCreateInvitation({ members: 50, openInvitations: 0, max: 50 }), false);
  });

  it('lets someone sign up into the place their invitation holds, even when every place is taken', () => {
    assert.equal(maySignUp({ members: 47, openInvitations: 3, max: 50 }), true);
  });

  it('refuses a sign-up when the community is over its cap (the cap was lowered, or accounts were made by hand)', () => {
    assert.equal(maySignUp({ members: 50, openInvitations: 1, max: 50 }), false);
    assert.equal(beyondCap({ members: 52, openInvitations: 1, max: 50 }), 3);
    assert.equal(beyondCap({ members: 10, openInvitations: 1, max: 50 }), 0);
  });
});

describe('an invitation\'s state', () => {
  const open = { status: 'open' as const, expiresAt: 10 * DAY };

  it('is open until it expires, and expired from then on', () => {
    assert.equal(stateOf(open, 10 * DAY - 1), 'open');
    assert.equal(stateOf(open, 10 * DAY), 'expired');
  });

  it('stays used or revoked whatever the time', () => {
    assert.equal(stateOf({ status: 'used', expiresAt: 10 * DAY }, 20 * DAY), 'used');
    assert.equal(stateOf({ status: 'revoked', expiresAt: 10 * DAY }, 1), 'revoked');
  });

  it('lasts as long as --expires says, within a year', () => {
    assert.equal(parseValidity('7d'), 7 * DAY);
    assert.equal(parseValidity('12h'), 12 * 3_600_000);
    assert.equal(parseValidity('2w'), 14 * DAY);
    assert.equal(parseValidity('90m'), 90 * 60_000);
    for (const wrong of ['0d', '7', 'seven days', '-1d', '400d', '']) assert.equal(parseValidity(wrong), null, wrong);
  });

  it('has a code Synapse accepts as a registration token and a link never needs to escape', () => {
    const codes = new Set(Array.from({ length: 200 }, () => newInvitationCode()));
    assert.equal(codes.size, 200);
    for (const code of codes) {
      assert.match(code, /^[A-Za-z0-9]{20}$/);
      assert.equal(looksLikeCode(code), true);
    }
    assert.equal(looksLikeCode('../../etc/passwd'), false);
  });
});

describe('agreement to the code of conduct', () => {
  it('gives the same text the same version, whatever its line endings and surrounding blank lines', () => {
    assert.equal(versionOf('Be kind.\r\nNo harassment.\n'), versionOf('\nBe kind.\nNo harassment.'));
    assert.notEqual(versionOf('Be kind.'), versionOf('Be kind!'));
  });

  it('tells apart members who agreed to this text, to an earlier one, or never', () => {
    const current = versionOf('Be kind.');
    const earlier = versionOf('Be nice.');
    assert.equal(standingOf(current, [earlier, current]), 'agreed');
    assert.equal(standingOf(current, [earlier]), 'agreed earlier');
    assert.equal(standingOf(current, [CARRIED_OVER_VERSION]), 'agreed earlier');
    assert.equal(standingOf(current, []), 'never agreed');
    assert.equal(standingOf(null, []), 'not required');
  });

  it('lets in anyone who agreed to some text, and nobody who never agreed', () => {
    assert.equal(mayBeLetIn('agreed'), true);
    assert.equal(mayBeLetIn('agreed earlier'), true);
    assert.equal(mayBeLetIn('not required'), true);
    assert.equal(mayBeLetIn('never agreed'), false);
  });

  it('lists a member as overdue only once the grace days have passed since the text changed', () => {
    assert.equal(isOverdue('agreed earlier', 0, 14, 14 * DAY), false);
    assert.equal(isOverdue('agreed earlier', 0, 14, 14 * DAY + 1), true);
    assert.equal(isOverdue('agreed', 0, 14, 100 * DAY), false);
    assert.equal(isOverdue('not required', 0, 14, 100 * DAY), false);
  });
});

describe('a username as typed on the sign-up page', () => {
  it('becomes a localpart: no @, no server, lower case', () => {
    assert.equal(localpartOf(' Sam ', 'camp.test'), 'sam');
    assert.equal(localpartOf('@sam:camp.test', 'camp.test'), 'sam');
  });

  it('is refused before the homeserver is asked when it cannot be a Matrix name', () => {
    assert.equal(usernameProblem('sam.k-2'), null);
    assert.match(usernameProblem('') ?? '', /Choose a username/);
    assert.match(usernameProblem('sam smith') ?? '', /only the letters/);
    assert.match(usernameProblem('x'.repeat(65)) ?? '', /too long/);
  });
});

describe('what a refusal from /register means', () => {
  it('names the field to fix, or the invitation', () => {
    assert.equal(refusalOf({ status: 400, body: { errcode: 'M_USER_IN_USE' } }), 'username taken');
    assert.equal(refusalOf({ status: 400, body: { errcode: 'M_EXCLUSIVE' } }), 'username taken');
    assert.equal(refusalOf({ status: 400, body: { errcode: 'M_INVALID_USERNAME' } }), 'username invalid');
    assert.equal(refusalOf({ status: 400, body: { errcode: 'M_WEAK_PASSWORD' } }), 'password refused');
    assert.equal(refusalOf({ status: 401, body: { errcode: 'M_UNAUTHORIZED', error: 'Invalid registration token' } }), 'token refused');
    assert.equal(refusalOf({ status: 403, body: { errcode: 'M_FORBIDDEN', error: 'Registration has been disabled' } }), 'registration closed');
    assert.equal(refusalOf({ status: 502, body: {} }), 'homeserver unavailable');
  });
});

describe('the sign-up flow Hearth follows', () => {
  it('is the first flow a registration token completes, with the stages that ask nothing', () => {
    assert.deepEqual(tokenFlow([{ stages: ['m.login.registration_token', 'm.login.dummy'] }]), ['m.login.registration_token', 'm.login.dummy']);
    assert.deepEqual(tokenFlow([{ stages: ['m.login.recaptcha'] }, { stages: ['m.login.registration_token'] }]), ['m.login.registration_token']);
    assert.equal(tokenFlow([{ stages: ['m.login.dummy'] }]), null);
    assert.equal(tokenFlow([{ stages: ['m.login.registration_token', 'm.login.email.identity'] }]), null);
  });
});

describe('the admins kept beyond the config', () => {
  function memoryStore(): AdminsStore {
    const changes = new Map<string, AdminChange>();
    return {
      changes: () => Promise.resolve(new Map(changes)),
      record: (userId, change) => { changes.set(userId, change); return Promise.resolve(); },
    };
  }

  it('adds and removes admins in the list everyone reads, and never removes the last one', async () => {
    const live = ['@admin:camp.test'];
    const admins = new AdminList(live, memoryStore());
    await admins.load();
    assert.equal(await admins.add('@alice:camp.test', '@admin:camp.test'), true);
    assert.equal(await admins.add('@alice:camp.test', '@admin:camp.test'), false);
    assert.deepEqual(live, ['@admin:camp.test', '@alice:camp.test']);
    assert.equal(await admins.remove('@admin:camp.test', '@alice:camp.test'), 'removed');
    assert.deepEqual(live, ['@alice:camp.test']);
    assert.deepEqual(admins.former(), ['@admin:camp.test']);
    assert.equal(await admins.remove('@alice:camp.test', '@alice:camp.test'), 'last admin');
    assert.equal(await admins.remove('@bob:camp.test', '@alice:camp.test'), 'not an admin');
  });

  it('applies what was recorded over the config\'s list at the next start', async () => {
    const store = memoryStore();
    const first = new AdminList(['@admin:camp.test', '@old:camp.test'], store);
    await first.load();
    await first.add('@alice:camp.test', '@admin:camp.test');
    await first.remove('@old:camp.test', '@admin:camp.test');
    const live = ['@admin:camp.test', '@old:camp.test'];
    const next = new AdminList(live, store);
    await next.load();
    assert.deepEqual(live, ['@admin:camp.test', '@alice:camp.test']);
    assert.deepEqual(next.former(), ['@old:camp.test']);
  });
});

describe('a former admin\'s power', () => {
  const room = { roomId: '!r:camp.test', role: 'topic' as const, tier: 'local' as const, name: 'Knitting', encrypted: false };
  const facts = { serverName: 'camp.test', spaceId: '!space:camp.test', neighbors: [], defederated: [], admins: ['@admin:camp.test'], botLocalpart: 'hearth' };

  it('is taken back where being an admin gave it, and nowhere else', () => {
    const users = { '@admin:camp.test': 50, '@old:camp.test': 50, '@mod:camp.test': 50, '@raised:camp.test': 75 };
    assert.deepEqual(revokedUsers(room, { ...facts, formerAdmins: ['@old:camp.test', '@raised:camp.test'] }, users), ['@old:camp.test']);
    assert.deepEqual(revokedUsers(room, facts, users), []);
  });

  it('stays with someone who is an admin again', () => {
    assert.deepEqual(revokedUsers(room, { ...facts, admins: ['@old:camp.test'], formerAdmins: ['@old:camp.test'] }, { '@old:camp.test': 50 }), []);
  });
});
