// The !neighborhood commands on several servers sharing council rooms, with
// each online Hearth restating its statements after every change, as the
// wiring will: what the admins see, and which servers each server's
// neighborhood rooms allow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globMatches } from '../../src/matrix/server-globs.ts';
import { councilServerAcl, neighborsOf } from '../../src/neighborhood/acl.ts';
import {
  decideAccept,
  decideApprove,
  decideCreate,
  decideLeave,
  decidePropose,
  decideReject,
  decideRemove,
  type Decision,
  type Situation,
} from '../../src/neighborhood/commands-logic.ts';
import { deriveNeighborhood, type Neighborhood } from '../../src/neighborhood/derive.ts';
import type { CouncilStateEvent } from '../../src/neighborhood/events.ts';
import type { OutgoingState } from '../../src/neighborhood/statements.ts';
import { describeStatus } from '../../src/neighborhood/status.ts';
import { planUpkeep } from '../../src/neighborhood/upkeep.ts';

const bot = (server: string): string => `@hearth:${server}`;

/** Council rooms shared by every server (federation delivers all state to all), and the Hearths that act on them. */
class World {
  readonly councils = new Map<string, CouncilStateEvent[]>();
  readonly defederated = new Map<string, string[]>();
  readonly offline = new Set<string>();
  readonly invites: string[] = [];
  private readonly servers: readonly string[];
  private seq = 0;

  constructor(...servers: string[]) {
    this.servers = servers;
  }

  situation(server: string): Situation {
    return {
      self: server,
      botLocalpart: 'hearth',
      councils: [...this.councils].map(([roomId, state]) => ({ roomId, state })),
      defederatedBySelf: (s) => (this.defederated.get(server) ?? []).some((glob) => globMatches(glob, s)),
    };
  }

  /** Runs an admin command on a server; answers what the admin would read. */
  command(server: string, text: string): string {
    assert.ok(!this.offline.has(server), `${server} is offline`);
    const [, verb = '', argument = ''] = text.split(/\s+/);
    const s = this.situation(server);
    if (verb === 'status') return describeStatus(s);
    const decisions: Record<string, () => Decision> = {
      create: () => decideCreate(s, `create.${server}`),
      propose: () => decidePropose(s, argument),
      approve: () => decideApprove(s, argument),
      reject: () => decideReject(s, argument),
      accept: () => decideAccept(s, argument === '' ? undefined : argument),
      leave: () => decideLeave(s),
      remove: () => decideRemove(s, argument),
    };
    const decide = decisions[verb];
    assert.ok(decide, `unknown command ${text}`);
    const reply = this.carryOut(server, decide());
    this.settle();
    return reply;
  }

  carryOut(server: string, decision: Decision): string {
    if (decision.kind === 'refuse') return decision.reason;
    if (decision.kind === 'create') {
      const roomId = `!council${this.councils.size + 1}`;
      const { creation_content: creation = {}, initial_state: initial = [] } = decision.request;
      this.councils.set(roomId, [{ event_id: `$create${roomId}`, type: 'm.room.create', state_key: '', sender: bot(server), content: { ...creation, room_version: '12' } }]);
      this.send(roomId, server, initial.map((e) => ({ type: e.type, stateKey: e.state_key, content: e.content })));
    } else {
      this.send(decision.roomId, server, decision.events);
      this.invites.push(...decision.invite);
    }
    return decision.reply;
  }

  send(roomId: string, server: string, events: readonly OutgoingState[]): void {
    let state = this.councils.get(roomId) ?? [];
    for (const e of events) {
      this.seq += 1;
      state = [...state.filter((x) => !(x.type === e.type && x.state_key === e.stateKey)), { event_id: `$${this.seq}`, type: e.type, state_key: e.stateKey, sender: bot(server), content: e.content }];
    }
    this.councils.set(roomId, state);
  }

  /** Every online Hearth restates what it must until nothing changes. */
  settle(): void {
    for (let pass = 0; pass < 20; pass++) {
      let changed = false;
      for (const server of this.servers.filter((x) => !this.offline.has(x))) {
        const s = this.situation(server);
        for (const { roomId, state } of s.councils) {
          const n = deriveNeighborhood(state, s);
          const events = planUpkeep({ n, state, self: server, botLocalpart: 'hearth', defederatedBySelf: s.defederatedBySelf });
          if (events.length === 0) continue;
          this.send(roomId, server, events);
          changed = true;
        }
      }
      if (!changed) return;
    }
    assert.fail('the Hearths kept restating without settling');
  }

