// The pure parts of logging in on the web: what a typed username is, who a
// confirmed account may be, and the session store's promises (a fixed
// lifetime, a bounded size, and a logout at the homeserver for every session
// that ends, however it ends).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import session, { type SessionData } from 'express-session';
import { admit, readUsername, refusalMessage } from '../../src/web/session/admission.ts';
import { BoundedSessionStore } from '../../src/web/session/session-store.ts';
import { loginRefusal } from '../../src/web/session/homeserver-account.ts';
import { commandLine } from '../../src/web/web-commands.ts';

const HOUR = 3_600_000;

describe('what a typed username is', () => {
  it('reads alice, @alice and @alice:camp.test as the same account of this server', () => {
    for (const typed of ['alice', '@alice', '@alice:camp.test', '  Alice ', '@alice:CAMP.test']) {
      assert.deepEqual(readUsername(typed, 'camp.test'), { kind: 'local', localpart: 'alice' }, typed);
    }
  });

  it('knows an account of another server, a guest\'s numeric name, and nothing typed', () => {
    assert.deepEqual(readUsername('@ferris:far.test', 'camp.test'), { kind: 'other server', server: 'far.test' });
    assert.deepEqual(readUsername('@1234:camp.test', 'camp.test'), { kind: 'guest' });
    assert.deepEqual(readUsername('  ', 'camp.test'), { kind: 'empty' });
  });
});

describe('who may have a web session', () => {
  const isMember = (userId: string): boolean => userId !== '@removed:camp.test';

  it('admits a member who agreed, or agreed to an earlier text, or where there is no code of conduct', () => {
    for (const standing of ['agreed', 'agreed earlier', 'not required'] as const) {
      assert.equal(admit({ userId: '@alice:camp.test', isGuest: false }, { isMember, standing }), 'member', standing);
    }
  });

  it('refuses a guest, someone no longer a member, and a member who never agreed', () => {
    assert.equal(admit({ userId: '@alice:camp.test', isGuest: true }, { isMember, standing: 'agreed' }), 'guest');
    assert.equal(admit({ userId: '@removed:camp.test', isGuest: false }, { isMember, standing: 'agreed' }), 'not a member');
    assert.equal(admit({ userId: '@newbie:camp.test', isGuest: false }, { isMember, standing: 'never agreed' }), 'not agreed');
  });

  it('tells each refusal in words that say what to do', () => {
    const o = { serverName: 'camp.test', botUserId: '@hearth:camp.test' };
    assert.match(refusalMessage('not agreed', o), /Say !agree to @hearth:camp\.test/);
    assert.match(refusalMessage('other server', { ...o, typedServer: 'far.test' }), /Accounts of far\.test cannot log in here/);
    assert.match(refusalMessage('wrong password', o), /do not match an account on camp\.test/);
  });

  it('reads the homeserver\'s refusals of /login', () => {
    assert.equal(loginRefusal({ status: 403, body: { errcode: 'M_FORBIDDEN' } }), 'wrong password');
    assert.equal(loginRefusal({ status: 429, body: { errcode: 'M_LIMIT_EXCEEDED' } }), 'too many attempts');
    assert.equal(loginRefusal({ status: 502, body: {} }), 'homeserver unavailable');
  });
});

function sessionOf(userId: string, loggedInAt: number): SessionData {
  return { cookie: new session.Cookie(), userId, accessToken: `token-of-${userId}`, loggedInAt };
}

function storeAt(clock: { now: number }, maxSessions = 10): { store: BoundedSessionStore; ended: string[] } {
  const ended: string[] = [];
  const store = new BoundedSessionStore({
    lifetimeMs: 12 * HOUR, maxSessions, now: () => clock.now,
    onEnd: ({ accessToken }) => { ended.push(accessToken); return Promise.resolve(); },
  });
  return { store, ended };
}

function read(store: BoundedSessionStore, sid: string): Promise<SessionData | null | undefined> {
  return new Promise((resolve, reject) => { store.get(sid, (error, data) => { if (error) reject(error instanceof Error ? error : new Error('the store failed')); else resolve(data); }); });
}

describe('the session store', () => {
  it('ends a session twelve hours after its login, however often it was used, and logs its token out', async () => {
    const clock = { now: 0 };
    const { store, ended } = storeAt(clock);
    store.set('a', sessionOf('@alice:camp.test', 0));
    for (const hour of [1, 6, 11]) {
      clock.now = hour * HOUR;
      store.touch('a', sessionOf('@alice:camp.test', 0));
      assert.equal((await read(store, 'a'))?.userId, '@alice:camp.test');
    }
    clock.now = 12 * HOUR;
    assert.equal(await read(store, 'a'), null);
    assert.deepEqual(ended, ['token-of-@alice:camp.test']);
  });

  it('sweeps ended sessions nobody asks for, logging each token out', () => {
    const clock = { now: 0 };
    const { store, ended } = storeAt(clock);
    store.set('a', sessionOf('@alice:camp.test', 0));
    store.set('b', sessionOf('@bob:camp.test', 6 * HOUR));
    clock.now = 13 * HOUR;
    store.sweep();
    assert.deepEqual(ended, ['token-of-@alice:camp.test']);
    assert.equal(store.size, 1);
  });

  it('makes room for a new session by ending the oldest one, whose token is logged out', () => {
    const { store, ended } = storeAt({ now: 0 }, 2);
    store.set('a', sessionOf('@alice:camp.test', 0));
    store.set('b', sessionOf('@bob:camp.test', 0));
    store.set('b', sessionOf('@bob:camp.test', 0));
    assert.deepEqual(ended, []);
    store.set('c', sessionOf('@carol:camp.test', 0));
    assert.deepEqual(ended, ['token-of-@alice:camp.test']);
    assert.equal(store.size, 2);
  });

  it('logs the token out before a logout completes, and every token when Hearth stops', async () => {
    const { store, ended } = storeAt({ now: 0 });
    store.set('a', sessionOf('@alice:camp.test', 0));
    store.set('b', sessionOf('@bob:camp.test', 0));
    await new Promise<void>((resolve) => { store.destroy('a', () => { resolve(); }); });
    assert.deepEqual(ended, ['token-of-@alice:camp.test']);
    await store.stop();
    assert.deepEqual(ended, ['token-of-@alice:camp.test', 'token-of-@bob:camp.test']);
    assert.equal(store.size, 0);
  });
});

describe('the admin room\'s record of a dashboard action', () => {
  it('shows the command as it would be typed, quoting what holds spaces', () => {
    assert.equal(commandLine('defederate propose', ['far.test', 'spam and abuse']), '!defederate propose far.test "spam and abuse"');
    assert.equal(commandLine('invite create', ['--note', 'Sam "the bean" Smith']), '!invite create --note "Sam \u201dthe bean\u201d Smith"');
  });
});
