// Deriving the neighborhood from the council room's state: the rules, written
// as the events each server's bot (or someone else) put in the room.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { neighborsOf } from '../../src/neighborhood/acl.ts';
import { deriveNeighborhood } from '../../src/neighborhood/derive.ts';
import { COUNCIL_ROOM_TYPE, MEMBERSHIP_TYPE, VOTES_TYPE, type Approval, type CouncilStateEvent, type VotesContent } from '../../src/neighborhood/events.ts';

const bot = (server: string): string => `@hearth:${server}`;
let ids = 0;

function event(type: string, stateKey: string, sender: string, content: Record<string, unknown>): CouncilStateEvent {
  ids += 1;
  return { event_id: `$e${ids}`, type, state_key: stateKey, sender, content };
}

const created = (founder: string, sender = bot(founder)): CouncilStateEvent => event('m.room.create', '', sender, { type: COUNCIL_ROOM_TYPE, room_version: '12' });
const joined = (server: string, round: number, after: string[], sender = bot(server)): CouncilStateEvent =>
  event(MEMBERSHIP_TYPE, sender, sender, { membership: 'join', round, after: [...after].sort() });
const left = (server: string, round: number): CouncilStateEvent => event(MEMBERSHIP_TYPE, bot(server), bot(server), { membership: 'leave', round });
const approve = (server: string, round: number, after: string[]): Approval => ({ server, round, after: [...after].sort() });

function votes(server: string, content: Partial<VotesContent>, who: { sender?: string; stateKey?: string } = {}): CouncilStateEvent {
  const stateKey = who.stateKey ?? bot(server);
  return event(VOTES_TYPE, stateKey, who.sender ?? stateKey, { approve: [], reject: [], remove: [], cut_off: [], ...content });
}

/** The room's current state: a later event replaces an earlier one with the same type and state key. */
function state(...events: CouncilStateEvent[]): CouncilStateEvent[] {
  const slots = new Map<string, CouncilStateEvent>();
  for (const e of events) slots.set(`${e.type}|${e.state_key}`, e);
  return [...slots.values()];
}

function derive(events: readonly CouncilStateEvent[], self = 'camp.test', defederated: readonly string[] = []) {
  return deriveNeighborhood(events, { botLocalpart: 'hearth', self, defederatedBySelf: (s) => defederated.includes(s) });
}

const CAMP = 'camp.test#0';
const HOOD = 'hood.test#1';
const GLEN = 'glen.test#2';

/** camp founded the council and hood joined it: the neighborhood every test below starts from. */
const campAndHood = (campVotes: Partial<VotesContent> = {}, hoodVotes: Partial<VotesContent> = {}): CouncilStateEvent[] => [
  created('camp.test'),
  joined('camp.test', 0, []),
  votes('camp.test', { ...campVotes, approve: [approve('hood.test', 1, [CAMP]), ...(campVotes.approve ?? [])] }),
  joined('hood.test', 1, [CAMP]),
  votes('hood.test', hoodVotes),
];

describe('founding a neighborhood', () => {
  it('the founder alone is a neighborhood of one', () => {
    const n = derive(state(created('camp.test'), joined('camp.test', 0, [])));
    assert.deepEqual(n.members, ['camp.test']);
    assert.equal(n.founder, 'camp.test');
    assert.equal(n.standing, 'member');
  });

  it('the second server is a member once the founder approved it and it accepted', () => {
    const n = derive(state(...campAndHood()));
    assert.deepEqual(n.members, ['camp.test', 'hood.test']);
    assert.deepEqual(n.history, [CAMP, HOOD]);
  });

  it('until it accepts, the second server is a candidate that waits only for itself', () => {
    const events = state(created('camp.test'), joined('camp.test', 0, []), votes('camp.test', { approve: [approve('hood.test', 1, [CAMP])] }));
    const n = derive(events);
    assert.deepEqual(n.members, ['camp.test']);
    assert.deepEqual(n.candidates.map((c) => [c.server, c.approvals, c.missing, c.accepted]), [['hood.test', ['camp.test'], [], false]]);
    assert.equal(derive(events, 'hood.test').standing, 'invited');
  });

  it('accepting without the founder\'s approval makes nobody a member', () => {
    const n = derive(state(created('camp.test'), joined('camp.test', 0, []), joined('hood.test', 1, [CAMP])));
    assert.deepEqual(n.members, ['camp.test']);
    assert.deepEqual(n.candidates, []);
  });

  it('a council created by an ordinary user has no founder and no members', () => {
    const create = created('camp.test', '@alice:camp.test');
    const n = derive(state(create, joined('camp.test', 0, [])));
    assert.deepEqual(n.members, []);
    assert.deepEqual(n.ignored[0], { eventId: create.event_id, reason: 'the council was created by @alice:camp.test, not by a Hearth bot: nobody founded it' });
  });

  it('nobody but the founder can take round 0', () => {
    const claim = joined('hood.test', 0, []);
    const n = derive(state(created('camp.test'), joined('camp.test', 0, []), votes('camp.test', { approve: [approve('hood.test', 0, [CAMP])] }), claim));
    assert.deepEqual(n.members, ['camp.test']);
    assert.match(n.ignored.find((i) => i.eventId === claim.event_id)?.reason ?? '', /round 0 belongs to the founder/);
  });
});