  home(server: string): Neighborhood | undefined {
    const s = this.situation(server);
    return s.councils.map(({ state }) => deriveNeighborhood(state, s)).find((n) => n.standing === 'member');
  }

  /** What the server's neighborhood rooms allow: itself and its neighbors. */
  allowed(server: string): string[] {
    const n = this.home(server);
    const s = this.situation(server);
    return [server, ...(n ? neighborsOf(n, server, s.defederatedBySelf) : [])].sort();
  }
}

function campAndHood(...more: string[]): World {
  const world = new World('camp.test', 'hood.test', ...more);
  world.command('camp.test', '!neighborhood create');
  world.command('camp.test', '!neighborhood propose hood.test');
  world.command('hood.test', '!neighborhood accept');
  return world;
}

describe('forming a neighborhood', () => {
  it('two servers form the first neighborhood by agreeing with each other', () => {
    const world = new World('camp.test', 'hood.test');
    assert.match(world.command('camp.test', '!neighborhood create'), /^Started a neighborhood/);
    assert.equal(world.command('camp.test', '!neighborhood propose hood.test'),
      'Proposed hood.test for the neighborhood and invited its Hearth. It joins once every member has approved it and its admins have accepted; waiting for hood.test to accept.');
    assert.deepEqual(world.invites, ['@hearth:hood.test']);
    assert.deepEqual(world.allowed('camp.test'), ['camp.test']);
    assert.equal(world.command('hood.test', '!neighborhood accept'), 'This community is now in the neighborhood with camp.test.');
    assert.deepEqual(world.allowed('camp.test'), ['camp.test', 'hood.test']);
    assert.deepEqual(world.allowed('hood.test'), ['camp.test', 'hood.test']);
  });

  it('glen becomes a member only once hood has approved and glen has accepted', () => {
    const world = campAndHood('glen.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    assert.equal(world.command('glen.test', '!neighborhood accept'),
      'Accepted the neighborhood of camp.test, hood.test. This community joins it once every member has approved it; waiting for approval from hood.test.');
    assert.deepEqual(world.allowed('camp.test'), ['camp.test', 'hood.test']);
    assert.deepEqual(world.allowed('glen.test'), ['glen.test']);
    assert.equal(world.command('hood.test', '!neighborhood approve glen.test'), 'Approved: glen.test is now a member of the neighborhood.');
    for (const server of ['camp.test', 'hood.test', 'glen.test']) assert.deepEqual(world.allowed(server), ['camp.test', 'glen.test', 'hood.test'], server);
  });

  it('the council room lets in its members and open candidates, nobody else', () => {
    const world = campAndHood('glen.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    const [state = []] = world.councils.values();
    const n = deriveNeighborhood(state, world.situation('hood.test'));
    assert.deepEqual(councilServerAcl(n), { allow: ['camp.test', 'glen.test', 'hood.test'], deny: [], allow_ip_literals: false });
    world.command('hood.test', '!neighborhood reject glen.test');
    const after = deriveNeighborhood([...world.councils.values()][0] ?? [], world.situation('hood.test'));
    assert.deepEqual(councilServerAcl(after)?.allow, ['camp.test', 'hood.test']);
  });

  it('two servers proposed at the same time both get in once each has the other\'s approval', () => {
    const world = campAndHood('glen.test', 'river.test');
    // Both proposals are decided from the same state, as when two admins act at once.
    const glen = decidePropose(world.situation('camp.test'), 'glen.test');
    const river = decidePropose(world.situation('hood.test'), 'river.test');
    world.carryOut('camp.test', glen);
    world.carryOut('hood.test', river);
    world.settle();
    world.command('hood.test', '!neighborhood approve glen.test');
    world.command('camp.test', '!neighborhood approve river.test');
    world.command('glen.test', '!neighborhood accept');
    world.command('river.test', '!neighborhood accept');
    assert.deepEqual(world.home('camp.test')?.members, ['camp.test', 'glen.test', 'hood.test']);
    assert.match(world.command('camp.test', '!neighborhood status'), /river\.test: approved by camp\.test, hood\.test; waiting for approval from glen\.test/);
    assert.equal(world.command('glen.test', '!neighborhood approve river.test'), 'Approved: river.test is now a member of the neighborhood.');
    for (const server of ['camp.test', 'hood.test', 'glen.test', 'river.test']) assert.deepEqual(world.allowed(server), ['camp.test', 'glen.test', 'hood.test', 'river.test'], server);
  });
});

describe('members that are offline', () => {
  it('hood approved glen before going offline: camp and glen finish without it', () => {
    const world = campAndHood('glen.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    world.command('hood.test', '!neighborhood approve glen.test');
    world.offline.add('hood.test');
    assert.equal(world.command('glen.test', '!neighborhood accept'), 'This community is now in the neighborhood with camp.test, hood.test.');
    world.offline.delete('hood.test');
    world.settle();
    assert.deepEqual(world.allowed('hood.test'), ['camp.test', 'glen.test', 'hood.test']);
  });

  it('hood had not approved yet: the vote waits for hood', () => {
    const world = campAndHood('glen.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    world.offline.add('hood.test');
    world.command('glen.test', '!neighborhood accept');
    assert.deepEqual(world.allowed('camp.test'), ['camp.test', 'hood.test']);
    world.offline.delete('hood.test');
    world.command('hood.test', '!neighborhood approve glen.test');
    assert.deepEqual(world.allowed('glen.test'), ['camp.test', 'glen.test', 'hood.test']);
  });

  it('an approval overtaken while its member was offline is restated when it comes back', () => {
    const world = campAndHood('glen.test', 'river.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    world.command('camp.test', '!neighborhood propose river.test');
    world.command('hood.test', '!neighborhood approve glen.test');
    world.command('hood.test', '!neighborhood approve river.test');
    world.offline.add('hood.test');
    world.command('glen.test', '!neighborhood accept');
    world.command('river.test', '!neighborhood accept');
    world.command('glen.test', '!neighborhood approve river.test');
    assert.deepEqual(world.home('camp.test')?.candidates.map((c) => [c.server, c.missing]), [['river.test', ['hood.test']]]);
    world.offline.delete('hood.test');
    world.settle();
    for (const server of ['camp.test', 'hood.test', 'glen.test', 'river.test']) assert.deepEqual(world.allowed(server), ['camp.test', 'glen.test', 'hood.test', 'river.test'], server);
  });
});

describe('one neighborhood per server', () => {
  it('a server already in a neighborhood cannot accept another invitation: it must leave first', () => {
    const world = campAndHood('glen.test', 'river.test');
    world.command('glen.test', '!neighborhood create');
    world.command('glen.test', '!neighborhood propose river.test');
    world.command('river.test', '!neighborhood accept');
    world.command('camp.test', '!neighborhood propose river.test');
    world.command('hood.test', '!neighborhood approve river.test');
    assert.equal(world.command('river.test', '!neighborhood accept'), 'This community is already in a neighborhood (glen.test, river.test): leave it first with !neighborhood leave.');
    world.command('river.test', '!neighborhood leave');
    assert.equal(world.command('river.test', '!neighborhood accept'), 'This community is now in the neighborhood with camp.test, hood.test.');
    assert.deepEqual(world.allowed('glen.test'), ['glen.test']);
    assert.deepEqual(world.allowed('river.test'), ['camp.test', 'hood.test', 'river.test']);
  });

  it('a founder still alone counts as in a neighborhood', () => {
    const world = campAndHood('glen.test');
    world.command('glen.test', '!neighborhood create');
    world.command('camp.test', '!neighborhood propose glen.test');
    assert.match(world.command('glen.test', '!neighborhood accept'), /^This community is already in a neighborhood \(glen\.test\)/);
    assert.match(world.command('hood.test', '!neighborhood create'), /^This community is already in a neighborhood/);
  });
});

describe('leaving and removal', () => {
  function three(): World {
    const world = campAndHood('glen.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    world.command('hood.test', '!neighborhood approve glen.test');
    world.command('glen.test', '!neighborhood accept');
    return world;
  }

  it('a member leaves on its own: the others stop allowing it and its rooms stop allowing them', () => {
    const world = three();
    assert.equal(world.command('hood.test', '!neighborhood leave'),
      'This community has left the neighborhood. Its neighborhood rooms stop allowing camp.test, glen.test, and theirs stop allowing this server.');
    assert.deepEqual(world.allowed('hood.test'), ['hood.test']);
    assert.deepEqual(world.allowed('camp.test'), ['camp.test', 'glen.test']);
    assert.deepEqual(world.allowed('glen.test'), ['camp.test', 'glen.test']);
  });

  it('a server that left comes back through a fresh proposal that everyone approves', () => {
    const world = three();
    world.command('glen.test', '!neighborhood leave');
    world.command('camp.test', '!neighborhood propose glen.test');
    assert.match(world.command('glen.test', '!neighborhood accept'), /waiting for approval from hood\.test/);
    world.command('hood.test', '!neighborhood approve glen.test');
    assert.deepEqual(world.allowed('glen.test'), ['camp.test', 'glen.test', 'hood.test']);
  });

  it('removing hood needs every other member', () => {
    const world = three();
    assert.equal(world.command('camp.test', '!neighborhood remove hood.test'), 'Voted to remove hood.test. It is removed once every other member agrees; waiting for glen.test.');
    assert.deepEqual(world.allowed('camp.test'), ['camp.test', 'glen.test', 'hood.test']);
    assert.equal(world.command('glen.test', '!neighborhood remove hood.test'),
      'hood.test is removed from the neighborhood: every other member agreed. Its rooms and the neighbors\' stop allowing each other.');
    assert.deepEqual(world.allowed('camp.test'), ['camp.test', 'glen.test']);
    assert.deepEqual(world.allowed('hood.test'), ['hood.test']);
    assert.match(world.command('hood.test', '!neighborhood status'), /The other members removed this community/);
  });

  it('a server removed by vote comes back through a fresh proposal that everyone approves', () => {
    const world = three();
    world.command('camp.test', '!neighborhood remove hood.test');
    world.command('glen.test', '!neighborhood remove hood.test');
    assert.match(world.command('camp.test', '!neighborhood propose hood.test'), /^Proposed hood\.test/);
    assert.match(world.command('hood.test', '!neighborhood accept'), /waiting for approval from glen\.test/);
    assert.deepEqual(world.allowed('camp.test'), ['camp.test', 'glen.test']);
    world.command('glen.test', '!neighborhood approve hood.test');
    for (const server of ['camp.test', 'glen.test', 'hood.test']) assert.deepEqual(world.allowed(server), ['camp.test', 'glen.test', 'hood.test']);
  });
});

describe('defederation wins', () => {
  it('a member that defederated glen can never approve it', () => {
    const world = campAndHood('glen.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    world.defederated.set('hood.test', ['*.glen.test', 'glen.test']);
    assert.equal(world.command('hood.test', '!neighborhood approve glen.test'), 'This community has cut glen.test off (defederated it): it can never approve it while that stands.');
    world.settle();
    world.command('glen.test', '!neighborhood accept');
    assert.deepEqual(world.allowed('camp.test'), ['camp.test', 'hood.test']);
    assert.match(world.command('camp.test', '!neighborhood status'), /glen\.test: cut off by hood\.test, so it cannot be approved/);
  });

  it('an approval given before the defederation is withdrawn', () => {
    const world = campAndHood('glen.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    world.command('hood.test', '!neighborhood approve glen.test');
    world.defederated.set('hood.test', ['glen.test']);
    world.settle();
    world.command('glen.test', '!neighborhood accept');
    assert.deepEqual(world.home('camp.test')?.candidates.map((c) => [c.server, c.approvals, c.cutBy]), [['glen.test', ['camp.test'], ['hood.test']]]);
  });

  it('a defederated neighbor leaves the neighborhood as far as that member is concerned, and the others are told', () => {
    const world = campAndHood('glen.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    world.command('hood.test', '!neighborhood approve glen.test');
    world.command('glen.test', '!neighborhood accept');
    world.defederated.set('camp.test', ['hood.test']);
    world.settle();
    assert.deepEqual(world.allowed('camp.test'), ['camp.test', 'glen.test']);
    assert.deepEqual(world.allowed('hood.test'), ['glen.test', 'hood.test']);
    assert.deepEqual(world.allowed('glen.test'), ['camp.test', 'glen.test', 'hood.test']);
    assert.match(world.command('hood.test', '!neighborhood status'), /rooms allow: glen\.test, hood\.test\.\nMembers these rooms do not allow \(cut off\): camp\.test\./);
    assert.match(world.command('glen.test', '!neighborhood status'), /camp\.test has cut off hood\.test/);
    world.defederated.set('camp.test', []);
    world.settle();
    assert.deepEqual(world.allowed('hood.test'), ['camp.test', 'glen.test', 'hood.test']);
  });

  it('a waiting acceptance is not carried over a member the candidate has defederated', () => {
    const world = campAndHood('glen.test', 'river.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    world.command('camp.test', '!neighborhood propose river.test');
    world.command('hood.test', '!neighborhood approve glen.test');
    world.command('river.test', '!neighborhood accept');
    world.defederated.set('river.test', ['glen.test']);
    world.command('glen.test', '!neighborhood accept');
    world.command('glen.test', '!neighborhood approve river.test');
    world.command('hood.test', '!neighborhood approve river.test');
    assert.deepEqual(world.home('camp.test')?.members, ['camp.test', 'glen.test', 'hood.test']);
    assert.deepEqual(world.allowed('river.test'), ['river.test']);
  });

  it('a server cannot accept a neighborhood with a member it has defederated', () => {
    const world = campAndHood('glen.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    world.defederated.set('glen.test', ['hood.test']);
    assert.equal(world.command('glen.test', '!neighborhood accept'),
      'This community has cut off hood.test, a member of that neighborhood: refederate first, or decline with !neighborhood reject hood.test.');
  });
});

describe('commands refuse what cannot be done, and say why', () => {
  it('outside a neighborhood', () => {
    const world = new World('camp.test', 'hood.test');
    for (const text of ['!neighborhood propose hood.test', '!neighborhood approve hood.test', '!neighborhood remove hood.test']) {
      assert.match(world.command('camp.test', text), /^This community is not in a neighborhood\. Start one/, text);
    }
    assert.equal(world.command('camp.test', '!neighborhood accept'), 'No neighborhood has invited this community.');
    assert.equal(world.command('camp.test', '!neighborhood leave'), 'This community is not in a neighborhood.');
    assert.match(world.command('camp.test', '!neighborhood status'), /^This community is not in a neighborhood/);
  });

  it('inside one', () => {
    const world = campAndHood('glen.test');
    assert.equal(world.command('camp.test', '!neighborhood propose hood.test'), 'hood.test is already a member of the neighborhood.');
    assert.equal(world.command('camp.test', '!neighborhood propose camp.test'), 'camp.test is this community\'s own server.');
    assert.equal(world.command('camp.test', '!neighborhood propose glen.test:8448'), '"glen.test:8448" is not a server name (letters, digits, dots and hyphens, without a port).');
    assert.equal(world.command('camp.test', '!neighborhood approve glen.test'), 'Nobody has proposed glen.test. Propose it with !neighborhood propose glen.test.');
    assert.equal(world.command('camp.test', '!neighborhood remove camp.test'), 'To take this community out, say !neighborhood leave.');
    assert.equal(world.command('camp.test', '!neighborhood remove glen.test'), 'glen.test is not a member of the neighborhood.');
    world.command('camp.test', '!neighborhood propose glen.test');
    assert.match(world.command('camp.test', '!neighborhood propose glen.test'), /^glen\.test is already proposed/);
    assert.equal(world.command('camp.test', '!neighborhood approve glen.test'), 'This community has already approved glen.test; waiting for approval from hood.test and glen.test to accept.');
    world.command('hood.test', '!neighborhood approve glen.test');
    world.command('glen.test', '!neighborhood accept');
    world.command('camp.test', '!neighborhood remove hood.test');
    assert.equal(world.command('camp.test', '!neighborhood remove hood.test'), 'This community has already voted to remove hood.test; waiting for glen.test.');
  });

  it('a candidate declines by naming a member of the inviting neighborhood', () => {
    const world = campAndHood('glen.test');
    world.command('camp.test', '!neighborhood propose glen.test');
    assert.equal(world.command('glen.test', '!neighborhood reject camp.test'), 'Declined the invitation to the neighborhood of camp.test, hood.test.');
    assert.match(world.command('camp.test', '!neighborhood status'), /glen\.test: declined the invitation/);
  });
});
