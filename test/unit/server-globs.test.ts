// Server globs from anyone, a member or a neighbor's ban list, cost Hearth
// little: matching takes at most the glob's length times the name's, whatever
// the stars, and a glob too long or too wild is refused before anything else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockListFollower } from '../../src/federation/block-lists.ts';
import { checkDefederationTarget, globLimitProblem, MAX_GLOB_LENGTH, MAX_GLOB_WILDCARDS } from '../../src/federation/server-names.ts';
import { globMatches } from '../../src/matrix/server-globs.ts';
import type { Logger, LogFields } from '../../src/logging/logger.ts';
import type { MatrixEvent } from '../../src/matrix/event.ts';
import type { PolicySubscriptionsStore, Subscription } from '../../src/store/policy-subscriptions-store.ts';

/** The plain definition, memoised: what the glob can still match from each pair of positions. */
function referenceMatch(glob: string, name: string): boolean {
  const g = glob.toLowerCase();
  const s = name.toLowerCase();
  const memo = new Map<number, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = i * (s.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === g.length) result = j === s.length;
    else if (g[i] === '*') result = from(i + 1, j) || (j < s.length && from(i, j + 1));
    else result = j < s.length && (g[i] === '?' || g[i] === s[j]) && from(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return from(0, 0);
}

/** A small seeded generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('matching a server glob', () => {
  it('matches as the Matrix ACL syntax says: * any run, ? one character, dots literal, case ignored', () => {
    assert.equal(globMatches('*.far.test', 'a.far.test'), true);
    assert.equal(globMatches('*.far.test', 'far.test'), false);
    assert.equal(globMatches('fa?.test', 'far.test'), true);
    assert.equal(globMatches('far.test', 'farXtest'), false);
    assert.equal(globMatches('*.FAR.Test', 'Chat.far.TEST'), true);
    assert.equal(globMatches('F?R.TEST', 'far.test'), true);
  });

  it('handles the empty glob, the empty name, and ? against nothing', () => {
    assert.equal(globMatches('', ''), true);
    assert.equal(globMatches('', 'a'), false);
    assert.equal(globMatches('*', ''), true);
    assert.equal(globMatches('***', ''), true);
    assert.equal(globMatches('?', ''), false);
    assert.equal(globMatches('*?', ''), false);
    assert.equal(globMatches('?*', 'a'), true);
    assert.equal(globMatches('a', ''), false);
  });

  it('answers 80 stars then x at once, matching or not', () => {
    const glob = `${'*'.repeat(80)}x`;
    assert.equal(globMatches(glob, 'a'.repeat(250)), false);
    assert.equal(globMatches(glob, `${'a'.repeat(249)}x`), true);
    assert.equal(globMatches(glob, 'camp.test'), false);
    assert.equal(globMatches(`${'*a'.repeat(40)}b`, 'a'.repeat(250)), false);
  });

  it('agrees with the plain definition on thousands of random globs and names, within one time budget for the whole run', () => {
    const next = random(11);
    const pick = (alphabet: string): string => alphabet.charAt(Math.floor(next() * alphabet.length));
    const text = (alphabet: string, longest: number): string => Array.from({ length: Math.floor(next() * (longest + 1)) }, () => pick(alphabet)).join('');
    /** A name the glob matches, most of the time: each wildcard filled in at random. */
    const nameFor = (glob: string): string => glob.replace(/[*?]/g, (c) => (c === '*' ? text('abAB.', 3) : pick('abAB.')));
    const cases: [string, string][] = [];
    for (let i = 0; i < 20_000; i++) {
      const glob = text('ab.*?A', 12);
      cases.push([glob, next() < 0.5 ? nameFor(glob) : text('abAB.', 12)]);
    }
    // Shapes that make a backtracking matcher explode, at the sizes Hearth accepts.
    for (let stars = 1; stars <= 40; stars++) {
      cases.push([`${'*'.repeat(stars)}x`, 'a'.repeat(255)]);
      cases.push([`${'*a'.repeat(stars)}b`, 'a'.repeat(255)]);
      cases.push([`${'*?'.repeat(stars)}.`, 'a'.repeat(255)]);
    }

    const budgetMs = 20_000;
    const started = performance.now();
    let matches = 0;
    for (const [glob, name] of cases) {
      const expected = referenceMatch(glob, name);
      assert.equal(globMatches(glob, name), expected, `glob ${JSON.stringify(glob)} against ${JSON.stringify(name)}`);
      if (expected) matches++;
    }
    const elapsedMs = performance.now() - started;
    assert.ok(matches > cases.length / 5 && matches < (cases.length * 4) / 5, `both outcomes are well represented (${matches} of ${cases.length} match)`);
    assert.ok(elapsedMs < budgetMs, `${cases.length} cases took ${Math.round(elapsedMs)} ms, over the ${budgetMs} ms budget for the whole run`);
  });
});