describe('unanimity', () => {
  const glenProposed = (hoodApproves: boolean, glenAccepts: boolean): CouncilStateEvent[] =>
    state(
      ...campAndHood({ approve: [approve('glen.test', 2, [CAMP, HOOD])] }, hoodApproves ? { approve: [approve('glen.test', 2, [CAMP, HOOD])] } : {}),
      ...(glenAccepts ? [joined('glen.test', 2, [CAMP, HOOD])] : []),
    );

  it('glen becomes a member only once hood has approved and glen has accepted', () => {
    const waiting = derive(glenProposed(false, true));
    assert.deepEqual(waiting.members, ['camp.test', 'hood.test']);
    assert.deepEqual(waiting.candidates.map((c) => [c.server, c.approvals, c.missing, c.accepted]), [['glen.test', ['camp.test'], ['hood.test'], true]]);
    assert.deepEqual(derive(glenProposed(true, false)).candidates.map((c) => [c.missing, c.accepted]), [[[], false]]);
    assert.deepEqual(derive(glenProposed(true, true)).members, ['camp.test', 'glen.test', 'hood.test']);
  });

  it('a candidate\'s own approval of itself counts for nothing', () => {
    const n = derive(state(...campAndHood({ approve: [approve('glen.test', 2, [CAMP, HOOD])] }), joined('glen.test', 2, [CAMP, HOOD]), votes('glen.test', { approve: [approve('glen.test', 2, [CAMP, HOOD])] })));
    assert.deepEqual(n.candidates.map((c) => c.missing), [['hood.test']]);
  });
});

describe('only a server\'s own Hearth bot speaks for it', () => {
  const base = (): CouncilStateEvent[] => [...campAndHood({ approve: [approve('glen.test', 2, [CAMP, HOOD])] }), joined('glen.test', 2, [CAMP, HOOD])];

  it('a ballot for glen sent by an ordinary hood user does not count, and says why', () => {
    const ballot = votes('hood.test', { approve: [approve('glen.test', 2, [CAMP, HOOD])] }, { stateKey: '@mallory:hood.test' });
    const n = derive(state(...base(), ballot));
    assert.deepEqual(n.members, ['camp.test', 'hood.test']);
    assert.deepEqual(n.ignored, [{ eventId: ballot.event_id, reason: '@mallory:hood.test is not a Hearth bot, so it speaks for nobody' }]);
  });

  it('a ballot in hood\'s name sent by camp\'s bot does not count', () => {
    const forged = votes('hood.test', { approve: [approve('glen.test', 2, [CAMP, HOOD])] }, { sender: bot('camp.test') });
    const n = derive(state(...base(), forged));
    assert.deepEqual(n.members, ['camp.test', 'hood.test']);
    assert.match(n.ignored[0]?.reason ?? '', /sent by @hearth:camp.test, not by @hearth:hood.test/);
  });

  it('a ballot sent by the bot of a server that is not a member does not count', () => {
    const n = derive(state(...base(), votes('river.test', { approve: [approve('glen.test', 2, [CAMP, HOOD])] })));
    assert.deepEqual(n.members, ['camp.test', 'hood.test']);
    assert.deepEqual(n.candidates[0]?.approvals, ['camp.test']);
  });

  it('a malformed ballot is ignored with the reason', () => {
    const bad = event(VOTES_TYPE, bot('hood.test'), bot('hood.test'), { approve: [{ server: 'glen.test', round: 2 }] });
    const n = derive(state(...base(), bad));
    assert.deepEqual(n.ignored, [{ eventId: bad.event_id, reason: 'votes of hood.test: approve[0] must give "after", the list of admissions it was given after' }]);
  });
});

