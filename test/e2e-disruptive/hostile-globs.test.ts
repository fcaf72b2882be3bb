// A server glob built to make pattern matching explode, from a member's
// command or from a ban list camp follows, is refused or skipped, and Hearth
// stays healthy and answers the next command. Restarts camp's Hearth to make
// it follow a list (and once more to stop following it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startHearth, stopHearth } from '../../testbed/testbed.ts';
import { adminCommand, dmWithBot, hearthSql, setHearthConfig } from '../support/hearth.ts';
import { Member, server, waitFor } from '../support/member.ts';

const HOSTILE_GLOB = `${'*'.repeat(80)}x`;

async function healthStatus(serverName: string): Promise<number> {
  const hearth = server(serverName).hearth;
  if (!hearth) throw new Error(`${serverName} runs no Hearth`);
  return (await fetch(`${hearth.appservice_url}/_hearth/health`)).status;
}

async function inboxStatus(eventId: string): Promise<string | null> {
  return (await hearthSql<{ status: string }>('camp.test', 'select status from inbox_events where event_id = ?', [eventId]))[0]?.status ?? null;
}

/** The lines of camp's Hearth log (JSON, one object a line) that mention an event. */
function campLogAbout(eventId: string): { level: string; msg: string; problem?: string }[] {
  const hearth = server('camp.test').hearth;
  if (!hearth) throw new Error('camp.test runs no Hearth');
  return readFileSync(hearth.log_path, 'utf8').split('\n').filter((line) => line.includes(eventId))
    .map((line) => JSON.parse(line) as { level: string; msg: string; problem?: string });
}

describe('a server glob built to hang a matcher', () => {
  it('from a member, `!defederate reply` with 80 stars is refused with the reason, and the next command is answered', async () => {
    const member = await Member.register('camp.test', 'prankster');
    const ask = await dmWithBot(member, 'camp.test');
    const answer = await ask(`!defederate reply ${HOSTILE_GLOB} hi`);
    assert.match(answer, /80 wildcards \(\* and \?\); at most 16 are accepted/);
    assert.equal(await healthStatus('camp.test'), 200);
    assert.match(await ask('!help'), /defederate reply/);
  });

  describe('from a ban list camp follows', () => {
    let lister: Member;
    let listRoom: string;
    before(async () => {
      lister = await Member.register('far.test', 'lister');
      // Room version 11, whose room IDs name their server: camp joins a configured list by ID through it (the testbed allows no aliases).
      listRoom = await lister.createRoom({ room_version: '11', preset: 'public_chat', name: 'A ban list' });
      await stopHearth('camp.test');
      setHearthConfig('camp.test', [[['neighborhood', 'subscriptions'], [{ room: listRoom, mode: 'propose' }]]]);
      await startHearth('camp.test');
      await waitFor('camp to follow the list', async () =>
        (await hearthSql<{ room_id: string }>('camp.test', 'select room_id from policy_subscriptions where source = ?', [listRoom]))[0]?.room_id === listRoom, 60_000);
    });
    after(async () => {
      // The list stays recorded as followed; nothing writes to it after this file.
      await stopHearth('camp.test');
      setHearthConfig('camp.test', [[['neighborhood', 'subscriptions'], []]]);
      await startHearth('camp.test');
    });

    it('an 80-star m.policy.rule.server rule is skipped and logged, and camp still answers', async () => {
      const ruleEvent = await lister.setState(listRoom, 'm.policy.rule.server', `rule:${HOSTILE_GLOB}`, { entity: HOSTILE_GLOB, recommendation: 'm.ban', reason: 'try to match this' });
      await waitFor('camp to handle the rule', async () => (await inboxStatus(ruleEvent)) === 'done', 60_000);
      const logged = campLogAbout(ruleEvent).find((line) => line.msg.startsWith('skipped a ban list rule'));
      assert.equal(logged?.level, 'warn');
      assert.match(logged.problem ?? '', /80 wildcards/);

      assert.equal(await healthStatus('camp.test'), 200);
      const member = await Member.register('camp.test', 'bystander');
      const ask = await dmWithBot(member, 'camp.test');
      assert.match(await ask('!help'), /defederate reply/);
      assert.doesNotMatch(await adminCommand('camp.test', '!defederate status'), /\*{17}/, 'no proposal was opened for the rule');
    });
  });
});