describe('the limits on a server glob from anyone', () => {
  const check = (input: string) => checkDefederationTarget(input, 'camp.test');

  it('refuses more than 16 wildcards, naming the problem', () => {
    assert.deepEqual(check(`${'*'.repeat(80)}x`), { ok: false, problem: 'it has 80 wildcards (* and ?); at most 16 are accepted' });
    assert.match(JSON.stringify(check(`${'?'.repeat(9)}.${'*'.repeat(8)}.far.test`)), /17 wildcards/);
    assert.deepEqual(check(`${'*'.repeat(8)}.${'?'.repeat(8)}.far.test`), { ok: true, glob: '********.????????.far.test' });
  });

  it('refuses a name longer than 255 characters, before any pattern looks at it', () => {
    const label = 'a'.repeat(63);
    const longest = [label, label, label, 'b'.repeat(61), 'test'].join('.').slice(0, MAX_GLOB_LENGTH);
    assert.equal(longest.length, 255);
    assert.equal(check(longest).ok, true);
    assert.deepEqual(check(`x${longest}`), { ok: false, problem: 'it is 256 characters long; server names have at most 255' });
    // A megabyte of what would be a valid name: refused for its length alone.
    assert.match(JSON.stringify(check('a.'.repeat(500_000) + 'test')), /1000004 characters long/);
  });

  it('counts wildcards and length the same for every source', () => {
    assert.equal(globLimitProblem('*.far.test'), null);
    assert.equal(globLimitProblem('*'.repeat(MAX_GLOB_WILDCARDS)), null);
    assert.match(globLimitProblem('*'.repeat(MAX_GLOB_WILDCARDS + 1)) ?? '', /17 wildcards/);
    assert.match(globLimitProblem('a'.repeat(MAX_GLOB_LENGTH + 1)) ?? '', /256 characters/);
  });
});

describe('a followed ban list\'s rule beyond the limits', () => {
  function follower(): { follower: BlockListFollower; acted: string[]; warnings: [string, LogFields][] } {
    const acted: string[] = [];
    const warnings: [string, LogFields][] = [];
    const subscription: Subscription = { roomId: '!list:hood.test', source: 'hood.test', mode: 'propose' };
    const store: PolicySubscriptionsStore = {
      get: (roomId) => Promise.resolve(roomId === subscription.roomId ? subscription : null),
      sources: () => Promise.resolve(new Set([subscription.source])),
      save: () => Promise.resolve(),
      setModeForSources: () => Promise.resolve(),
    };
    const nothing = (): void => undefined;
    const log: Logger = { debug: nothing, info: nothing, error: nothing, warn: (message, fields = {}) => { warnings.push([message, fields]); }, child: () => log };
    return {
      acted,
      warnings,
      follower: new BlockListFollower({
        client: { joinRoom: (room) => Promise.resolve(room), getRoomState: () => Promise.resolve([]) },
        store,
        defederation: {
          propose: (glob) => { acted.push(`propose ${glob}`); return Promise.reject(new Error('not wanted in this test')); },
          decideNow: (glob) => { acted.push(`decide ${glob}`); return Promise.resolve(''); },
        },
        notify: (text) => { acted.push(`notify ${text}`); return Promise.resolve(); },
        log,
        neighborMode: 'propose',
        configured: [],
      }),
    };
  }

  function rule(entity: string): MatrixEvent {
    return {
      event_id: '$rule', room_id: '!list:hood.test', sender: '@hearth:hood.test', type: 'm.policy.rule.server', state_key: `rule:${entity}`,
      origin_server_ts: 0, content: { entity, recommendation: 'm.ban', reason: 'hostile' },
    };
  }

  it('is skipped and logged: nothing is proposed and the admin room hears nothing', async () => {
    const { follower: f, acted, warnings } = follower();
    await f.handleRule(rule(`${'*'.repeat(80)}x`));
    assert.deepEqual(acted, []);
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]![1].problem), /80 wildcards/);
    assert.equal(warnings[0]![1].source, 'hood.test');
  });

  it('while a rule within the limits goes on to a proposal as before', async () => {
    const { follower: f, acted } = follower();
    await assert.rejects(f.handleRule(rule('*.spam.test')), /not wanted/);
    assert.deepEqual(acted, ['propose *.spam.test']);
  });
});