describe('history: offline members, late answers, concurrent proposals', () => {
  it('hood approved glen before going offline: camp and glen can finish without it', () => {
    // hood's approval is state in the room: it stays valid while nothing else changed.
    const n = derive(state(...campAndHood({ approve: [approve('glen.test', 2, [CAMP, HOOD])] }, { approve: [approve('glen.test', 2, [CAMP, HOOD])] }), joined('glen.test', 2, [CAMP, HOOD])));
    assert.deepEqual(n.members, ['camp.test', 'glen.test', 'hood.test']);
  });

  it('an approval given before a later admission waits for its Hearth to restate it', () => {
    const river = 'river.test#3';
    const n = derive(state(
      ...campAndHood(
        { approve: [approve('glen.test', 2, [CAMP, HOOD]), approve('river.test', 3, [CAMP, HOOD, GLEN])] },
        { approve: [approve('glen.test', 2, [CAMP, HOOD]), approve('river.test', 3, [CAMP, HOOD])] },
      ),
      joined('glen.test', 2, [CAMP, HOOD]),
      votes('glen.test', { approve: [approve('river.test', 3, [CAMP, HOOD, GLEN])] }),
      joined('river.test', 3, [CAMP, HOOD, GLEN]),
    ));
    assert.deepEqual(n.members, ['camp.test', 'glen.test', 'hood.test']);
    assert.deepEqual(n.candidates.map((c) => [c.server, c.approvals, c.outdated]), [['river.test', ['camp.test', 'glen.test'], ['hood.test']]]);
    assert.ok(!n.history.includes(river));
  });

  it('an old acceptance cannot slip in behind a later admission', () => {
    // aaa was proposed first but answered after hood was admitted, with its old point of the history.
    const n = derive(state(
      created('camp.test'),
      joined('camp.test', 0, []),
      votes('camp.test', { approve: [approve('aaa.test', 1, [CAMP]), approve('hood.test', 2, [CAMP])] }),
      joined('hood.test', 2, [CAMP]),
      joined('aaa.test', 1, [CAMP, 'hood.test#2']),
    ));
    assert.deepEqual(n.members, ['camp.test', 'hood.test']);
    assert.deepEqual(n.candidates.map((c) => [c.server, c.missing]), [['aaa.test', ['camp.test', 'hood.test']]]);
  });

  it('two candidates approved at once: one gets in, the other then needs its approval too', () => {
    const n = derive(state(
      ...campAndHood(
        { approve: [approve('glen.test', 2, [CAMP, HOOD]), approve('river.test', 2, [CAMP, HOOD])] },
        { approve: [approve('glen.test', 2, [CAMP, HOOD]), approve('river.test', 2, [CAMP, HOOD])] },
      ),
      joined('glen.test', 2, [CAMP, HOOD]),
      joined('river.test', 2, [CAMP, HOOD]),
    ));
    assert.deepEqual(n.members, ['camp.test', 'glen.test', 'hood.test']);
    assert.deepEqual(n.candidates.map((c) => [c.server, c.missing]), [['river.test', ['camp.test', 'glen.test', 'hood.test']]]);
  });

  it('the founder cannot rewrite the history to push the others out', () => {
    // camp approves a friend at the point where it was alone; the friend accepts there.
    const n = derive(state(
      ...campAndHood({ approve: [approve('glen.test', 2, [CAMP, HOOD]), approve('aaa.test', 1, [CAMP])] }, { approve: [approve('glen.test', 2, [CAMP, HOOD])] }),
      joined('glen.test', 2, [CAMP, HOOD]),
      joined('aaa.test', 1, [CAMP]),
    ));
    assert.deepEqual(n.members, ['camp.test', 'glen.test', 'hood.test']);
    assert.ok(!n.members.includes('aaa.test'));
  });

  it('the same state gives the same answer whatever order it is read in', () => {
    const events = state(...campAndHood({ approve: [approve('glen.test', 2, [CAMP, HOOD])] }, { approve: [approve('glen.test', 2, [CAMP, HOOD])] }), joined('glen.test', 2, [CAMP, HOOD]));
    assert.deepEqual(derive([...events].reverse()), derive(events));
  });
});

describe('leaving and removal', () => {
  const three = (campExtra: Partial<VotesContent> = {}, hoodExtra: Partial<VotesContent> = {}, glenExtra: Partial<VotesContent> = {}): CouncilStateEvent[] => [
    ...campAndHood({ ...campExtra, approve: [approve('glen.test', 2, [CAMP, HOOD]), ...(campExtra.approve ?? [])] }, { ...hoodExtra, approve: [approve('glen.test', 2, [CAMP, HOOD]), ...(hoodExtra.approve ?? [])] }),
    joined('glen.test', 2, [CAMP, HOOD]),
    votes('glen.test', glenExtra),
  ];

  it('a member leaves on its own; those admitted after it stay', () => {
    const n = derive(state(...three(), left('hood.test', 1)));
    assert.deepEqual(n.members, ['camp.test', 'glen.test']);
    assert.deepEqual(n.history, [CAMP, HOOD, GLEN]);
  });

  it('the founder can leave too: the neighborhood goes on without it', () => {
    const point = [CAMP, HOOD, GLEN];
    const events = state(
      ...three({}, { approve: [approve('river.test', 3, point)] }, { approve: [approve('river.test', 3, point)] }),
      event(MEMBERSHIP_TYPE, bot('camp.test'), bot('camp.test'), { membership: 'leave', round: 0, after: [] }),
      joined('river.test', 3, point),
    );
    const n = derive(events, 'hood.test');
    assert.deepEqual(n.members, ['glen.test', 'hood.test', 'river.test']);
    assert.equal(n.founder, 'camp.test');
  });

  it('the last server admitted can leave too: its admission stays in the history', () => {
    const n = derive(state(...three(), event(MEMBERSHIP_TYPE, bot('glen.test'), bot('glen.test'), { membership: 'leave', round: 2, after: [CAMP, HOOD] })));
    assert.deepEqual(n.history, [CAMP, HOOD, GLEN]);
    assert.deepEqual(n.members, ['camp.test', 'hood.test']);
    assert.deepEqual(n.candidates, []);
  });

  it('after glen leaves, nobody allows glen and glen allows nobody', () => {
    const events = state(...three(), left('glen.test', 2));
    for (const self of ['camp.test', 'hood.test']) assert.deepEqual(neighborsOf(derive(events, self), self, () => false).includes('glen.test'), false);
    assert.deepEqual(neighborsOf(derive(events, 'glen.test'), 'glen.test', () => false), []);
  });

  it('a server that left comes back only through a fresh proposal', () => {
    // camp and hood recorded glen's departure; glen then restates its old acceptance.
    const departed = { remove: [{ server: 'glen.test', round: 2 }] };
    const sneaked = derive(state(...three(departed, departed), joined('glen.test', 2, [CAMP, HOOD])));
    assert.deepEqual(sneaked.members, ['camp.test', 'hood.test']);
    assert.deepEqual(sneaked.removed, ['glen.test']);
    const point = [CAMP, HOOD, GLEN];
    const fresh = { ...departed, approve: [approve('glen.test', 5, point)] };
    const back = derive(state(...three(fresh, fresh), joined('glen.test', 5, point)));
    assert.deepEqual(back.members, ['camp.test', 'glen.test', 'hood.test']);
    assert.deepEqual(back.rounds, { 'camp.test': 0, 'hood.test': 1, 'glen.test': 5 });
  });

  it('removing hood needs every other member', () => {
    const removeHood = { remove: [{ server: 'hood.test', round: 1 }] };
    const half = derive(state(...three(removeHood)));
    assert.deepEqual(half.members, ['camp.test', 'glen.test', 'hood.test']);
    assert.deepEqual(half.removals, [{ server: 'hood.test', round: 1, votes: ['camp.test'], missing: ['glen.test'] }]);
    const all = derive(state(...three(removeHood, {}, removeHood)));
    assert.deepEqual(all.members, ['camp.test', 'glen.test']);
    assert.deepEqual(all.removed, ['hood.test']);
  });

  it('once hood is removed, nobody allows hood and hood allows nobody', () => {
    const removeHood = { remove: [{ server: 'hood.test', round: 1 }] };
    const events = state(...three(removeHood, {}, removeHood));
    assert.deepEqual(neighborsOf(derive(events, 'camp.test'), 'camp.test', () => false), ['glen.test']);
    assert.deepEqual(neighborsOf(derive(events, 'glen.test'), 'glen.test', () => false), ['camp.test']);
    const hood = derive(events, 'hood.test');
    assert.equal(hood.standing, 'removed');
    assert.deepEqual(neighborsOf(hood, 'hood.test', () => false), []);
  });

  it('a server removed by vote and proposed again is a candidate, and comes back once it accepts', () => {
    const point = [CAMP, HOOD, GLEN];
    const removeAndPropose = { remove: [{ server: 'hood.test', round: 1 }], approve: [approve('hood.test', 3, point)] };
    const proposed = state(...three(removeAndPropose, {}, removeAndPropose));
    const hood = derive(proposed, 'hood.test');
    assert.equal(hood.standing, 'invited');
    assert.deepEqual(hood.candidates.map((c) => [c.server, c.round, c.accepted]), [['hood.test', 3, false]]);
    assert.deepEqual(hood.members, ['camp.test', 'glen.test']);
    const back = derive(state(...proposed, joined('hood.test', 3, point)), 'hood.test');
    assert.equal(back.standing, 'member');
    assert.deepEqual(back.members, ['camp.test', 'glen.test', 'hood.test']);
    assert.deepEqual(back.removed, []);
  });

  it('a member voting alone cannot remove anyone', () => {
    const n = derive(state(...three({}, { remove: [{ server: 'camp.test', round: 0 }, { server: 'glen.test', round: 2 }] })));
    assert.deepEqual(n.members, ['camp.test', 'glen.test', 'hood.test']);
  });
});

describe('defederation wins', () => {
  it('a member that cut glen off can never approve it', () => {
    const n = derive(state(
      ...campAndHood({ approve: [approve('glen.test', 2, [CAMP, HOOD])], cut_off: [{ server: 'glen.test', at: 2 }] }, { approve: [approve('glen.test', 2, [CAMP, HOOD])] }),
      joined('glen.test', 2, [CAMP, HOOD]),
    ));
    assert.deepEqual(n.members, ['camp.test', 'hood.test']);
    assert.deepEqual(n.candidates.map((c) => [c.server, c.missing, c.cutBy]), [['glen.test', ['camp.test'], ['camp.test']]]);
  });

  it('cutting off a neighbor drops it for that member only, both ways, and the others are told', () => {
    const events = state(
      ...campAndHood({ approve: [approve('glen.test', 2, [CAMP, HOOD])], cut_off: [{ server: 'glen.test', at: 3 }] }, { approve: [approve('glen.test', 2, [CAMP, HOOD])] }),
      joined('glen.test', 2, [CAMP, HOOD]),
    );
    const fromHood = derive(events, 'hood.test');
    assert.deepEqual(fromHood.members, ['camp.test', 'glen.test', 'hood.test']);
    assert.deepEqual(fromHood.cuts, [{ by: 'camp.test', server: 'glen.test' }]);
    assert.deepEqual(neighborsOf(fromHood, 'hood.test', () => false), ['camp.test', 'glen.test']);
    assert.deepEqual(neighborsOf(derive(events, 'camp.test'), 'camp.test', () => false), ['hood.test']);
    assert.deepEqual(neighborsOf(derive(events, 'glen.test'), 'glen.test', () => false), ['hood.test']);
  });

  it('a member stops allowing a neighbor it defederated at once, before announcing it', () => {
    const events = state(...campAndHood());
    const n = derive(events, 'camp.test', ['hood.test']);
    assert.deepEqual(neighborsOf(n, 'camp.test', (s) => s === 'hood.test'), []);
    assert.deepEqual(n.members, ['camp.test', 'hood.test']);
  });
});
